// Starts the whole service (migrations, worker, HTTP API) against the test run's Temporal dev
// server and a fresh PostgreSQL database, and gives tests the typed client (clients/typescript)
// as each caller, and `request`, an untyped call through the same client for what the types
// refuse on purpose (bodies that break the schema, malformed JSON, routes outside the document).

import { randomBytes, randomUUID } from 'node:crypto';
import pg from 'pg';
import pino, { type Logger } from 'pino';
import { inject } from 'vitest';
import { startService, type RunningService, type ServiceOptions } from '../../worker/service.js';
import { freshDatabase, type FreshDatabase } from './db.js';
import { SmtpRelay } from './smtp-relay.js';
import { createTimeSkippingEnv } from './time-skipping-env.js';
import { SkippingClock } from '../../api/clock.js';
import { installWorkerMetrics } from '../../worker/worker-metrics.js';
import { testPayloadKeys } from './payload-keys.js';
import { createWorkItemsClient, type Schema, type WorkItemsClient } from '../../clients/typescript/src/index.js';

export { ok } from '../../clients/typescript/src/index.js';

export interface ApiResponse<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export class ApiHarness {
  readonly tokens: Record<string, string> = {};
  private readonly stops: Array<() => Promise<void>> = [];
  /** Typed clients by base URL and token (a restart may move the service to another port). */
  private readonly clients = new Map<string, WorkItemsClient>();

  private constructor(
    private running: RunningService,
    /** How the service was started: a restart changes only what it is given. */
    private readonly options: ServiceOptions,
    readonly adminToken: string,
    readonly pool: pg.Pool,
    private readonly db: FreshDatabase,
    /** The SMTP relay the service sends its email to (a real SMTP server on loopback). */
    readonly relay: SmtpRelay,
    /** The service's task queue (its items' workflows run there). */
    readonly taskQueue: string,
  ) {}

  /**
   * `logger`: where the service logs (silent unless a test captures it). `smtp`: also listen for
   * inbound SMTP (on a free port, `service.smtpPort`).
   */
  static async start(options: { logger?: Logger; smtp?: boolean | { maxBytes?: number }; timeSkipping?: boolean; workerMetrics?: boolean } = {}): Promise<ApiHarness> {
    // First, before anything in this process connects to Temporal (the Runtime is per process).
    const workerMetricsUrl = options.workerMetrics ? await installWorkerMetrics() : undefined;
    const [db, relay, testEnv] = await Promise.all([freshDatabase(inject('databaseUrl')), SmtpRelay.start(), options.timeSkipping ? createTimeSkippingEnv() : undefined]);
    const adminToken = randomBytes(16).toString('hex');
    const taskQueue = `api-${randomUUID()}`;
    const serviceOptions: ServiceOptions = {
      ...(testEnv ? { temporalAddress: testEnv.address, testClock: await SkippingClock.of(testEnv) } : { temporalAddress: inject('temporalAddress') }),
      smtpUrl: relay.url,
      ...(workerMetricsUrl ? { workerMetricsUrl } : {}),
      ...(options.smtp ? { smtp: { port: 0, ...(typeof options.smtp === 'object' ? options.smtp : {}) } } : {}),
      databaseUrl: db.url,
      adminToken,
      payloadKeys: testPayloadKeys,
      taskQueue,
      logger: options.logger ?? pino({ level: 'silent' }),
      temporalUiUrl: 'http://127.0.0.1:8233',
      // The test's clients send nothing while it stops: no need to wait out their kept-alive connections.
      httpDrain: 'in-flight',
    };
    const service = await startService(serviceOptions);
    const pool = new pg.Pool({ connectionString: db.url, max: 2 });
    await reserveRefBlock(pool);
    const harness = new ApiHarness(service, serviceOptions, adminToken, pool, db, relay, taskQueue);
    if (testEnv) harness.stops.push(() => testEnv.teardown());
    return harness;
  }

  get service(): RunningService {
    return this.running;
  }

  get url(): string {
    return this.service.url;
  }

  /** Stops the service and starts it again on the same database and task queue, with `changes` (a key rotation, R48). */
  async restart(changes: Partial<ServiceOptions>): Promise<void> {
    await this.running.stop();
    this.running = await startService({ ...this.options, ...changes });
  }

  /** The harness's own database (a second replica of the service may share it). */
  get databaseUrl(): string {
    return this.db.url;
  }

  /** The typed client as the admin. */
  get client(): WorkItemsClient {
    return this.clientWith(this.adminToken);
  }

  /** The typed client as resource `id` (made by `resource()`). */
  clientAs(id: string): WorkItemsClient {
    const token = this.tokens[id];
    if (!token) throw new Error(`no token for ${id}: create it with resource()`);
    return this.clientWith(token);
  }

  /** The typed client with `token` (none: requests carry no Authorization). */
  clientWith(token: string | null): WorkItemsClient {
    const key = `${this.url} ${token ?? ''}`;
    let client = this.clients.get(key);
    if (!client) {
      client = createWorkItemsClient({ baseUrl: this.url, ...(token ? { token } : {}) });
      this.clients.set(key, client);
    }
    return client;
  }

