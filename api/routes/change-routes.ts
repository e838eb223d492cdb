// R47: changes leave the service. GET /v1/changes reads the change feed (every caller, only the
// items it may see, R46), long-polling with `wait`; the admin sets webhooks, which the service
// pushes every change they subscribe to (activities/webhook-delivery.ts), and reads and replays
// their deliveries.

import { isIP } from 'node:net';
import { CursorExpired, type ChangeFeedStore } from '../../store/change-feed-store.js';
import type { Webhook, WebhookStore } from '../../store/webhook-store.js';
import { parseDurationMs } from '../../workflows/domain/item/duration.js';
import { reachOf } from '../caller.js';
import type { Clock } from '../clock.js';
import { ApiError, invalid } from '../errors.js';
import { EVERYONE, type Routes } from '../route.js';
import { ChangePage, ChangesQuery, DeliveriesQuery, DeliveryList, DeliveryView, WebhookDeleted, WebhookPut, WebhookView } from '../schemas.js';
import type { WebhookDispatch } from '../webhook-dispatch.js';
import type { ChangeWaiter } from '../change-waiter.js';

export interface ChangeRouteDeps {
  feed: ChangeFeedStore;
  waiter: ChangeWaiter;
  webhooks: WebhookStore;
  dispatch: WebhookDispatch;
  clock: Clock;
}

const DEFAULT_PAGE = 100;
const DEFAULT_GIVE_UP_MS = 3 * 86_400_000;

export function registerChangeRoutes(routes: Routes, deps: ChangeRouteDeps): void {
  routes.add({
    method: 'get',
    path: '/changes',
    summary: 'Read the change feed: every change of every item the caller may see, in commit order (R47)',
    tag: 'changes',
    allow: EVERYONE,
    query: ChangesQuery,
    response: ChangePage,
    refusals: ['cursor_expired'],
    handler: async ({ query, caller }) => {
      const reach = reachOf(caller);
      const after = query.after === 'latest' ? await deps.feed.sequence() : BigInt(query.after ?? '0');
      const limit = query.limit ?? DEFAULT_PAGE;
      const read = async () => {
        try {
          return await deps.feed.read(after, limit, reach ? { reach } : {});
        } catch (error) {
          if (error instanceof CursorExpired) throw new ApiError('cursor_expired', error.message, { oldestCursor: error.oldestCursor });
          throw error;
        }
      };
      const waitMs = query.wait ? parseDurationMs(query.wait)! : 0;
      return deps.waiter.first(read, (page) => page.changes.length > 0, waitMs);
    },
  });

  routes.add({
    method: 'put',
    path: '/webhooks/:id',
    summary: 'Create or replace a webhook: the service POSTs it each change it subscribes to, signed (R47)',
    tag: 'changes',
    allow: ['admin'],
    body: WebhookPut,
    response: WebhookView,
    handler: async ({ params, body, served }) => {
      const url = new URL(body.url);
      if (pointsHere(url, served)) throw invalid([{ path: ['body', 'url'], message: 'points at this service itself' }]);
      if (body.secret.startsWith('whsec_') && !/^whsec_[A-Za-z0-9+/]{32,}={0,2}$/.test(body.secret)) {
        throw invalid([{ path: ['body', 'secret'], message: 'a `whsec_` secret is base64 after the prefix, 24 bytes or more' }]);
      }
      const giveUpAfterMs = body.giveUpAfter ? parseDurationMs(body.giveUpAfter)! : DEFAULT_GIVE_UP_MS;
      if (giveUpAfterMs <= 0) throw invalid([{ path: ['body', 'giveUpAfter'], message: 'longer than zero' }]);
      const { webhook } = await deps.webhooks.put(params.id!, { url: url.toString(), secret: body.secret, giveUpAfterMs, ...(body.events ? { events: body.events } : {}), ...(body.queues ? { queues: body.queues } : {}) });
      await deps.dispatch.wake(webhook.id);
      return view(webhook, await deps.webhooks.pendingCount(webhook.id));
    },
  });

  routes.add({
    method: 'get',
    path: '/webhooks/:id',
    summary: 'A webhook (R47); its secret is never shown',
    tag: 'changes',
    allow: ['admin'],
    response: WebhookView,
    refusals: ['not_found'],
    handler: async ({ params }) => {
      const webhook = await deps.webhooks.get(params.id!);
      if (!webhook) throw noSuchWebhook(params.id!);
      return view(webhook, await deps.webhooks.pendingCount(webhook.id));
    },
  });

  routes.add({
    method: 'delete',
    path: '/webhooks/:id',
    summary: 'Delete a webhook and its deliveries (R47)',
    tag: 'changes',
    allow: ['admin'],
    response: WebhookDeleted,
    refusals: ['not_found'],
    handler: async ({ params }) => {
      if (!(await deps.webhooks.delete(params.id!))) throw noSuchWebhook(params.id!);
      await deps.dispatch.wake(params.id!); // its dispatcher finds it gone and ends
      return { id: params.id!, deleted: true as const };
    },
  });

  routes.add({
    method: 'get',
    path: '/webhooks/:id/deliveries',
    summary: "A webhook's deliveries, newest first, each with every attempt and the receiver's answers (R47)",
    tag: 'changes',
    allow: ['admin'],
    query: DeliveriesQuery,
    response: DeliveryList,
    refusals: ['not_found'],
    handler: async ({ params, query }) => {
      if (!(await deps.webhooks.get(params.id!))) throw noSuchWebhook(params.id!);
      const limit = query.limit ?? 100;
      const deliveries = await deps.webhooks.deliveries(params.id!, limit, query.before);
      return { deliveries, next: deliveries.length === limit ? deliveries.at(-1)!.id : null };
    },
  });

  routes.add({
    method: 'post',
    path: '/webhooks/:id/deliveries/:delivery/redeliver',
    summary: 'Send a delivery again, at once, with a new give-up window (R47)',
    tag: 'changes',
    allow: ['admin'],
    status: 202,
    response: DeliveryView,
    refusals: ['not_found'],
    handler: async ({ params }) => {
      if (!(await deps.webhooks.redeliver(params.id!, params.delivery!, deps.clock.now()))) {
        throw new ApiError('not_found', `Webhook ${params.id} has no delivery ${params.delivery}.`);
      }
      await deps.dispatch.wake(params.id!);
      return (await deps.webhooks.delivery(params.id!, params.delivery!))!;
    },
  });
}

function noSuchWebhook(id: string): ApiError {
  return new ApiError('not_found', `No webhook ${id}.`);
}

function view(w: Webhook, pending: number) {
  return {
    id: w.id,
    url: w.url,
    secretSet: true as const,
    events: w.events ?? null,
    queues: w.queues ?? null,
    giveUpAfter: `PT${Math.round(w.giveUpAfterMs / 1000)}S`,
    cursor: w.cursor,
    pending,
    createdAt: w.createdAt,
    updatedAt: w.updatedAt,
  };
}

/** A URL that would reach this service: its own Host, or a local address on the port it was reached on. */
function pointsHere(url: URL, served: { host?: string; port?: number }): boolean {
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  if (served.host && url.host.toLowerCase() === served.host.toLowerCase()) return true;
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const local = host === 'localhost' || host.endsWith('.localhost') || host === '0.0.0.0' || host === '::' || host === '::1' || (isIP(host) === 4 && host.startsWith('127.'));
  return local && served.port !== undefined && port === String(served.port);
}
