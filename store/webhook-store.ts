// R47: webhooks as PostgreSQL keeps them: each one's settings and how far it has taken the change
// feed, the changes it has to deliver (one row per webhook and change, so taking a change twice
// is harmless), and every attempt with the receiver's answer. The delivery itself runs as
// Temporal work (activities/webhook-delivery.ts, workflows/webhook-dispatcher.ts).

import type pg from 'pg';
import { ChangeFeedStore, CursorExpired, type ItemChange } from './change-feed-store.js';

export interface WebhookSettings {
  url: string;
  secret: string;
  /** Only changes of these kinds (a change's `change` or one of its `entryTypes`); absent, all. */
  events?: string[];
  /** Only items in these queues; absent, all. */
  queues?: string[];
  giveUpAfterMs: number;
}

export interface Webhook extends WebhookSettings {
  id: string;
  cursor: string;
  createdAt: string;
  updatedAt: string;
}

export type DeliveryStatus = 'pending' | 'delivered' | 'given_up';

export interface Delivery {
  id: string;
  webhookId: string;
  ref: string;
  version: number;
  messageId: string;
  payload: WebhookPayload;
  status: DeliveryStatus;
  attempts: number;
  windowStart: Date;
  nextAttemptAt: Date;
}

export interface Attempt {
  attempt: number;
  at: string;
  status: number | null;
  error: string | null;
  response: string | null;
  durationMs: number;
}

/** What a receiver gets: the Standard Webhooks shape, the change as its data. */
export interface WebhookPayload {
  type: string;
  timestamp: string;
  data: ItemChange;
}

interface DeliveryRow {
  id: string;
  webhook_id: string;
  ref: string;
  version: number;
  message_id: string;
  payload: WebhookPayload;
  status: DeliveryStatus;
  attempts: number;
  window_start: string;
  next_attempt_at: string;
}

/** The same id for every attempt of one change to any receiver: what a receiver deduplicates by. */
export function messageId(change: Pick<ItemChange, 'ref' | 'version'>): string {
  return `msg_${change.ref}_v${change.version}`;
}

export class WebhookStore {
  private readonly feed: ChangeFeedStore;

  constructor(private readonly pool: pg.Pool) {
    this.feed = new ChangeFeedStore(pool);
  }

  /** Creates or replaces a webhook; a new one takes the changes from now on. Answers it and whether it is new. */
  async put(id: string, s: WebhookSettings): Promise<{ webhook: Webhook; created: boolean }> {
    const head = await this.feed.sequence();
    const { rows } = await this.pool.query<WebhookRow & { created: boolean }>(
      `INSERT INTO webhooks (id, url, secret, events, queues, give_up_after_ms, feed_cursor)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (id) DO UPDATE SET url = EXCLUDED.url, secret = EXCLUDED.secret, events = EXCLUDED.events,
         queues = EXCLUDED.queues, give_up_after_ms = EXCLUDED.give_up_after_ms, updated_at = now()
       RETURNING *, (xmax = 0) AS created`,
      [id, s.url, s.secret, s.events ?? null, s.queues ?? null, s.giveUpAfterMs, head.toString()],
    );
    return { webhook: toWebhook(rows[0]!), created: rows[0]!.created };
  }

  async get(id: string): Promise<Webhook | undefined> {
    const { rows } = await this.pool.query<WebhookRow>('SELECT * FROM webhooks WHERE id = $1', [id]);
    return rows[0] ? toWebhook(rows[0]) : undefined;
  }

  async ids(): Promise<string[]> {
    const { rows } = await this.pool.query<{ id: string }>('SELECT id FROM webhooks ORDER BY id');
    return rows.map((r) => r.id);
  }

  /** Deletes a webhook and its deliveries; answers whether there was one. */
  async delete(id: string): Promise<boolean> {
    const { rowCount } = await this.pool.query('DELETE FROM webhooks WHERE id = $1', [id]);
    return (rowCount ?? 0) > 0;
  }

