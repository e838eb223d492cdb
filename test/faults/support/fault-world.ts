// One fault test's own world: its own PostgreSQL (Debian's, stopped and started by the test),
// its own Temporal dev server (on a SQLite file, restartable), and the service as a real process
// (`scripts/serve.ts`), with an agent and a category to run stories with. Nothing is shared
// with other files, because a fault test stops and restarts what it was given.

import { randomBytes, randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from '@temporalio/worker';
import pg from 'pg';
import { WORKFLOWS_PATH } from '../../../worker/create-worker.js';
import { historyToJSON } from '../../support/history.js';
import { serviceProcess, type ServiceProcess } from '../../support/fault-service.js';
import { startPostgres, type PostgresServer } from '../../support/postgres-server.js';
import { startRestartableDevServer, type RestartableDevServer } from '../../support/temporal-dev-server.js';
import { startClusterServer, temporalServerKind, type ClusterServer } from '../../../scripts/temporal-cluster-server.js';
import { checkStories, type CheckResult } from './story-checks.js';
import { FaultHttp, type Story, type StoryWorld } from './story-client.js';
import { testPayloadKeys } from '../../support/payload-keys.js';
import { dataConverterFor } from '../../../worker/payload-codec.js';

/** Set by vitest.faults.config.ts: the fault files run only under `npm run test:faults`. */
export const inFaultSuite = process.env.WORK_ITEMS_FAULT_SUITE === '1';

export interface FaultWorld {
  postgres: PostgresServer;
  /** TEMPORAL_SERVER=cluster: the Temporal server proper on PostgreSQL instead of the dev server. */
  temporal: RestartableDevServer | ClusterServer;
  /** The first (or only) replica. */
  service: ServiceProcess;
  /** Every replica: service processes on the same Temporal, PostgreSQL and task queue. */
  replicas: ServiceProcess[];
  adminToken: string;
  taskQueue: string;
  http: FaultHttp;
  /** The test's own pool on the service's database (survives an outage: idle errors are ignored). */
  pool: pg.Pool;
  temporalClient: Client;
  agentId: string;
  agentToken: string;
  runId: string;
  /** checkStories with this world's client, stores and agent (story-checks.ts says what it checks). */
  check(stories: Story[], options: { settleMs: number; expectClosed: boolean; otherRefs?: string[] }): Promise<CheckResult>;
  /**
   * Replays every given item's history (each run, the current one) on this checkout's workflow
   * code: a history the code does not reproduce (nondeterminism) is an error, and is written to
   * a file named in it, for a replay test.
   */
  replay(refs: string[]): Promise<string[]>;
  /** The stories' world, for `categoryId`. */
  storyWorld(categoryId: string, overrides?: Partial<StoryWorld>): StoryWorld;
  /** The service's log lines at level error or above (pino level >= 50), and any uncaught error it printed. */
  serviceErrors(): string[];
  stop(): Promise<void>;
}

export interface WorldOptions {
  categories: Record<string, Record<string, unknown>>;
  /** More environment for the service process. */
  serviceEnv?: Record<string, string>;
  /** How many service processes (default 1), started at the same moment; `http` sends to each in turn. */
  replicas?: number;
}

export async function startFaultWorld(options: WorldOptions): Promise<FaultWorld> {
  const stops: Array<() => Promise<unknown>> = [];
  const stopAll = async () => {
    for (const stop of stops.splice(0).reverse()) await stop().catch((err) => console.error(`fault world teardown: ${(err as Error).message}`));
  };
  try {
    const [postgres, temporal] = await Promise.all([
      startPostgres().then((s) => (stops.push(() => s.stop()), s)),
      (temporalServerKind() === 'cluster' ? startClusterServer() : startRestartableDevServer()).then((s) => (stops.push(() => s.stop()), s)),
    ]);
    const adminToken = randomBytes(16).toString('hex');
    const taskQueue = `faults-${randomUUID()}`;
    // No rate limit (the stories all run as one agent), whatever the environment says.
    const replicas = await Promise.all(
      Array.from({ length: options.replicas ?? 1 }, () =>
        serviceProcess({ temporalAddress: temporal.address, databaseUrl: postgres.url, adminToken, taskQueue, extra: { RATE_LIMIT_PER_SECOND: '', ...options.serviceEnv } }),
      ),
    );
    for (const replica of replicas) {
      stops.push(async () => {
        await replica.stop();
        replica.dispose();
      });
    }
    // At the same moment: migrations and search-attribute registration must not race.
    await Promise.all(replicas.map((replica) => replica.start()));
    const service = replicas[0]!;

    const pool = new pg.Pool({ connectionString: postgres.url, max: 3, connectionTimeoutMillis: 5_000 });
    pool.on('error', () => undefined);
    stops.push(() => pool.end());
    const connection = await Connection.connect({ address: temporal.address });
    stops.push(() => connection.close());
    const dataConverter = dataConverterFor(testPayloadKeys);
    const temporalClient = new Client({ connection, dataConverter });

    const http = new FaultHttp(replicas.map((replica) => replica.url));
    const agentId = 'agent';
    const made = await http.send('POST', '/v1/resources', { token: adminToken, body: { id: agentId, name: 'Agent', kind: 'human' }, label: 'setup', deadline: Date.now() + 30_000 });
    if (made.status !== 201) throw new Error(`could not create the agent: ${made.status} ${JSON.stringify(made.body)}`);
    for (const [id, body] of Object.entries(options.categories)) {
      const put = await http.send('PUT', `/v1/categories/${id}`, { token: adminToken, body, label: 'setup', deadline: Date.now() + 30_000 });
      if (put.status !== 200) throw new Error(`could not define category ${id}: ${put.status} ${JSON.stringify(put.body)}`);
    }
    const runId = randomBytes(4).toString('hex');
    const agentToken: string = made.body.token;
    return {
      postgres,
      temporal,
      service,
      replicas,
      adminToken,
      taskQueue,
      http,
      pool,
      temporalClient,
      agentId,
      agentToken,
      runId,
      replay: async (refs) => {
        const histories = await Promise.all(refs.map(async (ref) => ({ workflowId: ref, history: await temporalClient.workflow.getHandle(ref).fetchHistory() })));
        const errors: string[] = [];
        for await (const result of Worker.runReplayHistories({ workflowsPath: WORKFLOWS_PATH, replayName: `faults-${taskQueue}`, dataConverter }, histories)) {
          if (!result.error) continue;
          const file = join(tmpdir(), `nondeterministic-${result.workflowId}-${randomBytes(3).toString('hex')}.json`);
          writeFileSync(file, historyToJSON(histories.find((h) => h.workflowId === result.workflowId)!.history));
          errors.push(`${result.workflowId}: ${result.error.message} (its history: ${file})`);
        }
        return errors;
      },
      check: (stories, check) => checkStories(stories, { http, adminToken, pool, temporal: temporalClient, taskQueue, agentId, ...check }),
      storyWorld: (categoryId, overrides = {}) => ({ http, agentId, agentToken, categoryId, runId, stepDeadlineMs: 5 * 60_000, ...overrides }),
      serviceErrors: () =>
        replicas
          .map((replica) => replica.logs())
          .join('\n')
          .split('\n')
          .filter((line) => {
            try {
              return Number(JSON.parse(line).level) >= 50;
            } catch {
              return /^(Uncaught|Unhandled|\w*Error\b)/.test(line); // a crash's own words
            }
          }),
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