  /**
   * Any method and path (with its query string), untyped, through the typed client's request():
   * `body` is sent as JSON, `raw` as it is (with no content-type unless `headers` names one).
   * The answer's body is its JSON, or undefined when empty.
   */
  async request<T = any>(method: string, path: string, options: { as?: string; token?: string | null; body?: unknown; headers?: Record<string, string>; raw?: string } = {}): Promise<ApiResponse<T>> {
    const token = options.token !== undefined ? options.token : options.as ? this.tokens[options.as] : this.adminToken;
    const headers: Record<string, string | null> = { ...(options.headers ?? {}) };
    if (options.raw !== undefined && !Object.keys(headers).some((name) => name.toLowerCase() === 'content-type')) headers['content-type'] = null;
    const untyped = this.clientWith(token ?? null).request as (method: string, path: string, init: object) => Promise<{ data?: string; error?: unknown; response: Response }>;
    const { data, error, response } = await untyped(method, path, {
      headers,
      body: options.raw ?? options.body,
      ...(options.raw !== undefined ? { bodySerializer: (raw: string) => raw } : {}),
      parseAs: 'text', // openapi-fetch parses a refusal's body itself; a success's text is parsed here, as JSON
    });
    const body = response.ok ? (data ? JSON.parse(data) : undefined) : error === '' ? undefined : error;
    return { status: response.status, body, headers: response.headers };
  }

  /** Creates a resource as admin and keeps its token under its id; with `queues`, it is bounded to them (R46). */
  async resource(id: string, kind: 'human' | 'robot' | 'integration', roles: string[] = [], queues?: string[]): Promise<string> {
    const body: Schema<'ResourceCreate'> = { id, name: id, kind, roles: roles as Array<'supervisor'>, ...(queues ? { queues } : {}) };
    const { data, error, response } = await this.client.POST('/v1/resources', { body });
    if (!data) throw new Error(`could not create ${id}: ${response.status} ${JSON.stringify(error)}`);
    this.tokens[id] = data.token;
    return data.token;
  }

  /** Polls until `check` returns a value (the read model and timers lag by a moment). */
  async eventually<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs = 15_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await check();
      if (value) return value;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** A command that must succeed (200), as `as`; its answer. */
  async act(ref: string, path: string, body: unknown, as: string): Promise<any> {
    const res = await this.request('POST', `/v1/work-items/${ref}${path}`, { as, body });
    if (res.status !== 200) throw new Error(`${path} on ${ref} as ${as}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  }

  /** Every entry of the item's timeline, read page by page through GET .../timeline (a view holds the latest 50). */
  async timeline(ref: string, as?: string): Promise<any[]> {
    const entries: any[] = [];
    const client = as ? this.clientAs(as) : this.client;
    for (let after: number | undefined = 0; after !== undefined; ) {
      const page: { data?: Schema<'TimelinePage'>; error?: unknown; response: Response } = await client.GET('/v1/work-items/{ref}/timeline', { params: { path: { ref }, query: { after, limit: 500 } } });
      const { data, error, response } = page;
      if (!data) throw new Error(`timeline of ${ref}: ${response.status} ${JSON.stringify(error)}`);
      entries.push(...data.entries);
      after = data.nextAfter;
    }
    return entries;
  }

  /** The item's view once `check` holds (what other items do to it arrives asynchronously). */
  viewWhen(ref: string, what: string, check: (view: any) => boolean, as?: string): Promise<any> {
    return this.eventually(what, async () => {
      const view = (await this.request('GET', `/v1/work-items/${ref}`, { as })).body;
      return check(view) && view;
    });
  }

  async stop(): Promise<void> {
    await this.service.stop();
    for (const stop of this.stops) await stop();
    await this.relay.stop();
    await this.pool.end();
    await this.db.drop();
  }
}

/** The path parameter of an item's routes, for the typed client: `client.GET('/v1/work-items/{ref}', item(ref))`. */
export const item = (ref: string) => ({ params: { path: { ref } } });

/**
 * Test files share one Temporal dev server, and a reference is a workflow id: each file takes
 * its own block of 10,000 references from a sequence on the shared PostgreSQL server.
 */
async function reserveRefBlock(pool: pg.Pool): Promise<void> {
  const shared = new pg.Client({ connectionString: inject('databaseUrl') });
  await shared.connect();
  try {
    await shared.query('CREATE SEQUENCE IF NOT EXISTS test_ref_blocks').catch(() => undefined);
    const { rows } = await shared.query("SELECT nextval('test_ref_blocks') AS n");
    const start = ((Number(rows[0].n) - 1) % 99 + 1) * 10_000 + 1; // refs stay six digits
    for (const kind of ['ticket', 'case', 'action']) await pool.query(`ALTER SEQUENCE ${kind}_ref_seq RESTART WITH ${start}`);
  } finally {
    await shared.end();
  }
}