  /**
   * Takes up to `limit` changes after the webhook's cursor that it subscribes to, as pending
   * deliveries due at `now`, and moves the cursor past every change read. Answers whether the
   * feed may hold more. A change taken twice (a retried activity) is one delivery.
   */
  async take(hook: Webhook, now: Date, limit = 500): Promise<boolean> {
    let page;
    try {
      page = await this.feed.read(BigInt(hook.cursor), limit, { ...(hook.queues ? { queues: hook.queues } : {}), ...(hook.events ? { events: hook.events } : {}) });
    } catch (error) {
      if (!(error instanceof CursorExpired)) throw error;
      // Retention pruned changes the webhook never took: it goes on from the oldest kept.
      await this.pool.query('UPDATE webhooks SET feed_cursor = GREATEST(feed_cursor, $2) WHERE id = $1', [hook.id, error.oldestCursor]);
      return true;
    }
    const deliveries = page.changes.map((c) => ({ position: c.cursor, ref: c.ref, version: c.version, message_id: messageId(c), payload: payloadOf(c) }));
    await this.pool.query(
      `WITH taken AS (
         INSERT INTO webhook_deliveries (webhook_id, position, ref, version, message_id, payload, window_start, next_attempt_at)
         SELECT $1, d.position, d.ref, d.version, d.message_id, d.payload, $3, $3
         FROM jsonb_to_recordset($2::jsonb) AS d(position bigint, ref text, version int, message_id text, payload jsonb)
         ON CONFLICT (webhook_id, position) DO NOTHING
       )
       UPDATE webhooks SET feed_cursor = GREATEST(feed_cursor, $4) WHERE id = $1`,
      [hook.id, JSON.stringify(deliveries), now, page.nextCursor],
    );
    return page.changes.length === limit;
  }

  /**
   * Each item's next delivery (per item, in feed order): those due at `now` (at most `limit`),
   * and when the earliest of the others is due.
   */
  async heads(webhookId: string, now: Date, limit: number): Promise<{ due: Delivery[]; nextAttemptAt?: Date }> {
    const { rows } = await this.pool.query<DeliveryRow>(
      `WITH heads AS (
         SELECT DISTINCT ON (ref) * FROM webhook_deliveries WHERE webhook_id = $1 AND status = 'pending' ORDER BY ref, position
       )
       (SELECT * FROM heads WHERE next_attempt_at <= $2 ORDER BY position LIMIT $3)
       UNION ALL
       (SELECT * FROM heads WHERE next_attempt_at > $2 ORDER BY next_attempt_at LIMIT 1)`,
      [webhookId, now, limit],
    );
    const all = rows.map(toDelivery);
    const later = all.find((d) => d.nextAttemptAt > now);
    return { due: all.filter((d) => d.nextAttemptAt <= now), ...(later ? { nextAttemptAt: later.nextAttemptAt } : {}) };
  }

  /** The item's next pending delivery, if it is due at `now`. */
  async head(webhookId: string, ref: string, now: Date): Promise<Delivery | undefined> {
    const { rows } = await this.pool.query<DeliveryRow>(
      `SELECT * FROM webhook_deliveries WHERE webhook_id = $1 AND ref = $2 AND status = 'pending' ORDER BY position LIMIT 1`,
      [webhookId, ref],
    );
    const d = rows[0] ? toDelivery(rows[0]) : undefined;
    return d && d.nextAttemptAt <= now ? d : undefined;
  }

  async giveUp(id: string): Promise<void> {
    await this.pool.query(`UPDATE webhook_deliveries SET status = 'given_up' WHERE id = $1 AND status = 'pending'`, [id]);
  }

  /** Records an attempt and its outcome: delivered, or pending again until `retryAt`. */
  async recordAttempt(d: Delivery, a: Omit<Attempt, 'attempt'>, retryAt: Date | null): Promise<void> {
    await this.pool.query(
      `WITH attempt AS (
         INSERT INTO webhook_attempts (delivery_id, attempt, at, status, error, response, duration_ms)
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING
       )
       UPDATE webhook_deliveries SET attempts = GREATEST(attempts, $2), last_attempt_at = $3,
         status = CASE WHEN $8::timestamptz IS NULL THEN 'delivered' ELSE status END,
         next_attempt_at = COALESCE($8, next_attempt_at)
       WHERE id = $1`,
      [d.id, d.attempts + 1, a.at, a.status, a.error, a.response, a.durationMs, retryAt],
    );
  }

