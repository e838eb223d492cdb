// Inbound SMTP messages, stored raw before the listener answers 250 and marked once taken: the one
// module that writes `inbound_messages`. The queue that takes them is the API's
// (api/inbound-message-queue.ts).

import type pg from 'pg';

export interface StoredMessage {
  messageId: string;
  mailFrom: string;
  rcptTo: string[];
  remoteAddress: string;
  raw: Buffer;
}

export class InboundMessageTable {
  constructor(private readonly pool: pg.Pool) {}

  /** Stores a message durably; its id. */
  async insert(message: StoredMessage): Promise<number> {
    const { rows } = await this.pool.query<{ id: string }>(
      'INSERT INTO inbound_messages (message_id, mail_from, rcpt_to, remote_address, raw) VALUES ($1,$2,$3,$4,$5) RETURNING id',
      [message.messageId, message.mailFrom, message.rcptTo, message.remoteAddress, message.raw],
    );
    return Number(rows[0].id);
  }

  /** The ids of every message stored and not processed yet, in the order received. */
  async unprocessed(): Promise<number[]> {
    const { rows } = await this.pool.query<{ id: string }>('SELECT id FROM inbound_messages WHERE processed_at IS NULL ORDER BY id');
    return rows.map((r) => Number(r.id));
  }

  /** A message not processed yet: its raw bytes and envelope recipients (undefined when processed or gone). */
  async unprocessedMessage(id: number): Promise<{ raw: Buffer; rcptTo: string[] } | undefined> {
    const { rows } = await this.pool.query<{ raw: Buffer; rcpt_to: string[]; processed_at: Date | null }>('SELECT raw, rcpt_to, processed_at FROM inbound_messages WHERE id = $1', [id]);
    const row = rows[0];
    return row && !row.processed_at ? { raw: row.raw, rcptTo: row.rcpt_to } : undefined;
  }

  /** Marks a message processed with what it did. */
  async markTaken(id: number, outcome: string, ref: string | null): Promise<void> {
    await this.pool.query('UPDATE inbound_messages SET processed_at = now(), outcome = $2, ref = $3, attempts = attempts + 1, last_error = NULL WHERE id = $1', [id, outcome, ref]);
  }

  /** Marks a message processed as `rejected`, for good, with the reason. */
  async markRejected(id: number, reason: string): Promise<void> {
    await this.pool.query(`UPDATE inbound_messages SET processed_at = now(), outcome = 'rejected', attempts = attempts + 1, last_error = $2 WHERE id = $1`, [id, reason]);
  }

  /** Counts a failed attempt (to be retried); how many attempts there have been. */
  async noteFailedAttempt(id: number, error: string): Promise<number | undefined> {
    const { rows } = await this.pool.query<{ attempts: number }>('UPDATE inbound_messages SET attempts = attempts + 1, last_error = $2 WHERE id = $1 RETURNING attempts', [id, error]);
    return rows[0]?.attempts;
  }
}
