// Starts the Temporal server proper (go.temporal.io/server, built by `bash scripts/provision.sh
// cluster` into .tools/bin), shaped as docker-compose.yml's temporalio/auto-setup runs it:
// PostgreSQL persistence and PostgreSQL (SQL) visibility, one node running all four services.
// It creates and migrates the `temporal` and `temporal_visibility` databases with the SQL tool,
// registers the namespace and the work items' search attributes, and returns once the namespace
// answers a visibility query on them. With `dataDir`, everything is kept there and reused.
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time.js';
import pg from 'pg';
import { stringify } from 'yaml';
import { repoRoot } from './tool-paths.js';
import { freePort } from '../worker/free-port.js';
import { ensureSearchAttributes } from '../worker/search-attribute-registration.js';

const run = promisify(execFile);
const PROVISION = 'run `bash scripts/provision.sh cluster`';

export const clusterServerPath = join(repoRoot, '.tools/bin/temporal-server');
export const clusterSqlToolPath = join(repoRoot, '.tools/bin/temporal-sql-tool');
const schemaDir = join(repoRoot, '.tools/temporal-server/schema/postgresql/v12');

export type TemporalServerKind = 'dev' | 'cluster';

/** TEMPORAL_SERVER: `dev` (the CLI's dev server, the default) or `cluster` (this server). */
export function temporalServerKind(): TemporalServerKind {
  const kind = process.env.TEMPORAL_SERVER || 'dev';
  if (kind !== 'dev' && kind !== 'cluster') throw new Error(`TEMPORAL_SERVER=${kind}: expected dev or cluster`);
  return kind;
}

/** Whether the binaries and schema are provisioned. */
export function clusterServerProvisioned(): boolean {
  return existsSync(clusterServerPath) && existsSync(clusterSqlToolPath) && existsSync(join(schemaDir, 'temporal/versioned'));
}

export interface ClusterServerOptions {
  /** Keep PostgreSQL's data, the config and the log here, and reuse them on the next start. Default: a temp dir that `stop` removes. */
  dataDir?: string;
  /** An existing PostgreSQL (postgres://user:password@host:port), whose user may create databases. Default: a private one. */
  postgresUrl?: string;
  /** Frontend gRPC port on 127.0.0.1. Default: a free one. */
  port?: number;
  namespace?: string;
  /** Retention of closed workflows in a namespace this registers. Default 1 day (auto-setup's default). */
  retentionDays?: number;
  /** Server log level (its log goes to `logFile`). Default warn. */
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
  /** Progress lines while starting. */
  log?: (line: string) => void;
}

export interface ClusterServer {
  /** host:port of the frontend gRPC endpoint */
  address: string;
  port: number;
  namespace: string;
  /** The PostgreSQL holding the `temporal` and `temporal_visibility` databases (without a database name). */
  postgresUrl: string;
  /** Go's pprof on 127.0.0.1 (`/debug/pprof/profile?seconds=N`: a CPU profile), for the benches. */
  pprofUrl: string;
  dataDir: string;
  /** The server's own output. */
  logFile: string;
  /** Stops the server process (PostgreSQL and the data stay). */
  pause(): Promise<void>;
  /** Starts it again: same config, same ports. */
  resume(): Promise<void>;
  running(): boolean;
  /** Stops the server and a private PostgreSQL; removes a temp data dir. */
  stop(): Promise<void>;
}

