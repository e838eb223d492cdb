// Starts a throwaway Temporal dev server (Temporal CLI, in-memory SQLite, no UI) for integration
// tests. Uses the provisioned CLI (.tools/bin/temporal) as a child process that is waited for
// while it makes progress (scripts/temporal-dev-server.ts); without one, the SDK downloads and
// starts a CLI (with its own short start deadline).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { startTemporalDevServer } from '../../scripts/temporal-dev-server.js';
import { temporalCliPath } from '../../scripts/tool-paths.js';
import { freePort } from '../../worker/free-port.js';

const log = (line: string) => process.stderr.write(`[temporal-dev-server] ${line}\n`);

export interface DevServer {
  /** host:port of the frontend gRPC endpoint */
  address: string;
  /** Web UI URL; undefined because the UI is not started for tests */
  uiUrl?: string;
  stop(): Promise<void>;
}

export async function startDevServer(): Promise<DevServer> {
  const path = temporalCliPath();
  const extraArgs = ['--sqlite-pragma', 'journal_mode=WAL', '--sqlite-pragma', 'synchronous=OFF'];
  if (path) {
    try {
      const server = await startTemporalDevServer({ path, port: 0, extraArgs, wait: { log, stopGraceMs: 0 } });
      return { address: server.address, stop: server.stop };
    } catch (err) {
      throw new Error(`could not start the Temporal dev server using ${path}: ${(err as Error).message}`, { cause: err });
    }
  }
  let env: TestWorkflowEnvironment;
  try {
    env = await TestWorkflowEnvironment.createLocal({ server: { extraArgs } });
  } catch (err) {
    const how = 'downloading the Temporal CLI (no .tools/bin/temporal; run npm run provision)';
    throw new Error(`could not start the Temporal dev server ${how}: ${(err as Error).message}`, { cause: err });
  }
  return { address: env.address, stop: () => env.teardown() };
}

export interface RestartableDevServer extends DevServer {
  /** The SQLite file the server keeps its state in (kept across `pause`/`resume`). */
  dbFilename: string;
  port: number;
  /** Shuts the server down (its state stays in `dbFilename`). */
  pause(): Promise<void>;
  /** Starts it again on the same database file and port. */
  resume(): Promise<void>;
  /** Whether it is up (started and not paused). */
  running(): boolean;
}

/**
 * A dev server that keeps its state in a SQLite file and can be shut down and started again on
 * the same file and port (fault tests: a Temporal restart). `stop` also removes the file.
 */
export async function startRestartableDevServer(): Promise<RestartableDevServer> {
  const path = temporalCliPath();
  const dir = mkdtempSync(join(tmpdir(), 'workitems-temporal-'));
  const dbFilename = join(dir, 'temporal.sqlite');
  const port = await freePort();
  let env: { teardown(): Promise<void> } | undefined;
  const extraArgs = ['--sqlite-pragma', 'journal_mode=WAL', '--sqlite-pragma', 'synchronous=NORMAL'];
  const start = async () => {
    try {
      env = path
        ? await startTemporalDevServer({ path, port, dbFilename, logLevel: 'error', extraArgs, wait: { log, stopGraceMs: 0 } }).then((s) => ({ teardown: s.stop }))
        : await TestWorkflowEnvironment.createLocal({ server: { dbFilename, port, ip: '127.0.0.1', log: { format: 'pretty', level: 'error' }, extraArgs } });
    } catch (err) {
      const how = path ? `using ${path}` : 'downloading the Temporal CLI (no .tools/bin/temporal; run npm run provision)';
      throw new Error(`could not start the Temporal dev server on ${dbFilename} :${port} ${how}: ${(err as Error).message}`, { cause: err });
    }
  };
  const pause = async () => {
    const current = env;
    env = undefined;
    await current?.teardown();
  };
  try {
    await start();
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    address: `127.0.0.1:${port}`,
    dbFilename,
    port,
    pause,
    resume: async () => {
      if (env) throw new Error('the Temporal dev server is already running');
      await start();
    },
    running: () => env !== undefined,
    stop: async () => {
      await pause().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
