// Inbound email attachments' content, stored once by its SHA-256 (the timeline lists only their
// metadata): the one module that writes `attachments`.

import type pg from 'pg';

export async function storeAttachments(pool: pg.Pool, attachments: Array<{ sha256: string; content: Buffer }>): Promise<void> {
  if (attachments.length === 0) return;
  await pool.query('INSERT INTO attachments (sha256, content) SELECT * FROM unnest($1::text[], $2::bytea[]) ON CONFLICT (sha256) DO NOTHING', [
    attachments.map((a) => a.sha256),
    attachments.map((a) => a.content),
  ]);
}