export async function startClusterServer(options: ClusterServerOptions = {}): Promise<ClusterServer> {
  if (!clusterServerProvisioned()) throw new Error(`the Temporal server is not provisioned (.tools/bin/temporal-server): ${PROVISION}`);
  const say = options.log ?? (() => undefined);
  const namespace = options.namespace ?? 'default';
  const temporary = !options.dataDir;
  const dataDir = options.dataDir ? resolve(options.dataDir) : mkdtempSync(join(tmpdir(), 'workitems-temporal-cluster-'));
  mkdirSync(dataDir, { recursive: true });
  // mkdtemp makes it 0700: the `postgres` user (as root) must reach the PostgreSQL dir inside.
  if (temporary) chmodSync(dataDir, 0o755);
  const logFile = join(dataDir, 'temporal-server.log');
  let postgres: PrivatePostgres | undefined;
  let child: ChildProcess | undefined;

  const pause = async () => {
    const current = child;
    child = undefined;
    if (current) await stopProcess(current, 30_000);
  };
  const stop = async () => {
    await pause().catch((err) => console.error(`stopping temporal-server: ${(err as Error).message}`));
    await postgres?.stop().catch((err) => console.error(`stopping the cluster's PostgreSQL: ${(err as Error).message}`));
    if (temporary) rmSync(dataDir, { recursive: true, force: true });
  };

  try {
    let postgresUrl = options.postgresUrl;
    if (!postgresUrl) {
      say(`starting PostgreSQL in ${join(dataDir, 'postgres')}`);
      postgres = await startPrivatePostgres(join(dataDir, 'postgres'), { durable: !temporary });
      postgresUrl = postgres.url;
    }
    const db = new URL(postgresUrl);
    db.pathname = '';
    await setUpSchema(db, say);

    const ports: Record<string, number> = { frontend: options.port || (await freePort()) };
    for (const name of ['history', 'matching', 'worker', 'pprof']) ports[name] = await freePort();
    // Membership ports go into a smallint column: below 32768, under the usual ephemeral range.
    const taken = new Set<number>();
    for (const name of ['frontend', 'history', 'matching', 'worker']) ports[`${name}M`] = await freeLowPort(taken);
    const configDir = join(dataDir, 'config');
    mkdirSync(configDir, { recursive: true });
    const dynamicConfigFile = join(configDir, 'dynamicconfig.yaml');
    writeFileSync(dynamicConfigFile, stringify(dynamicConfig()));
    writeFileSync(join(configDir, 'development.yaml'), stringify(serverConfig(db, ports, dynamicConfigFile, options.logLevel ?? 'warn')));
    const address = `127.0.0.1:${ports.frontend}`;

    const launch = async () => {
      if (child) throw new Error('temporal-server is already running');
      // Another server answering there would pass for this one.
      if (!(await portFree(ports.frontend!))) throw new Error(`port ${ports.frontend} on 127.0.0.1 is taken (another Temporal?)`);
      await forgetMembers(db);
      child = await spawnServer(dataDir, logFile, address);
    };
    say(`starting temporal-server on ${address} (log: ${logFile})`);
    await launch();
    const connection = await Connection.connect({ address });
    let added: string[];
    try {
      await ensureNamespace(connection, namespace, options.retentionDays ?? 1);
      added = await ensureSearchAttributes(connection, namespace);
    } finally {
      await connection.close();
    }
    if (added.length) {
      // Each service caches the search attributes for 60 s; a restart loads them at once.
      say(`registered search attributes ${added.join(', ')}; restarting temporal-server so that every service knows them`);
      await pause();
      await launch();
    }
    await untilReady(address, namespace);
    return {
      address,
      port: ports.frontend!,
      namespace,
      postgresUrl: db.toString(),
      pprofUrl: `http://127.0.0.1:${ports.pprof}`,
      dataDir,
      logFile,
      pause,
      resume: async () => {
        await launch();
        await untilReady(address, namespace);
      },
      running: () => child !== undefined,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/**
 * Dynamic config: of what the CLI dev server (and the SDK's start of it) sets, what the service
 * depends on; the rest stays at the server's defaults. Not the dev server's
 * system.forceSearchAttributesCacheRefreshOnRead (a database read under a lock on every search
 * attribute lookup, "not for production"): the search attributes are registered before the
 * server is handed out, and it is restarted when they were new.
 */
function dynamicConfig(): Record<string, unknown> {
  const values: Record<string, unknown> = {
    // Updates carry every command; on by default in 1.29, set so that it stays so.
    'frontend.enableUpdateWorkflowExecution': true,
    'frontend.enableUpdateWorkflowExecutionAsyncAccepted': true,
    // List queries (the fault checks, operators) above the default of 10 a second, as the dev server.
    'frontend.namespaceRPS.visibility': 100,
    // No calls home (offline).
    'frontend.enableServerVersionCheck': false,
    // Unused, and without an HTTP port it would be turned off anyway, with a warning.
    'system.enableNexus': false,
  };
  return Object.fromEntries(Object.entries(values).map(([key, value]) => [key, [{ value, constraints: {} }]]));
}

function serverConfig(db: URL, ports: Record<string, number>, dynamicConfigFile: string, level: string): Record<string, unknown> {
  const store = (databaseName: string, maxConns: number) => ({
    sql: {
      pluginName: 'postgres12',
      databaseName,
      connectAddr: `${db.hostname}:${db.port || 5432}`,
      connectProtocol: 'tcp',
      user: decodeURIComponent(db.username),
      password: decodeURIComponent(db.password),
      maxConns,
      maxIdleConns: maxConns,
      maxConnLifetime: '1h',
    },
  });
  const service = (grpcPort: number, membershipPort: number) => ({ rpc: { grpcPort, membershipPort, bindOnIP: '127.0.0.1' } });
  return {
    log: { stdout: true, level, format: 'json' },
    persistence: {
      defaultStore: 'postgres-default',
      visibilityStore: 'postgres-visibility',
      numHistoryShards: 4,
      datastores: { 'postgres-default': store('temporal', 20), 'postgres-visibility': store('temporal_visibility', 10) },
    },
    global: { membership: { maxJoinDuration: '30s', broadcastAddress: '127.0.0.1' }, pprof: { port: ports.pprof!, host: '127.0.0.1' } },
    services: {
      frontend: service(ports.frontend!, ports.frontendM!),
      history: service(ports.history!, ports.historyM!),
      matching: service(ports.matching!, ports.matchingM!),
      worker: service(ports.worker!, ports.workerM!),
    },
    clusterMetadata: {
      enableGlobalNamespace: false,
      failoverVersionIncrement: 10,
      masterClusterName: 'active',
      currentClusterName: 'active',
      clusterInformation: { active: { enabled: true, initialFailoverVersion: 1, rpcName: 'frontend', rpcAddress: `127.0.0.1:${ports.frontend}` } },
    },
    dcRedirectionPolicy: { policy: 'noop' },
    archival: { history: { state: 'disabled' }, visibility: { state: 'disabled' } },
    namespaceDefaults: { archival: { history: { state: 'disabled' }, visibility: { state: 'disabled' } } },
    publicClient: { hostPort: `127.0.0.1:${ports.frontend}` },
    dynamicConfigClient: { filepath: dynamicConfigFile, pollInterval: '10s' },
  };
}

/** Creates the two databases when missing, then brings both schemas to the newest version. */
async function setUpSchema(db: URL, say: (line: string) => void): Promise<void> {
  const base = ['--plugin', 'postgres12', '--ep', db.hostname, '-p', db.port || '5432', '-u', decodeURIComponent(db.username)];
  if (db.password) base.push('--pw', decodeURIComponent(db.password));
  const client = new pg.Client({ connectionString: new URL('/postgres', db).toString() });
  await client.connect();
  let existing: Set<string>;
  try {
    existing = new Set((await client.query<{ datname: string }>('SELECT datname FROM pg_database')).rows.map((r) => r.datname));
  } finally {
    await client.end();
  }
  for (const [database, schema] of [['temporal', 'temporal'], ['temporal_visibility', 'visibility']] as const) {
    const tool = async (...args: string[]) => {
      await run(clusterSqlToolPath, [...base, '--db', database, ...args]).catch((err) => {
        throw new Error(`temporal-sql-tool ${args[0]} on ${database} failed: ${reason(err)}`);
      });
    };
    if (!existing.has(database)) {
      say(`creating database ${database}`);
      await tool('create-database');
      await tool('setup-schema', '-v', '0.0');
    }
    await tool('update-schema', '-d', join(schemaDir, schema, 'versioned'));
  }
}

/**
 * Clears the membership table: a node of an earlier run that heartbeat in the last 20 s on
 * other ports would be a ringpop seed, and joining it fails only after maxJoinDuration (30 s).
 */
async function forgetMembers(db: URL): Promise<void> {
  const client = new pg.Client({ connectionString: new URL('/temporal', db).toString() });
  await client.connect();
  try {
    await client.query('DELETE FROM cluster_membership');
  } finally {
    await client.end();
  }
}

async function spawnServer(dataDir: string, logFile: string, address: string): Promise<ChildProcess> {
  const fd = openSync(logFile, 'a');
  const child = spawn(clusterServerPath, ['--root', dataDir, '--config', 'config', '--env', 'development', '--allow-no-auth', 'start'], {
    stdio: ['ignore', fd, fd],
  });
  closeSync(fd);
  const exited = new Promise<string>((resolveExit) => {
    child.once('error', (err) => resolveExit(err.message));
    child.once('exit', (code, signal) => resolveExit(`exited (${signal ?? code})`));
  });
  const failed = (why: string) => new Error(`temporal-server ${why}; the end of ${logFile}:\n${tail(logFile, 15)}`);
  const deadline = Date.now() + 120_000;
  for (;;) {
    const early = await Promise.race([exited, sleep(500).then(() => undefined)]);
    if (early) throw failed(early);
    try {
      const connection = await Connection.connect({ address, connectTimeout: 2_000 });
      try {
        await connection.workflowService.getSystemInfo({});
        await connection.workflowService.describeNamespace({ namespace: 'temporal-system' });
        return child;
      } finally {
        await connection.close();
      }
    } catch (err) {
      if (Date.now() > deadline) {
        await stopProcess(child, 10_000);
        throw failed(`did not answer on ${address} within 120 s (${(err as Error).message})`);
      }
    }
  }
}

async function ensureNamespace(connection: Connection, namespace: string, retentionDays: number): Promise<void> {
  try {
    await connection.workflowService.describeNamespace({ namespace });
    return;
  } catch (err) {
    if ((err as { code?: number }).code !== 5) throw err; // NOT_FOUND
  }
  try {
    await connection.workflowService.registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs(`${retentionDays} days`) });
  } catch (err) {
    if ((err as { code?: number }).code !== 6) throw err; // ALREADY_EXISTS
  }
  // The frontend's namespace cache learns of it within system.namespaceCacheRefreshInterval (2 s).
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      await connection.operatorService.listSearchAttributes({ namespace });
      return;
    } catch (err) {
      if ((err as { code?: number }).code !== 5 || Date.now() > deadline) throw err;
      await sleep(250);
    }
  }
}

