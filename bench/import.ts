// `npm run bench:import`: the legacy import (R43, docs/legacy-import.md) end to end.
//   1. The service in this process (API + worker) on a dev server and a private PostgreSQL (or
//      TEMPORAL_ADDRESS / DATABASE_URL), with the category, process and agent the export names.
//      IMPORT_DB=pglite puts it on PGlite in this process instead, one connection, as `npm start`.
//   2. IMPORT_ITEMS (2,000) items from scripts/generate-legacy-export.ts, written to a temp file.
//   3. The import tool as a child process (`node --import tsx scripts/import.ts <file>`, API_URL and
//      ADMIN_TOKEN set; IMPORT_BATCH / IMPORT_CONCURRENCY passed on when set), its RSS (VmRSS)
//      sampled every 500 ms: start (at 500 ms), peak, end.
//   4. Three instants, which are not the same thing:
//      - acknowledged: the tool's run: every item answered 201 (its workflow started and its first
//        state in the read model). This is the rate the tool prints;
//      - first tasks done: the item task queue's workflow backlog seen empty (every new workflow's
//        first task taken by the worker);
//      - settled: every imported item's workflow has made its own store (its timeline entries in
//        PostgreSQL). An open item's workflow stores within storeAfterMs (30 s) of its first task,
//        so this is at least 30 s after the last first task.
//   5. CPU per item from the start until acknowledged and until settled: this process (API +
//      worker, and PGlite when used), the Temporal server, PostgreSQL (this bench's server and its
//      backends) and the tool.
// Prints every figure and writes bench/results/import-<time>.json.

import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import proto from '@temporalio/proto';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import pg from 'pg';
import pino from 'pino';
import { writeLegacyExportFile } from '../scripts/generate-legacy-export.js';
import { startDevServer } from '../test/support/temporal-dev-server.js';
import { startService } from '../worker/service.js';
import { startBenchServers, type BenchServers, benchPayloadKeys } from './bench-servers.js';
import { apiClient, callApi } from './http-client.js';
import { cpuSnapshot } from './process-cpu.js';
import { recordResult } from './results.js';

const ITEMS = Number(process.env.IMPORT_ITEMS ?? 2_000);
const PGLITE = process.env.IMPORT_DB === 'pglite';
/** Give up waiting for the workflows' stores this long after the import ends. */
const SETTLE_TIMEOUT_S = Number(process.env.SETTLE_TIMEOUT_S ?? 900);
const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const mb = (kb: number | undefined) => (kb === undefined ? '?' : (kb / 1024).toFixed(0));

// How the bench reads the database (PGlite mode: directly, beside the service's one connection).
let pgliteQuery: ((sql: string) => Promise<Array<Record<string, unknown>>>) | undefined;
let closeQuery: (() => Promise<void>) | undefined;

Runtime.install({ logger: new DefaultLogger('WARN') });
const servers: BenchServers = PGLITE ? await pgliteServers() : await startBenchServers();
const adminToken = randomBytes(16).toString('hex');
const taskQueue = `import-${randomUUID()}`;
const service = await startService({ ...servers, payloadKeys: benchPayloadKeys(), adminToken, taskQueue, poolMax: PGLITE ? 1 : undefined, logger: pino({ level: 'warn' }) });
const query = PGLITE ? pgliteQuery! : pgQuery(servers.databaseUrl);
const file = join(tmpdir(), `legacy-export-${randomUUID()}.jsonl`);
const temporalPort = servers.temporalAddress.split(':').at(-1)!;
const postgresPort = PGLITE ? undefined : new URL(servers.databaseUrl).port;

