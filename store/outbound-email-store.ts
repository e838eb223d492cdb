// The one writer of outbound_emails: their rows, queued with the item's changes that wrote them
// (QUEUE_EMAILS, run inside store/item-store.ts's store of those changes), and their delivery
// state (`queued` -> `sending` -> `sent` | `failed`), as the delivery activity moves it
// (activities/email-delivery.ts).

import type pg from 'pg';
import { TEXT_REF_PREFIX } from './text-ref.js';

/** Queues the emails of a JSON array parameter (OutboundEmail[]) once each, by Message-ID: a statement for a data-modifying CTE. */
export const QUEUE_EMAILS = (param: string): string => `
  INSERT INTO outbound_emails (message_id, ref, recipients, subject, body, is_resolution, seq, in_reply_to)
  SELECT m."messageId", m.ref, m."to", m.subject, m.body, m."isResolution", m.seq, m."inReplyTo"
  FROM jsonb_to_recordset(${param}::jsonb) AS m("messageId" text, ref text, "to" text[], subject text, body text, "isResolution" boolean, seq int, "inReplyTo" text)
  ON CONFLICT (message_id) DO NOTHING`;

export interface StoredOutboundEmail {
  messageId: string;
  ref: string;
  recipients: string[];
  subject: string;
  body: string;
  inReplyTo: string | null;
}

export type Delivery = 'queued' | 'sending' | 'sent' | 'failed';

export class OutboundEmailTable {
  constructor(private readonly pool: pg.Pool) {}

  /** A stored email with its body in place (a long body is a stored text) and where its delivery is. */
  async email(messageId: string): Promise<(StoredOutboundEmail & { delivery: Delivery }) | undefined> {
    const { rows } = await this.pool.query<StoredOutboundEmail & { delivery: Delivery }>(
      `SELECT o.message_id AS "messageId", o.ref, o.recipients, o.subject, o.delivery, o.in_reply_to AS "inReplyTo",
              COALESCE(t.body, o.body) AS body
       FROM outbound_emails o LEFT JOIN texts t ON o.body = $2 || t.id
       WHERE o.message_id = $1`,
      [messageId, TEXT_REF_PREFIX],
    );
    return rows[0];
  }

  /** `queued` -> `sending`, before the relay is called; false when it was not queued. */
  async claimForSending(messageId: string): Promise<boolean> {
    const claimed = await this.pool.query(`UPDATE outbound_emails SET delivery = 'sending' WHERE message_id = $1 AND delivery = 'queued'`, [messageId]);
    return claimed.rowCount !== 0;
  }

  /** What the last failed attempt said. */
  async lastError(messageId: string): Promise<string | null | undefined> {
    const { rows } = await this.pool.query<{ last_error: string | null }>('SELECT last_error FROM outbound_emails WHERE message_id = $1', [messageId]);
    return rows[0]?.last_error;
  }

  /** The email failed for good, for this reason. */
  async markFailed(messageId: string, reason: string): Promise<void> {
    await this.pool.query(`UPDATE outbound_emails SET delivery = 'failed', last_error = $2 WHERE message_id = $1`, [messageId, reason]);
  }

  /** The relay accepted the email. */
  async markSent(messageId: string): Promise<void> {
    await this.pool.query(`UPDATE outbound_emails SET delivery = 'sent', sent_at = now(), attempts = attempts + 1, last_error = NULL WHERE message_id = $1`, [messageId]);
  }

  /** An attempt failed: queued again for the next attempt, or failed for good when `final`. */
  async noteFailedAttempt(messageId: string, error: string, final: boolean): Promise<void> {
    await this.pool.query(
      `UPDATE outbound_emails SET attempts = attempts + 1, last_error = $2, delivery = CASE WHEN $3 THEN 'failed' ELSE 'queued' END WHERE message_id = $1`,
      [messageId, error, final],
    );
  }
}