/**
 * Until the frontend's namespace cache knows the namespace, a list query on the search attributes
 * runs, and history and matching answer through the frontend (membership has settled).
 */
async function untilReady(address: string, namespace: string): Promise<void> {
  const connection = await Connection.connect({ address });
  const service = connection.workflowService;
  try {
    const deadline = Date.now() + 60_000;
    for (;;) {
      try {
        await service.listWorkflowExecutions({ namespace, pageSize: 1, query: `WorkItemState = 'x' AND SlaBreached = false AND DueAt > '2000-01-01T00:00:00Z'` });
        await service.describeTaskQueue({ namespace, taskQueue: { name: 'readiness-probe' } });
        await service.describeWorkflowExecution({ namespace, execution: { workflowId: 'readiness-probe' } }).catch((err) => {
          if ((err as { code?: number }).code !== 5) throw err; // NOT_FOUND: history answered
        });
        return;
      } catch (err) {
        if (Date.now() > deadline) throw new Error(`namespace ${namespace} not ready within 60 s: ${(err as Error).message}`, { cause: err });
        await sleep(250);
      }
    }
  } finally {
    await connection.close();
  }
}

interface PrivatePostgres {
  url: string;
  stop(): Promise<void>;
}

/**
 * PostgreSQL on `dir` (created by initdb when missing), on a free port of 127.0.0.1, trust auth,
 * user `postgres`. As root, the binaries run as the `postgres` user (initdb and postgres refuse root).
 * `durable: false` turns fsync off (a throwaway server).
 */
