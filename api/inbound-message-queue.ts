// Inbound SMTP messages between the listener's 250 and their effect on an item. The listener
// stores each raw message here first (PostgreSQL) and only then answers 250; this queue then
// takes it exactly as POST /v1/inbound-emails takes raw RFC 822, and marks it processed with what
// it did. A message the service could not take (Temporal or PostgreSQL away) is retried with
// backoff; one it never can (no usable sender, say) is marked `rejected` with the reason. At
// start, every message stored and not yet processed (a crash after the 250) is taken again: the
// Message-ID claim makes a repeat harmless.

import type pg from 'pg';
import type { Logger } from 'pino';
import { InboundMessageTable, type StoredMessage } from '../store/inbound-message-store.js';
import type { Caller } from './caller.js';
import { ApiError, fromZod } from './errors.js';
import { takeEmail, type InboundEmailDeps } from './inbound-email.js';
import { parseRawEmail, storeAttachments, type ParsedRawEmail } from './raw-email.js';
import { InboundEmailBody } from './schemas.js';

/** Who delivers SMTP mail, as far as the items' timelines say. */
export const SMTP_CALLER: Caller = { id: 'smtp', kind: 'integration', roles: [], queues: [] };

/** How many stored messages are taken at once (as many as HTTP clients typically send in parallel). */
export const INBOUND_CONCURRENCY = 16;
const MAX_RETRY_DELAY_MS = 60_000;

export type { StoredMessage };

interface Pending {
  id: number;
  parsed?: ParsedRawEmail;
  rcptTo?: string[];
}

export class InboundMessageQueue {
  private readonly pending: Pending[] = [];
  private readonly retries = new Set<NodeJS.Timeout>();
  private readonly running = new Set<Promise<void>>();
  private stopped = false;
  private readonly messages: InboundMessageTable;

  constructor(
    private readonly pool: pg.Pool,
    private readonly intake: InboundEmailDeps,
    private readonly logger: Logger,
  ) {
    this.messages = new InboundMessageTable(pool);
  }

  /** Stores a message durably; the listener answers 250 once this resolves. */
  async store(message: StoredMessage): Promise<number> {
    return this.messages.insert(message);
  }

  /** Takes a stored message (already parsed when the listener has it at hand). */
  enqueue(id: number, parsed?: ParsedRawEmail, rcptTo?: string[]): void {
    if (this.stopped) return;
    this.pending.push({ id, parsed, rcptTo });
    this.pump();
  }

  /** Every message stored and not processed yet, in the order received. */
  async resumeUnprocessed(): Promise<number> {
    const ids = await this.messages.unprocessed();
    for (const id of ids) this.enqueue(id);
    return ids.length;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.pending.length = 0;
    for (const t of this.retries) clearTimeout(t);
    await Promise.allSettled([...this.running]);
  }

  private pump(): void {
    while (!this.stopped && this.running.size < INBOUND_CONCURRENCY && this.pending.length > 0) {
      const next = this.pending.shift()!;
      const run = this.process(next).finally(() => {
        this.running.delete(run);
        this.pump();
      });
      this.running.add(run);
    }
  }

  private async process({ id, parsed, rcptTo }: Pending): Promise<void> {
    try {
      let envelope = rcptTo;
      if (!parsed || !envelope) {
        const stored = await this.messages.unprocessedMessage(id);
        if (!stored) return;
        parsed ??= await parseRawEmail(stored.raw);
        envelope = stored.rcptTo;
      }
      await storeAttachments(this.pool, parsed.attachments);
      // The envelope's recipients route the message (a mailbox may be Bcc'd); the headers' follow.
      const email = { ...parsed.email, to: [...new Set([...envelope, ...parsed.email.to])] };
      const body = InboundEmailBody.safeParse(email);
      if (!body.success) throw fromZod(body.error, 'body');
      const taken = await takeEmail(this.intake, body.data, SMTP_CALLER);
      await this.messages.markTaken(id, taken.outcome, taken.ref);
    } catch (error) {
      await this.failed(id, error).catch((err) => this.logger.error({ err, id }, 'could not record an inbound message failure; it is retried at the next start'));
    }
  }

  private async failed(id: number, error: unknown): Promise<void> {
    const message = error instanceof Error ? error.message : String(error);
    const final = error instanceof ApiError && error.status >= 400 && error.status < 500 && error.code !== 'idempotency_in_progress';
    if (final) {
      this.logger.warn({ id, error: message }, 'inbound message rejected');
      await this.messages.markRejected(id, message);
      return;
    }
    const attempts = await this.messages.noteFailedAttempt(id, message);
    const delay = Math.min(MAX_RETRY_DELAY_MS, 500 * 2 ** Math.min(attempts ?? 1, 16));
    this.logger.warn({ id, error: message, retryInMs: delay }, 'inbound message not taken yet; retrying');
    const timer = setTimeout(() => {
      this.retries.delete(timer);
      this.enqueue(id);
    }, delay);
    this.retries.add(timer);
  }
}
