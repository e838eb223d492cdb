// The service as a real process for fault tests: `node --import tsx scripts/serve.ts` (what
// `npm run serve` runs) against a given Temporal and PostgreSQL, ready once GET /readyz answers
// 200. It can be killed (SIGKILL) and started again on the same port, task queue and database,
// so that clients keep their base URL across the restart. Its output goes to a log file per
// start, which a failing test can show.

import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../../scripts/tool-paths.js';
import { freePort } from '../../worker/free-port.js';
import type { Fault } from './serve-with-fault.js';
import { TEST_PAYLOAD_KEYS } from './payload-keys.js';

export interface ServiceEnv {
  temporalAddress: string;
  databaseUrl: string;
  adminToken: string;
  taskQueue: string;
  /** Fixed across restarts; a free port when absent. */
  port?: number;
  /** More environment for the process (e.g. SMTP_PORT). */
  extra?: Record<string, string>;
  /** Start test/support/serve-with-fault.ts with this fault instead of scripts/serve.ts. */
  fault?: Fault;
}

export interface ServiceProcess {
  url: string;
  port: number;
  /** The process of the current start (undefined while stopped). */
  pid(): number | undefined;
  /** Starts (again) and resolves once GET /readyz answers 200. */
  start(readyWithinMs?: number): Promise<void>;
  /** SIGKILL: no draining, no cleanup; resolves once the process has exited. */
  kill(): Promise<void>;
  /** SIGSTOP: the process stops where it is (a fault test looks around, then kills or thaws it). */
  freeze(): void;
  /** SIGCONT after `freeze`. */
  thaw(): void;
  /** SIGTERM (graceful), SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
  /** Everything the starts so far wrote (stdout and stderr), one file per start. */
  logs(): string;
  /** What the last `start` saw: each /readyz answer (or error) with its time. */
  readiness(): Array<{ at: number; answer: string }>;
  /** Removes the log files (after stop), unless FAULT_KEEP_LOGS=1. */
  dispose(): void;
}

export async function serviceProcess(env: ServiceEnv): Promise<ServiceProcess> {
  const port = env.port ?? (await freePort());
  const url = `http://127.0.0.1:${port}`;
  const logDir = mkdtempSync(join(tmpdir(), 'workitems-serve-'));
  const logFiles: string[] = [];
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  let readiness: Array<{ at: number; answer: string }> = [];

  const spawnOnce = () => {
    const logFile = join(logDir, `serve-${logFiles.length + 1}.log`);
    logFiles.push(logFile);
    const fd = openSync(logFile, 'a');
    const entry = env.fault ? ['test/support/serve-with-fault.ts', env.fault] : ['scripts/serve.ts'];
    const proc = spawn(process.execPath, ['--import', 'tsx', ...entry], {
      cwd: repoRoot,
      env: {
        ...process.env,
        TEMPORAL_ADDRESS: env.temporalAddress,
        DATABASE_URL: env.databaseUrl,
        ADMIN_TOKEN: env.adminToken,
        PAYLOAD_KEYS: TEST_PAYLOAD_KEYS,
        PORT: String(port),
        HOST: '127.0.0.1',
        TASK_QUEUE: env.taskQueue,
        LOG_LEVEL: 'warn',
        ...env.extra,
      },
      stdio: ['ignore', fd, fd],
    });
    closeSync(fd);
    child = proc;
    exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    void exited.then(() => {
      if (child === proc) child = undefined;
    });
    return proc;
  };

  const service: ServiceProcess = {
    url,
    port,
    pid: () => child?.pid,
    async start(readyWithinMs = 120_000) {
      if (child) throw new Error('the service process is already running');
      const proc = spawnOnce();
      const deadline = Date.now() + readyWithinMs;
      let last = 'no answer yet';
      readiness = [{ at: Date.now(), answer: 'spawned' }];
      const note = (answer: string) => {
        if (readiness[readiness.length - 1]!.answer !== answer) readiness.push({ at: Date.now(), answer });
      };
      for (;;) {
        if (proc.exitCode !== null || proc.signalCode !== null) {
          throw new Error(`the service exited (${proc.exitCode ?? proc.signalCode}) before it was ready:\n${tail(service.logs(), 40)}`);
        }
        try {
          const res = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(30_000) });
          last = `${res.status} ${await res.text()}`;
          note(last);
          if (res.status === 200) return;
        } catch (err) {
          last = String((err as Error).cause ?? err);
          note(last);
        }
        if (Date.now() > deadline) throw new Error(`the service was not ready within ${readyWithinMs} ms (last /readyz: ${last}):\n${tail(service.logs(), 40)}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    async kill() {
      const proc = child;
      if (!proc) return;
      proc.kill('SIGKILL');
      await exited;
    },
    freeze() {
      child?.kill('SIGSTOP');
    },
    thaw() {
      child?.kill('SIGCONT');
    },
    async stop(graceMs = 35_000) {
      const proc = child;
      if (!proc) return;
      proc.kill('SIGCONT'); // in case it was frozen
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
    logs() {
      return logFiles.map((file, i) => `--- start ${i + 1} (${file})\n${safeRead(file)}`).join('\n');
    },
    readiness: () => readiness,
    dispose() {
      if (process.env.FAULT_KEEP_LOGS === '1') return void console.log(`service logs kept in ${logDir}`);
      rmSync(logDir, { recursive: true, force: true });
    },
  };
  return service;
}

function safeRead(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

export function tail(text: string, lines: number): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}