async function startPrivatePostgres(dir: string, { durable }: { durable: boolean }): Promise<PrivatePostgres> {
  const bin = postgresBinDir();
  const asRoot = process.getuid?.() === 0;
  const tool = (name: string, args: string[]) => (asRoot ? run('runuser', ['-u', 'postgres', '--', join(bin, name), ...args]) : run(join(bin, name), args));
  const data = join(dir, 'data');
  const sock = join(dir, 'sock');
  mkdirSync(sock, { recursive: true });
  if (asRoot) {
    const [uid, gid] = await Promise.all([run('id', ['-u', 'postgres']), run('id', ['-g', 'postgres'])]).then((r) => r.map((x) => Number(x.stdout.trim())));
    for (const d of [dir, sock]) chownSync(d, uid!, gid!);
  }
  if (!existsSync(join(data, 'PG_VERSION'))) {
    await tool('initdb', ['-D', data, '--auth=trust', '-U', 'postgres', '--encoding=UTF8', '--no-sync']).catch((err) => {
      throw new Error(`initdb failed: ${reason(err)}`);
    });
  }
  const log = join(dir, 'postgres.log');
  const stop = async () => {
    await tool('pg_ctl', ['-D', data, '-m', 'fast', '-w', '-t', '60', 'stop']).catch((err) => {
      throw new Error(`pg_ctl stop failed for ${data}: ${reason(err)}`);
    });
  };
  // Still running from a start that was killed: use it (its port is line 4 of postmaster.pid).
  if (await tool('pg_ctl', ['-D', data, 'status']).then(() => true, () => false)) {
    const port = readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[3]?.trim();
    return { url: `postgres://postgres@127.0.0.1:${port}`, stop };
  }
  // Four services with a pool each on two databases: more than the default 100 connections.
  const settings = ['-c listen_addresses=127.0.0.1', '-c max_connections=300', ...(durable ? [] : ['-c fsync=off', '-c synchronous_commit=off', '-c full_page_writes=off'])];
  const port = await freePort();
  await tool('pg_ctl', ['-D', data, '-l', log, '-w', '-t', '60', '-o', `-p ${port} -k ${sock} ${settings.join(' ')}`, 'start']).catch((err) => {
    throw new Error(`pg_ctl start failed on ${data}: ${reason(err)}\n${tail(log, 5)}`);
  });
  return { url: `postgres://postgres@127.0.0.1:${port}`, stop };
}