try {
  const call = (method: string, path: string, body: unknown) => callApi(apiClient(service.url, adminToken), method, path, body);
  await call('PUT', '/v1/categories/legacy-import', { name: 'Imported', feedbackWindow: 'P5D' });
  await call('PUT', '/v1/processes/legacy-import', { name: 'Imported', stages: [{ name: 'Work', actions: [{ type: 'task', name: 'Work' }] }] });
  await call('POST', '/v1/resources', { id: 'legacy-agent', name: 'Agent', kind: 'human' });
  await writeLegacyExportFile(file, ITEMS);

  // The tool, its RSS sampled from /proc while it runs.
  const cpu0 = cpuNow();
  const t0 = performance.now();
  const env = { ...process.env, API_URL: service.url, ADMIN_TOKEN: adminToken };
  const tool = spawn(process.execPath, ['--import', 'tsx', 'scripts/import.ts', file], { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  tool.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const rss: number[] = [];
  const sampler = setInterval(() => {
    try {
      const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${tool.pid}/status`, 'utf8'))?.[1]);
      if (kb) rss.push(kb);
    } catch {
      // gone
    }
  }, 500);
  const code = await new Promise<number | null>((resolve) => tool.on('close', resolve));
  clearInterval(sampler);
  const ackSeconds = (performance.now() - t0) / 1000;
  const cpuAck = cpuNow();
  process.stdout.write(out);
  if (code !== 0) throw new Error(`the import tool exited with ${code}`);
  const imported = Number(/(\d+) imported,/.exec(out)?.[1] ?? NaN);

  // Settling: the workflow backlog drains (first tasks taken), then each item's own store lands.
  const storedCount = async () => Number((await query('SELECT count(*)::int AS n FROM legacy_imports l WHERE EXISTS (SELECT 1 FROM timeline_entries t WHERE t.ref = l.ref)'))[0].n);
  let firstTasksSeconds: number | undefined;
  let backlogKnown = false;
  let stored = 0;
  const deadline = performance.now() + SETTLE_TIMEOUT_S * 1000;
  while (performance.now() < deadline) {
    if (firstTasksSeconds === undefined) {
      const backlog = await workflowBacklog();
      backlogKnown ||= backlog !== undefined;
      if (backlog === 0) firstTasksSeconds = (performance.now() - t0) / 1000;
    }
    stored = await storedCount();
    if (stored >= imported && (firstTasksSeconds !== undefined || !backlogKnown)) break;
    await sleep(500);
  }
  const settledSeconds = (performance.now() - t0) / 1000;
  const cpuSettled = cpuNow();

  const perItem = (after: Cpu) => ({
    thisProcess: round((after.node - cpu0.node) / imported),
    temporalServer: round((after.temporal - cpu0.temporal) / imported),
    postgres: PGLITE ? 'in this process (PGlite)' : round((after.postgres - cpu0.postgres) / imported),
    tool: round((cpuAck.children - cpu0.children) / imported), // the one child that ended meanwhile
  });
  const cpuLine = (c: ReturnType<typeof perItem>) =>
    `this process (API + worker${PGLITE ? ' + PGlite' : ''}) ${c.thisProcess} ms, Temporal server ${c.temporalServer} ms, ${PGLITE ? '' : `PostgreSQL ${c.postgres} ms, `}the import tool ${c.tool} ms`;
  const peak = rss.length ? Math.max(...rss) : undefined;
  const figures = {
    items: ITEMS,
    imported,
    database: PGLITE ? 'PGlite (one connection)' : 'PostgreSQL',
    acknowledged: { seconds: ackSeconds, perSecond: imported / ackSeconds },
    firstTasksDone: firstTasksSeconds === undefined ? undefined : { seconds: firstTasksSeconds, perSecond: imported / firstTasksSeconds },
    settled: { seconds: settledSeconds, perSecond: imported / settledSeconds, stored },
    toolRssKb: { start: rss[0], peak, end: rss.at(-1), samples: rss.length },
    cpuMsPerItem: { untilAcknowledged: perItem(cpuAck), untilSettled: perItem(cpuSettled) },
  };
  console.log(`imported ${imported} of ${ITEMS} items on ${figures.database}, IMPORT_BATCH ${process.env.IMPORT_BATCH ?? '(default)'}, IMPORT_CONCURRENCY ${process.env.IMPORT_CONCURRENCY ?? '(default)'}`);
  console.log(`acknowledged:     ${ackSeconds.toFixed(1)} s, ${(imported / ackSeconds).toFixed(1)} items/s (the tool's run: every item's workflow started, its first state written by the API)`);
  if (firstTasksSeconds !== undefined) console.log(`first tasks done: ${firstTasksSeconds.toFixed(1)} s, ${(imported / firstTasksSeconds).toFixed(1)} items/s (the workflow task backlog seen empty)`);
  else console.log('first tasks done: not seen (the server gave no backlog figure)');
  console.log(`settled:          ${settledSeconds.toFixed(1)} s, ${(imported / settledSeconds).toFixed(1)} items/s (${stored} of ${imported} stored by their own workflows; an open item's store comes 30 s after its first task)`);
  console.log(`tool RSS: start ${mb(rss[0])} MB, peak ${mb(peak)} MB, end ${mb(rss.at(-1))} MB (${rss.length} samples, every 500 ms)`);
  console.log(`CPU per item until acknowledged: ${cpuLine(figures.cpuMsPerItem.untilAcknowledged)}`);
  console.log(`CPU per item until settled:      ${cpuLine(figures.cpuMsPerItem.untilSettled)}`);
  recordResult(
    'import',
    { ...figures, throughput: { acknowledged: imported / ackSeconds, ...(firstTasksSeconds ? { 'first tasks done': imported / firstTasksSeconds } : {}), settled: imported / settledSeconds } },
    { IMPORT_ITEMS: ITEMS, IMPORT_DB: PGLITE ? 'pglite' : 'postgres', IMPORT_BATCH: process.env.IMPORT_BATCH, IMPORT_CONCURRENCY: process.env.IMPORT_CONCURRENCY },
    servers,
  );
} finally {
  rmSync(file, { force: true });
  await service.stop();
  await closeQuery?.();
  await servers.stop();
}

/** Workflow tasks waiting on the items' task queue (undefined when the server does not say). */
async function workflowBacklog(): Promise<number | undefined> {
  try {
    const res = await service.client.workflowService.describeTaskQueue({
      namespace: 'default',
      taskQueue: { name: taskQueue, kind: proto.temporal.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
      taskQueueType: proto.temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
      reportStats: true,
    });
    const n = res.stats?.approximateBacklogCount;
    return n === undefined || n === null ? undefined : Number(n);
  } catch {
    return undefined;
  }
}

interface Cpu {
  node: number;
  temporal: number;
  postgres: number;
  /** This process's children that have ended (user + system, theirs included). */
  children: number;
}

/** CPU milliseconds so far, by whom. */
function cpuNow(): Cpu {
  const snapshot = cpuSnapshot(temporalPort);
  return { node: snapshot.node, temporal: snapshot.temporal, postgres: postgresCpu(), children: procCpu('self', true) };
}

/** utime + stime of /proc/<pid>/stat in ms (and the children it reaped, with `reaped`); 0 once gone. */
function procCpu(pid: number | 'self', reaped = false): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ').map(Number);
    return (reaped ? f[13] + f[14] : f[11] + f[12]) * 10; // USER_HZ 100; fields 14-17 of stat
  } catch {
    return 0;
  }
}

/**
 * This bench's PostgreSQL: its postmaster (`-p <port>`), the backends it reaped and those alive
 * (other PostgreSQL servers on the machine are not counted).
 */
function postgresCpu(): number {
  if (!postgresPort) return 0;
  let postmaster: number | undefined;
  const children: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const cmd = readFileSync(`/proc/${name}/cmdline`, 'utf8').replaceAll('\0', ' ');
      if (cmd.includes('postgres') && cmd.includes(` -p ${postgresPort} `)) postmaster = Number(name);
      else if (cmd.startsWith('postgres: ')) children.push(Number(name));
    } catch {
      // gone meanwhile
    }
  }
  if (!postmaster) return 0;
  const ppid = (pid: number) => {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    } catch {
      return 0;
    }
  };
  const own = children.filter((pid) => ppid(pid) === postmaster);
  return procCpu(postmaster) + procCpu(postmaster, true) + own.reduce((s, pid) => s + procCpu(pid), 0);
}

function round(ms: number): number {
  return Number(ms.toFixed(2));
}

function pgQuery(url: string): (sql: string) => Promise<Array<Record<string, unknown>>> {
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  closeQuery = () => pool.end();
  return async (sql) => (await pool.query(sql)).rows;
}

/** PGlite in this process (in a temp dir), served on one socket connection, as scripts/start.ts does. */
async function pgliteServers(): Promise<BenchServers> {
  const dir = mkdtempSync(join(tmpdir(), 'import-pglite-'));
  const db = await PGlite.create(dir);
  const socket = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 1 });
  await socket.start();
  pgliteQuery = async (sql) => (await db.query<Record<string, unknown>>(sql)).rows;
  const temporal = process.env.TEMPORAL_ADDRESS ? undefined : await startDevServer();
  return {
    temporalAddress: process.env.TEMPORAL_ADDRESS ?? temporal!.address,
    databaseUrl: `postgres://postgres@${socket.getServerConn()}/postgres`,
    serverKind: 'dev',
    stop: async () => {
      await temporal?.stop();
      await socket.stop();
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
