// The whole service in one process: PostgreSQL pool and migrations, the Temporal worker and the
// HTTP API. `npm start`, `npm run serve`, the integration tests and the benchmark all start it
// through here, against whatever Temporal and PostgreSQL they were given.

import { Server as NetServer, type AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Server } from 'node:http';
import { Client, Connection, defaultGrpcRetryOptions, makeGrpcRetryInterceptor } from '@temporalio/client';
import { NativeConnection, type ActivityInterceptorsFactory, type WorkerOptions } from '@temporalio/worker';
import pino, { type Logger } from 'pino';
import { createPool } from '../store/db/pool.js';
import { migrate } from '../store/db/migrate.js';
import { createApp } from '../api/app.js';
import { LOG_REDACTION } from '../api/log-redaction.js';
import { WorkItemGateway } from '../api/work-item-gateway.js';
import { createWorker } from './create-worker.js';
import { emailDeliveryOptionsFromEnv } from '../activities/email-delivery.js';
import { ConfigStore } from '../api/config-store.js';
import { InboundMessageQueue } from '../api/inbound-message-queue.js';
import { ItemStore } from '../store/item-store.js';
import { ProcessStore } from '../api/process-store.js';
import { ReadModelStore } from '../store/read-model-store.js';
import { startSmtpListener, type InboundSmtpOptions } from '../api/smtp-listener.js';
import type { SkippingClock } from '../api/clock.js';
import { CallerCache } from '../api/auth.js';
import { listenForTokenChanges } from '../api/token-change-listener.js';
import { rateLimitFromEnv } from '../api/rate-limit.js';
import { ServiceInstance } from '../store/service-instance.js';
import { ensureSearchAttributes } from './search-attribute-registration.js';
import { ChangeWaiter } from '../api/change-waiter.js';
import { WebhookDispatch } from '../api/webhook-dispatch.js';
import { ChangeFeedStore, changeFeedRetentionMs, listenForItemChanges } from '../store/change-feed-store.js';
import { WebhookStore } from '../store/webhook-store.js';
import { TASK_QUEUE } from '../workflows/definitions.js';
import { dataConverterFor, type PayloadKeys } from './payload-codec.js';
import type { ServiceTracing, TracingOptions } from './tracing.js';

export interface ServiceOptions {
  temporalAddress: string;
  databaseUrl: string;
  adminToken: string;
  /** R48: the keys its payloads in Temporal are encrypted with (PAYLOAD_KEYS); null only for a bench's no-codec baseline. */
  payloadKeys: PayloadKeys | null;
  /** 0 picks a free port. */
  port?: number;
  host?: string;
  namespace?: string;
  taskQueue?: string;
  /** 1 for the embedded PGlite socket server. */
  poolMax?: number;
  temporalUiUrl?: string;
  logger?: Logger;
  workflowBundle?: WorkerOptions['workflowBundle'];
  /** The worker's workflow cache (the SDK's default when absent). */
  maxCachedWorkflows?: number;
  /** Wrapped around every activity execution (a test seam: test/support/serve-with-fault.ts). */
  activityInterceptors?: ActivityInterceptorsFactory[];
  /** Inbound SMTP: listen for mail on this port (npm start: 127.0.0.1:2525); absent, no listener. */
  smtp?: InboundSmtpOptions;
  /** Outbound SMTP relay for the service's email (e.g. smtp://127.0.0.1:1025); absent, sending fails clearly. */
  smtpUrl?: string;
  /** Requests a second each token may send (RATE_LIMIT_PER_SECOND; absent: no limit). */
  rateLimitPerSecond?: number;
  /** Where the Temporal worker's own metrics are served (installWorkerMetrics), for GET /metrics. */
  workerMetricsUrl?: string;
  /**
   * What a stop waits for before it closes the HTTP connections left: every connection to close
   * by itself (`graceful`, the default: an idle kept-alive one at its keep-alive timeout, about
   * 5 s), or only the requests in flight (`in-flight`: for tests, whose clients send nothing
   * while the service stops).
   */
  httpDrain?: 'graceful' | 'in-flight';
  /**
   * How long a stop keeps its listening socket open, answering every request (and `/readyz`)
   * `503`, before it closes it (STOP_UNREADY_MS for `npm run serve`; 0 here). That is the time a
   * load balancer needs to take the replica out of rotation: a connection that reaches a socket
   * as it closes is reset, and its client cannot tell whether its request was taken.
   */
  unreadyBeforeCloseMs?: number;
  /** Time-skipping mode (for testers): the test server's clock, which the API then reads and skips. */
  testClock?: SkippingClock;
  /**
   * OpenTelemetry tracing (worker/tracing.ts, docs/tracing.md). Absent: on when
   * OTEL_EXPORTER_OTLP_ENDPOINT is set, exporting there; `false`: off whatever the environment.
   */
  tracing?: TracingOptions | false;
}

