// Shared by scripts/start.ts (`npm start`) and scripts/serve.ts (`npm run serve`): reading
// environment variables, cleanup steps run in reverse order, SIGINT/SIGTERM handling (the first
// signal stops gracefully and exits 0, a second one forces the exit), startup-failure reporting,
// checking a port is free before starting, and retrying a dependency until it answers.

import { createServer } from 'node:net';
import { Runtime, type RuntimeOptions } from '@temporalio/worker';

/** A startup failure: which part failed, and what the user can do about it. */
export class StartupError extends Error {
  constructor(
    readonly part: string,
    message: string,
    readonly hint?: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** The variable's value, or undefined when unset or blank. */
export function env(name: string): string | undefined {
  const value = process.env[name]?.trim();
  return value ? value : undefined;
}

export function requireEnv(name: string, hint: string): string {
  const value = env(name);
  if (!value) throw new StartupError('configuration', `${name} is not set`, hint);
  return value;
}

export function envPort(name: string, fallback: number): number {
  const raw = env(name);
  if (raw === undefined) return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new StartupError('configuration', `${name}=${raw} is not a port number`, `set ${name} to an integer from 0 to 65535`);
  }
  return port;
}

export function log(message: string): void {
  process.stderr.write(`[${new Date().toISOString()}] ${message}\n`);
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Stops what has been started, newest first; a failing step is logged and the rest still run. */
export class Cleanup {
  private readonly steps: { name: string; stop: () => Promise<void> }[] = [];
  private running?: Promise<void>;

  add(name: string, stop: () => Promise<void>): void {
    this.steps.push({ name, stop });
  }

  run(): Promise<void> {
    this.running ??= (async () => {
      for (let step = this.steps.pop(); step; step = this.steps.pop()) {
        try {
          await step.stop();
          log(`stopped ${step.name}`);
        } catch (err) {
          log(`could not stop ${step.name} cleanly: ${errorMessage(err)}`);
        }
      }
    })();
    return this.running;
  }
}

/**
 * First SIGINT/SIGTERM: run the cleanup and exit 0 (1 if it takes longer than `graceMs`).
 * Another signal, a second or more later, exits at once.
 */
export function stopOnSignals(cleanup: Cleanup, graceMs = 30_000, runtime: Omit<RuntimeOptions, 'shutdownSignals'> = {}): void {
  // The Temporal runtime would otherwise shut the workers down on these signals by itself, racing
  // the ordered cleanup (service.stop() then fails with "Not running"). Must run before anything
  // touches the Temporal runtime; `runtime` adds the rest of its options (the worker's metrics).
  Runtime.install({ ...runtime, shutdownSignals: [] });
  let stoppingSince = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stoppingSince) {
      // One Ctrl-C can arrive twice: from the terminal and relayed by a wrapper (tsx).
      if (Date.now() - stoppingSince < 1_000) return;
      log(`${signal} again: exiting without finishing the cleanup`);
      process.exit(130);
    }
    stoppingSince = Date.now();
    log(`${signal}: stopping (send it again to force)`);
    setTimeout(() => {
      log(`still stopping after ${graceMs / 1000} s: giving up`);
      process.exit(1);
    }, graceMs).unref();
    void cleanup.run().then(() => process.exit(0));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

/** Reports a startup failure (which part, why, what to do), stops what already started, exits 1. */
export async function failStartup(err: unknown, cleanup: Cleanup): Promise<never> {
  if (err instanceof StartupError) {
    log(`startup failed: ${err.part}: ${err.message}`);
    const cause = err.cause === undefined ? undefined : errorMessage(err.cause);
    if (cause && !err.message.includes(cause)) log(`  cause: ${cause}`);
    if (err.hint) log(`  hint: ${err.hint}`);
  } else {
    log(`startup failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  }
  await cleanup.run();
  process.exit(1);
}

/** Calls `attempt` until it succeeds or `timeoutMs` has passed, logging a line per failed attempt. */
export async function retry<T>(
  what: string,
  attempt: () => Promise<T>,
  { timeoutMs = 60_000, intervalMs = 2_000, hint }: { timeoutMs?: number; intervalMs?: number; hint?: string } = {},
): Promise<T> {
  const started = Date.now();
  for (let n = 1; ; n++) {
    try {
      const result = await attempt();
      log(`${what}: connected${n > 1 ? ` after ${n} attempts` : ''}`);
      return result;
    } catch (err) {
      const elapsed = Date.now() - started;
      log(`${what}: attempt ${n} failed after ${(elapsed / 1000).toFixed(1)} s: ${errorMessage(err)}`);
      if (elapsed + intervalMs > timeoutMs) {
        throw new StartupError(what, `not reachable within ${timeoutMs / 1000} s`, hint, { cause: err });
      }
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  }
}

/** Fails early, before anything is started, when a port is taken. */
export function assertPortFree(part: string, host: string, port: number, hint: string): Promise<void> {
  if (port === 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (err) => reject(new StartupError(part, `cannot listen on ${host}:${port}: ${errorMessage(err)}`, hint, { cause: err })));
    probe.listen(port, host, () => probe.close(() => resolve()));
  });
}
