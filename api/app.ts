// The Express app, built from injected dependencies: health, the OpenAPI document, and the v1
// routes behind bearer authentication. Request logs never carry credentials.

import express, { type Express } from 'express';
import pg from 'pg';
import { Client } from '@temporalio/client';
import { pingPool } from '../store/db/connection-check.js';
import type { Logger } from 'pino';
import { pinoHttp } from 'pino-http';
import { authenticate, CallerCache } from './auth.js';
import { createMetrics } from './metrics.js';
import { rateLimit } from './rate-limit.js';
import { ProcessStore } from './process-store.js';
import { registerLegacyRoutes } from './routes/legacy-routes.js';
import { ScheduleStore } from './schedule-store.js';
import { ConfigStore } from './config-store.js';
import { ApiError, errorHandler } from './errors.js';
import { Access } from './access.js';
import { IdempotencyStore } from './idempotency.js';
import { LOG_REDACTION } from './log-redaction.js';
import { ReadModelStore } from '../store/read-model-store.js';
import { Routes } from './route.js';
import { registerConfigRoutes } from './routes/config-routes.js';
import { registerInboundEmailRoutes } from './routes/inbound-email-routes.js';
import { parseRawEmail, storeAttachments } from './raw-email.js';
import { registerListRoutes } from './routes/list-routes.js';
import { registerTestClockRoutes } from './routes/test-clock-routes.js';
import { registerSlaRoutes } from './routes/sla-routes.js';
import { wallClock, type SkippingClock } from './clock.js';
import { registerWorkItemRoutes } from './routes/work-item-routes.js';
import { ItemStore } from '../store/item-store.js';
import { WorkItemGateway } from './work-item-gateway.js';
import type { PayloadCodec } from '@temporalio/common';
import { codecCors, codecSignIn, registerCodecRoutes } from './routes/codec-routes.js';
import { registerChangeRoutes } from './routes/change-routes.js';
import { ChangeWaiter } from './change-waiter.js';
import { WebhookDispatch } from './webhook-dispatch.js';
import { ChangeFeedStore } from '../store/change-feed-store.js';
import { WebhookStore } from '../store/webhook-store.js';

export interface AppDeps {
  pool: pg.Pool;
  gateway: WorkItemGateway;
  adminToken: string;
  logger: Logger;
  /** Resolves when Temporal answers; rejects otherwise (for /readyz). */
  temporalReady: () => Promise<void>;
  /** Requests a second each token may send (429 over it); absent, no limit. */
  rateLimitPerSecond?: number;
  /** Where the Temporal worker's own metrics are served (appended to GET /metrics). */
  workerMetricsUrl?: string;
  /** The cache of known tokens, which a token's rotation empties (shared with the replica's listener). */
  callers?: CallerCache;
  /** This process in service_instances: Idempotency-Keys it holds are taken over once it is gone. */
  instanceId?: string;
  /** Time-skipping mode (for testers): the test server's clock, and the /v1/test/clock routes. */
  testClock?: SkippingClock;
  /** R48: the payload codec, for the Temporal UI's codec server (/v1/codec/*); absent, payloads pass through. */
  payloadCodec?: PayloadCodec;
  /** The Temporal UI's origin, allowed by CORS to call the codec server. */
  temporalUiOrigin?: string;
  /** R47: what wakes the change feed's long polls, and the webhooks' dispatchers. */
  changeWaiter: ChangeWaiter;
  webhookDispatch: WebhookDispatch;
}

/** The largest JSON body any route takes, and the largest raw RFC 822 email. */
export const JSON_BODY_LIMIT = '1mb';
export const RAW_EMAIL_LIMIT = '10mb';

