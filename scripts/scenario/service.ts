// The service a scenario runs against: SCENARIO_API_URL + SCENARIO_ADMIN_TOKEN when set (checked
// to be in time-skipping mode), else one started here as a child process, as `TIME_SKIPPING=1 npm
// start` on free ports with a throwaway DATA_DIR, its output in a log file; stopped with SIGINT.
// A start that finds one of its ports taken meanwhile is tried again on other ports.

import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../tool-paths.js';
import { freePort } from '../../worker/free-port.js';

export interface ScenarioService {
  url: string;
  adminToken: string;
  /** Where the service's output goes (started here only). */
  logFile?: string;
  /** Seconds it took to be ready (started here only). */
  startupSeconds?: number;
  stop(options?: { keepLog?: boolean }): Promise<void>;
}

/** Answers whether the API at `url` is in time-skipping mode; throws with a sentence when not. */
export async function checkTimeSkipping(url: string, adminToken: string): Promise<void> {
  let status: number;
  try {
    status = (await fetch(`${url}/v1/test/clock`, { headers: { authorization: `Bearer ${adminToken}` } })).status;
  } catch (err) {
    throw new Error(`nothing answers at SCENARIO_API_URL=${url} (${(err as Error).message}); start the service with TIME_SKIPPING=1 npm start, or unset SCENARIO_API_URL`);
  }
  if (status === 404) throw new Error(`the service at ${url} is not in time-skipping mode (GET /v1/test/clock answered 404): start it with TIME_SKIPPING=1 npm start`);
  if (status !== 200) throw new Error(`GET ${url}/v1/test/clock answered ${status}${status === 401 ? ': check SCENARIO_ADMIN_TOKEN' : ''}`);
}

export async function connectOrStart(log: (line: string) => void): Promise<ScenarioService> {
  const url = process.env.SCENARIO_API_URL?.trim();
  const token = process.env.SCENARIO_ADMIN_TOKEN?.trim();
  if (url && token) {
    const base = url.replace(/\/+$/, '');
    await checkTimeSkipping(base, token);
    log(`using the service at ${base} (SCENARIO_API_URL)`);
    return { url: base, adminToken: token, stop: async () => undefined };
  }
  if (url || token) throw new Error('set both SCENARIO_API_URL and SCENARIO_ADMIN_TOKEN to use a running service, or neither to let the runner start one');
  return startService(log);
}

/**
 * Starts `TIME_SKIPPING=1 npm start` on free ports; when it cannot listen because a port was taken
 * in the meantime (by another process), starts it again on other ports, up to three times.
 * `pickPort` is for tests.
 */
export async function startService(log: (line: string) => void, pickPort: () => Promise<number> = freePort): Promise<ScenarioService> {
  const started = Date.now();
  const dir = mkdtempSync(join(tmpdir(), 'work-items-scenario-'));
  for (let attempt = 1; ; attempt++) {
    const logFile = join(dir, attempt === 1 ? 'service.log' : `service-${attempt}.log`);
    const [port, pglitePort] = [await pickPort(), await pickPort()];
    const adminToken = `scenario-${randomBytes(16).toString('hex')}`;
    const url = `http://127.0.0.1:${port}`;
    log(`starting the service in time-skipping mode on ${url} (log: ${logFile}) ...`);
    const out = createWriteStream(logFile);
    const child = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'scripts/start.ts')], {
      cwd: repoRoot,
      env: {
        ...process.env,
        TIME_SKIPPING: '1',
        DATA_DIR: join(dir, 'data'),
        PORT: String(port),
        HOST: '127.0.0.1',
        TEMPORAL_PORT: '0',
        PGLITE_PORT: String(pglitePort),
        SMTP_PORT: '0',
        MAILPIT_SMTP_PORT: '0',
        MAILPIT_UI_PORT: '0',
        ADMIN_TOKEN: adminToken,
        LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
        SMTP_URL: '', // never a real relay: start.ts runs its mail catcher
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const keep = (chunk: Buffer) => void (output = (output + chunk.toString('utf8')).slice(-16_384));
    child.stdout!.on('data', keep).pipe(out);
    child.stderr!.on('data', keep).pipe(out);
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

    const stop = async ({ keepLog = false } = {}) => {
      await stopChild(child, exited);
      out.end();
      rmSync(join(dir, 'data'), { recursive: true, force: true });
      if (!keepLog) rmSync(dir, { recursive: true, force: true });
    };
    try {
      await waitReady(url, child, 300_000);
    } catch (err) {
      const clash = /EADDRINUSE|address already in use/i.test(output);
      await stop({ keepLog: true });
      if (clash && attempt < 3) {
        log(`a port was taken as the service started (attempt ${attempt} of 3); starting it again on other ports`);
        continue;
      }
      throw new Error(`${(err as Error).message}; see ${logFile}`);
    }
    const startupSeconds = (Date.now() - started) / 1000;
    log(`service ready in ${startupSeconds.toFixed(1)} s`);
    return { url, adminToken, logFile, startupSeconds, stop };
  }
}

async function stopChild(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGINT'); // the service stops what it started (scripts/process-lifecycle.ts)
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  await exited;
  clearTimeout(timer);
}

async function waitReady(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let pause = 100; ; pause = Math.min(pause * 2, 1000)) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`the service exited (${child.exitCode ?? child.signalCode}) before it was ready`);
    const ready = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(5_000) }).then((r) => r.ok, () => false);
    if (ready) return;
    if (Date.now() > deadline) throw new Error(`the service was not ready after ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, pause));
  }
}