/** Directory holding initdb and pg_ctl: PATH first, else the newest /usr/lib/postgresql/N/bin. */
function postgresBinDir(): string {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    if (dir && existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl'))) return dir;
  }
  const base = '/usr/lib/postgresql';
  const versions = existsSync(base) ? readdirSync(base).filter((v) => existsSync(join(base, v, 'bin', 'initdb'))).sort((a, b) => Number(b) - Number(a)) : [];
  if (!versions.length) throw new Error(`PostgreSQL server binaries (initdb, pg_ctl) not found: ${PROVISION}, or pass postgresUrl`);
  return join(base, versions[0]!, 'bin');
}

/** A free port on 127.0.0.1 in 20000-32767, not in `taken` (which it joins). */
async function freeLowPort(taken: Set<number>): Promise<number> {
  for (let i = 0; i < 200; i++) {
    const port = 20_000 + Math.floor(Math.random() * 12_768);
    if (taken.has(port) || !(await portFree(port))) continue;
    taken.add(port);
    return port;
  }
  throw new Error('no free port in 20000-32767 on 127.0.0.1');
}

function portFree(port: number): Promise<boolean> {
  return new Promise((done) => {
    const srv = createServer();
    srv.once('error', () => done(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => done(true)));
  });
}

/** SIGTERM (the server drains and exits), then SIGKILL after `graceMs`. */
async function stopProcess(child: ChildProcess, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/** The file's last lines; a JSON log line as its level, message and error (no stack trace). */
function tail(file: string, lines: number): string {
  if (!existsSync(file)) return '';
  const brief = (line: string) => {
    try {
      const { level, msg, error } = JSON.parse(line) as Record<string, unknown>;
      return `${level}: ${msg}${error ? `: ${error}` : ''}`;
    } catch {
      return line.slice(0, 500);
    }
  };
  return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).map(brief).join('\n');
}

function reason(err: unknown): string {
  const e = err as { stderr?: string; stdout?: string; message?: string };
  return (e.stderr || e.stdout || e.message || String(err)).trim();
}

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));