  /** A webhook's deliveries, newest first, each with its attempts; `before` pages on. */
  async deliveries(webhookId: string, limit: number, before?: string, only?: string): Promise<Array<Omit<Delivery, 'payload' | 'windowStart' | 'nextAttemptAt'> & { change: WebhookPayload['data']; nextAttemptAt: string | null; attemptLog: Attempt[] }>> {
    const { rows } = await this.pool.query<DeliveryRow & { log: Attempt[] }>(
      `SELECT d.*, COALESCE((
         SELECT jsonb_agg(jsonb_build_object('attempt', a.attempt, 'at', a.at, 'status', a.status, 'error', a.error, 'response', a.response, 'durationMs', a.duration_ms) ORDER BY a.attempt)
         FROM webhook_attempts a WHERE a.delivery_id = d.id), '[]'::jsonb) AS log
       FROM webhook_deliveries d WHERE d.webhook_id = $1 AND ($3::bigint IS NULL OR d.id < $3::bigint) AND ($4::bigint IS NULL OR d.id = $4::bigint)
       ORDER BY d.id DESC LIMIT $2`,
      [webhookId, limit, before ?? null, only ?? null],
    );
    return rows.map((r) => {
      const { payload, windowStart: _w, nextAttemptAt, ...d } = toDelivery(r);
      return { ...d, change: payload.data, nextAttemptAt: d.status === 'pending' ? nextAttemptAt.toISOString() : null, attemptLog: r.log };
    });
  }

  async pendingCount(webhookId: string): Promise<number> {
    const { rows } = await this.pool.query<{ n: string }>(`SELECT count(*) AS n FROM webhook_deliveries WHERE webhook_id = $1 AND status = 'pending'`, [webhookId]);
    return Number(rows[0]!.n);
  }

  /** One delivery, as `deliveries` lists it. */
  async delivery(webhookId: string, deliveryId: string) {
    return (await this.deliveries(webhookId, 1, undefined, deliveryId))[0];
  }

  /** Removes deliveries delivered or given up before `before`, with their attempts. */
  async prune(before: Date): Promise<number> {
    const { rowCount } = await this.pool.query(`DELETE FROM webhook_deliveries WHERE status <> 'pending' AND COALESCE(last_attempt_at, window_start) < $1`, [before]);
    return rowCount ?? 0;
  }

  /** Sends a delivery again: pending, due at once, with a new give-up window. False when there is no such delivery. */
  async redeliver(webhookId: string, deliveryId: string, now: Date): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      `UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = $3, window_start = $3 WHERE webhook_id = $1 AND id = $2`,
      [webhookId, deliveryId, now],
    );
    return (rowCount ?? 0) > 0;
  }
}

interface WebhookRow {
  id: string;
  url: string;
  secret: string;
  events: string[] | null;
  queues: string[] | null;
  give_up_after_ms: string;
  feed_cursor: string;
  created_at: string;
  updated_at: string;
}

function toWebhook(r: WebhookRow): Webhook {
  return {
    id: r.id,
    url: r.url,
    secret: r.secret,
    ...(r.events ? { events: r.events } : {}),
    ...(r.queues ? { queues: r.queues } : {}),
    giveUpAfterMs: Number(r.give_up_after_ms),
    cursor: r.feed_cursor,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

function toDelivery(r: DeliveryRow): Delivery {
  return {
    id: String(r.id),
    webhookId: r.webhook_id,
    ref: r.ref,
    version: r.version,
    messageId: r.message_id,
    payload: r.payload,
    status: r.status,
    attempts: r.attempts,
    windowStart: new Date(r.window_start),
    nextAttemptAt: new Date(r.next_attempt_at),
  };
}

function payloadOf(c: ItemChange): WebhookPayload {
  return { type: `work_item.${c.change}`, timestamp: c.at, data: c };
}
