// R47: one round of a webhook's delivery (workflows/webhook-dispatcher.ts runs it again and
// again): take the new changes it subscribes to from the feed, give up deliveries whose window
// has passed, and send each item's next due change, items side by side, each request cut at a
// timeout. A change goes out signed with the Standard Webhooks headers, its `webhook-id` the same
// on every attempt; a 2xx delivers it, anything else retries it with backoff. Per item, a change
// goes only after the one before it was delivered or given up: order per item holds.

import { setTimeout as sleep } from 'node:timers/promises';
import { Context } from '@temporalio/activity';
import type pg from 'pg';
import { Webhook as Signer } from 'standardwebhooks';
import { WebhookStore, type Delivery, type Webhook } from '../store/webhook-store.js';
import type { WebhookActivities } from './read-model-types.js';

export interface WebhookDeliveryOptions {
  /** How long a receiver has to answer one request. */
  timeoutMs?: number;
  /** How many requests a round sends at once, at most. */
  concurrency?: number;
}

/** A receiver's answer as the deliveries log keeps it, cut to this many characters. */
export const RESPONSE_KEPT_CHARS = 500;
/** While items are being sent, how often a round looks for changes of other items. */
const ROUND_POLL_MS = 250;
/** Deliveries a round handles at most (the rest go in the next round, at once). */
const ROUND_MAX = 200;

/** The wait before attempt n+1 after n failed ones: 5 s, doubling, at most 5 min. */
export function retryDelayMs(failedAttempts: number): number {
  return Math.min(5_000 * 2 ** Math.max(0, failedAttempts - 1), 300_000);
}

/** The signer for a webhook's secret: `whsec_<base64>` as Standard Webhooks reads it, any other string as its bytes. */
export function signerFor(secret: string): Signer {
  return secret.startsWith('whsec_') ? new Signer(secret) : new Signer(new TextEncoder().encode(secret), { format: 'raw' });
}

export function createWebhookActivities(pool: pg.Pool, options: WebhookDeliveryOptions = {}): WebhookActivities {
  const store = new WebhookStore(pool);
  const timeoutMs = options.timeoutMs ?? 10_000;
  const concurrency = options.concurrency ?? 16;
  return {
    async dispatchWebhook({ id, now: startedAt }) {
      // The workflow's time (skipped, in time-skipping mode), running on with the wall clock.
      const wallStart = Date.now();
      const nowMs = () => startedAt + (Date.now() - wallStart);
      const hook = await store.get(id);
      if (!hook) return { gone: true };
      let budget = ROUND_MAX;
      let failed = false;
      let more = false;
      const busy = new Map<string, Promise<void>>();
      // One item's changes in order: the next goes once the one before is delivered or given up.
      const deliverItem = async (first: Delivery) => {
        for (let d: Delivery | undefined = first; d && budget > 0; d = await store.head(id, d.ref, new Date(nowMs()))) {
          budget--;
          if (d.attempts > 0 && nowMs() - d.windowStart.getTime() > hook.giveUpAfterMs) {
            await store.giveUp(d.id);
            continue;
          }
          const delivered = await attempt(store, hook, d, nowMs(), timeoutMs);
          Context.current().heartbeat();
          if (!delivered) {
            failed = true;
            return;
          }
        }
      };
      // Items side by side: while some wait on a slow receiver, the round keeps taking new
      // changes and starts the items that are free, until every item it started is done.
      let nextAttemptAt: Date | undefined;
      for (;;) {
        const now = new Date(nowMs());
        more = await store.take(hook, now);
        const heads = await store.heads(id, now, ROUND_MAX);
        nextAttemptAt = heads.nextAttemptAt;
        for (const d of heads.due) {
          if (busy.has(d.ref) || busy.size >= concurrency || budget <= 0) continue;
          busy.set(d.ref, deliverItem(d).finally(() => busy.delete(d.ref)));
        }
        if (busy.size === 0) break;
        await Promise.race([...busy.values(), sleep(ROUND_POLL_MS)]);
        Context.current().heartbeat();
      }
      // A failed attempt's retry may now be the earliest, or the budget ran out: the next round asks the store again.
      if (more || failed || budget <= 0) return { more: true };
      return nextAttemptAt ? { nextAttemptAt: nextAttemptAt.getTime() } : {};
    },
  };
}

/** Sends one delivery and records the attempt: delivered on a 2xx (answers true), otherwise due again after a backoff. */
async function attempt(store: WebhookStore, hook: Webhook, d: Delivery, nowMs: number, timeoutMs: number): Promise<boolean> {
  const body = JSON.stringify(d.payload);
  // The timestamp is the wall clock's: receivers check it against theirs.
  const sentAt = new Date();
  const started = Date.now();
  let status: number | null = null;
  let error: string | null = null;
  let response: string | null = null;
  try {
    const res = await fetch(hook.url, {
      method: 'POST',
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
      headers: {
        'content-type': 'application/json',
        'user-agent': 'work-items-webhooks/1',
        'webhook-id': d.messageId,
        'webhook-timestamp': String(Math.floor(sentAt.getTime() / 1000)),
        'webhook-signature': signerFor(hook.secret).sign(d.messageId, sentAt, body),
      },
      body,
    });
    status = res.status;
    response = await head(res, RESPONSE_KEPT_CHARS);
  } catch (e) {
    const err = e as Error & { cause?: { code?: string } };
    error = err.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : (err.cause?.code ?? err.message);
  }
  const delivered = status !== null && status >= 200 && status < 300;
  const retryAt = delivered ? null : new Date(nowMs + retryDelayMs(d.attempts + 1));
  await store.recordAttempt(d, { at: sentAt.toISOString(), status, error, response, durationMs: Date.now() - started }, retryAt);
  return delivered;
}

/** The first `chars` characters of a response body, reading no more of it than that. */
async function head(res: Response, chars: number): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  while (text.length < chars) {
    const { done, value } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
  }
  await reader.cancel().catch(() => undefined);
  return text.slice(0, chars);
}