export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  const metrics = createMetrics(deps.pool, deps.workerMetricsUrl);
  app.use(metrics.middleware);
  // While the service stops (worker/service.ts sets `draining`), a request that still arrives on
  // an open connection is refused retryably; requests already in flight finish.
  app.use((_req, res, next) => {
    if (!app.locals.draining) return next();
    res.setHeader('Connection', 'close');
    res.setHeader('Retry-After', '2');
    res.status(503).json({ error: 'unavailable', unavailable: 'replica', message: 'This replica of the service is restarting: send the request again (another replica, or this one in a moment).' });
  });
  app.disable('etag'); // no client sends If-None-Match; hashing every view costs each request
  // One line per request at `info`; above that level the per-request child logger would be work
  // for nothing (errors are logged by the error handler either way).
  if (deps.logger.isLevelEnabled('info')) {
    app.use(pinoHttp({ logger: deps.logger, redact: LOG_REDACTION, autoLogging: { ignore: (req) => req.url === '/healthz' } }));
  }

  const callers = deps.callers ?? new CallerCache();
  const v1 = express.Router();
  const auth = authenticate(deps.pool, deps.adminToken, callers);
  v1.use('/codec', codecCors(deps.temporalUiOrigin)); // before the token check: a preflight carries none
  v1.use(codecSignIn(auth, deps.temporalUiOrigin));
  v1.use(auth);
  if (deps.rateLimitPerSecond) v1.use(rateLimit(deps.rateLimitPerSecond));
  v1.use(express.json({ limit: JSON_BODY_LIMIT }));
  v1.use('/inbound-emails', express.raw({ type: 'message/rfc822', limit: RAW_EMAIL_LIMIT }), async (req, _res, next) => {
    if (Buffer.isBuffer(req.body)) {
      const parsed = await parseRawEmail(req.body);
      await storeAttachments(deps.pool, parsed.attachments);
      req.body = parsed.email;
    }
    next();
  });

  const openapi = declareRoutes(v1, deps, callers).document(API_INFO);

  app.get('/healthz', (_req, res) => void res.json({ ok: true }));
  app.get('/readyz', async (_req, res) => {
    const [temporal, postgres] = await Promise.allSettled([deps.temporalReady(), pingPool(deps.pool)]);
    const ok = temporal.status === 'fulfilled' && postgres.status === 'fulfilled';
    res.status(ok ? 200 : 503).json({ ok, temporal: temporal.status === 'fulfilled', postgres: postgres.status === 'fulfilled' });
  });
  // Aggregate figures only, no secrets: unauthenticated, like /healthz, for Prometheus to scrape.
  app.get('/metrics', async (_req, res) => {
    res.setHeader('content-type', metrics.contentType);
    res.send(await metrics.render());
  });
  app.get('/v1/openapi.json', (_req, res) => void res.json(openapi));
  app.use('/v1', v1);
  app.use((req, _res, next) => next(new ApiError('not_found', `No route ${req.method} ${req.path}: GET /v1/openapi.json lists every route.`)));
  app.use(errorHandler(deps.logger));
  return app;
}

const API_INFO = { title: 'Work items API', version: '1.0.0', description: 'Tickets, cases and actions as durable Temporal workflows.' };

type RouteDeps = Pick<AppDeps, 'pool' | 'gateway' | 'instanceId' | 'testClock' | 'payloadCodec' | 'changeWaiter' | 'webhookDispatch'>;

/** Declares every v1 route on `router`; each declaration also describes itself in the answer's OpenAPI document. */
function declareRoutes(router: express.Router, deps: RouteDeps, callers: CallerCache): Routes {
  const readModel = new ReadModelStore(deps.pool, deps.instanceId);
  const access = new Access(readModel);
  const routes = new Routes(router, new IdempotencyStore(deps.pool, deps.instanceId), '/v1', (caller, ref) => access.require(caller, ref));
  const config = new ConfigStore(deps.pool);
  const processes = new ProcessStore(deps.pool);
  registerConfigRoutes(routes, config, processes, new ScheduleStore(deps.pool, deps.gateway, !deps.testClock), callers);
  const items = new ItemStore(deps.pool);
  registerWorkItemRoutes(routes, { gateway: deps.gateway, config, readModel, items, processes, access });
  registerInboundEmailRoutes(routes, { gateway: deps.gateway, config, readModel, items, processes });
  registerListRoutes(routes, readModel);
  registerLegacyRoutes(routes, { pool: deps.pool, gateway: deps.gateway, config, processes, readModel, items });
  registerCodecRoutes(routes, deps.payloadCodec);
  registerSlaRoutes(routes, { items, config, clock: deps.testClock ?? wallClock });
  registerChangeRoutes(routes, { feed: new ChangeFeedStore(deps.pool), waiter: deps.changeWaiter, webhooks: new WebhookStore(deps.pool), dispatch: deps.webhookDispatch, clock: deps.testClock ?? wallClock });
  if (deps.testClock) registerTestClockRoutes(routes, { clock: deps.testClock, items });
  return routes;
}

/**
 * The document createApp serves at GET /v1/openapi.json, from the route declarations alone (for
 * scripts/generate-client.ts and the typed client): the pool and the Temporal client given to the
 * stores connect on first use, and nothing uses them, so no database or server is needed.
 */
export function openApiDocument(): object {
  const pool = new pg.Pool();
  const client = new Client();
  const deps: RouteDeps = { pool, gateway: new WorkItemGateway(client), changeWaiter: new ChangeWaiter(), webhookDispatch: new WebhookDispatch(client, '', new WebhookStore(pool)) };
  return declareRoutes(express.Router(), deps, new CallerCache()).document(API_INFO);
}