/** How many times a call to Temporal is tried when Temporal does not answer (the SDK's default: 10). */
const TEMPORAL_CALL_ATTEMPTS = 4;
/** How long GET /readyz waits for Temporal to answer. */
const READY_CHECK_MS = 2_000;

/** A stop step slower than this is logged (with its name). */
const SLOW_STOP_STEP_MS = 3_000;

/** How long a stop lets HTTP requests in flight finish before it cuts their connections. */
export const HTTP_DRAIN_MS = 10_000;

export interface RunningService {
  url: string;
  /** The inbound SMTP listener's port, when one was asked for. */
  smtpPort?: number;
  /** HTTP requests being served now. */
  requestsInFlight(): number;
  client: Client;
  stop(): Promise<void>;
}

export async function startService(options: ServiceOptions): Promise<RunningService> {
  const logger = options.logger ?? pino({ level: process.env.LOG_LEVEL ?? 'info', redact: LOG_REDACTION });
  const namespace = options.namespace ?? 'default';
  const host = options.host ?? '127.0.0.1';
  // What has started so far, stopped in reverse order on stop() or when a later step fails.
  // Each step is named: a step that fails, or takes more than a few seconds, is logged by name.
  const stops: Array<{ step: string; stop: () => Promise<unknown> }> = [];
  const onStop = (step: string, stop: () => Promise<unknown>) => void stops.push({ step, stop });
  const stopAll = async () => {
    for (const { step, stop } of stops.splice(0).reverse()) {
      const t0 = Date.now();
      await stop().catch((err) => logger.warn({ err, step }, 'stop step failed'));
      if (Date.now() - t0 > SLOW_STOP_STEP_MS) logger.warn({ step, ms: Date.now() - t0 }, 'a stop step was slow');
    }
  };
  try {
    // Tracing first, so that the pool's first queries and the worker are instrumented. Off, its
    // modules (the OpenTelemetry SDK) are not even loaded.
    let tracing: ServiceTracing | undefined;
    const tracingOptions = options.tracing ?? (process.env.OTEL_EXPORTER_OTLP_ENDPOINT || process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ? {} : false);
    if (tracingOptions) {
      tracing = (await import('./tracing.js')).startTracing(tracingOptions);
      onStop('tracing (exports the spans left)', () => tracing!.shutdown());
    }
    const pool = createPool(options.databaseUrl, options.poolMax ?? 5);
    onStop('database pool', () => pool.end());
    const applied = await migrate(pool);
    if (applied.length) logger.info({ applied }, 'database migrated');

    // Search attributes first: a resumed workflow upserts them on its first task.
    // A call Temporal does not answer is tried TEMPORAL_CALL_ATTEMPTS times (about 0.5 s of
    // backoff), not the SDK's 10 (about 19 s): while Temporal is down, a request gets its 503
    // at once, and the client retries it (README: "When a dependency is down").
    const connection = await Connection.connect({
      address: options.temporalAddress,
      interceptors: [makeGrpcRetryInterceptor(defaultGrpcRetryOptions({ maxAttempts: TEMPORAL_CALL_ATTEMPTS }))],
    });
    onStop('Temporal client connection', () => connection.close());
    const registered = await ensureSearchAttributes(connection, namespace);
    if (registered.length) logger.info({ registered }, 'search attributes registered');

    const workerConnection = await NativeConnection.connect({ address: options.temporalAddress });
    onStop('Temporal worker connection', () => workerConnection.close());
    const email = { ...emailDeliveryOptionsFromEnv(), ...(options.smtpUrl !== undefined ? { smtpUrl: options.smtpUrl } : {}) };
    const dataConverter = dataConverterFor(options.payloadKeys);
    const worker = await createWorker({ connection: workerConnection, namespace, taskQueue: options.taskQueue, pool, dataConverter, workflowBundle: options.workflowBundle, maxCachedWorkflows: options.maxCachedWorkflows, email, activityInterceptors: options.activityInterceptors, ...(tracing ? { tracing } : {}) });
    const workerRun = worker.run();
    workerRun.catch((err) => logger.error({ err }, 'worker stopped with an error'));
    onStop('worker (drains its tasks)', async () => {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await workerRun.catch(() => undefined);
    });

    const instance = new ServiceInstance(pool, logger);
    await instance.start();
    onStop('replica row in service_instances', () => instance.stop());

    const client = new Client({ connection, namespace, dataConverter, ...(tracing ? { interceptors: { workflow: [tracing.clientInterceptor] } } : {}) });
    const gateway = new WorkItemGateway(client, { taskQueue: options.taskQueue, uiUrl: options.temporalUiUrl, namespace, ...(options.testClock ? { clock: options.testClock } : {}) });
    const callers = new CallerCache();
    if ((options.poolMax ?? 5) > 1) onStop('token change listener', await listenForTokenChanges(options.databaseUrl, callers, logger));
    // R47: commits of changes wake the feed's long polls and the webhooks' dispatchers.
    const changeWaiter = new ChangeWaiter();
    const webhookDispatch = new WebhookDispatch(client, options.taskQueue ?? TASK_QUEUE, new WebhookStore(pool), logger);
    onStop('change listener', await listenForItemChanges((options.poolMax ?? 5) > 1 ? options.databaseUrl : undefined, () => {
      changeWaiter.changed();
      webhookDispatch.changed();
    }));
    onStop('webhook wake-ups', async () => webhookDispatch.stop());
    // The feed and the webhooks' delivery logs keep CHANGE_FEED_RETENTION_DAYS: pruned at start, then hourly.
    const retentionMs = changeFeedRetentionMs();
    const prune = () => {
      const before = new Date(Date.now() - retentionMs);
      void Promise.all([new ChangeFeedStore(pool).prune(before), new WebhookStore(pool).prune(before)]).catch((err) => logger.warn({ err }, 'could not prune the change feed'));
    };
    prune();
    const pruning = setInterval(prune, 3_600_000).unref();
    onStop('change feed pruning', async () => clearInterval(pruning));
    const app = createApp({
      changeWaiter,
      webhookDispatch,
      pool,
      gateway,
      callers,
      ...(options.workerMetricsUrl ? { workerMetricsUrl: options.workerMetricsUrl } : {}),
      ...(options.rateLimitPerSecond ?? rateLimitFromEnv() ? { rateLimitPerSecond: options.rateLimitPerSecond ?? rateLimitFromEnv() } : {}),
      adminToken: options.adminToken,
      instanceId: instance.id,
      logger,
      temporalReady: () => connection.withDeadline(Date.now() + READY_CHECK_MS, async () => void (await connection.workflowService.getSystemInfo({}))),
      ...(options.testClock ? { testClock: options.testClock } : {}),
      ...(dataConverter.payloadCodecs?.[0] ? { payloadCodec: dataConverter.payloadCodecs[0] } : {}),
      ...(options.temporalUiUrl ? { temporalUiOrigin: new URL(options.temporalUiUrl).origin } : {}),
    });
    const server: Server = await new Promise((resolve, reject) => {
      const s = app.listen(options.port ?? 0, host);
      s.once('listening', () => resolve(s));
      s.once('error', (err: NodeJS.ErrnoException) =>
        reject(err.code === 'EADDRINUSE' ? new Error(`Port ${options.port} on ${host} is in use: set PORT to a free port.`) : err),
      );
    });
    let inFlight = 0;
    const responding = new Set<import('node:http').ServerResponse>();
    server.on('request', (_req, res) => {
      inFlight++;
      responding.add(res);
      res.once('close', () => {
        inFlight--;
        responding.delete(res);
      });
    });
    onStop('HTTP (drains its requests and connections)', async () => {
      // Graceful, and without cutting a request a client is sending on a kept-alive connection:
      // no new connections (the listening socket closes, but not the open connections); a
      // request that still arrives on an open connection is refused retryably (503,
      // Retry-After); requests in flight finish, and every answer from now on says
      // `Connection: close`. An idle connection is not cut: it closes at its keep-alive timeout,
      // which the server announces (`Keep-Alive: timeout=5`) and clients such as undici honour
      // by not reusing it near its end. After HTTP_DRAIN_MS, the connections left are closed.
      app.locals.draining = true;
      for (const res of responding) if (!res.headersSent) res.shouldKeepAlive = false;
      if (options.unreadyBeforeCloseMs) await sleep(options.unreadyBeforeCloseMs);
      const closed = new Promise<void>((resolve) => NetServer.prototype.close.call(server, () => resolve()));
      const deadline = Date.now() + HTTP_DRAIN_MS;
      const open = () => new Promise<number>((resolve) => server.getConnections((err, n) => resolve(err ? 0 : n)));
      const drained = async () => (options.httpDrain === 'in-flight' ? inFlight === 0 : (await open()) === 0);
      while (Date.now() < deadline && !(await drained())) await sleep(50);
      server.closeAllConnections();
      await closed;
    });
    const { port } = server.address() as AddressInfo;
    tracing?.traceHttpPort(port);

    let smtpPort: number | undefined;
    if (options.smtp) {
      const config = new ConfigStore(pool);
      const intake = { gateway, config, readModel: new ReadModelStore(pool, instance.id), items: new ItemStore(pool), processes: new ProcessStore(pool) };
      const listener = await startSmtpListener(options.smtp, { config, queue: new InboundMessageQueue(pool, intake, logger), logger });
      onStop('SMTP listener', () => listener.stop());
      smtpPort = listener.port;
    }
    return { url: `http://${host}:${port}`, ...(smtpPort !== undefined ? { smtpPort } : {}), requestsInFlight: () => inFlight, client, stop: stopAll };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
