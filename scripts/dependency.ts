// A dependency run as a child process (the Temporal dev server, the time-skipping test server,
// Mailpit) and the wait for it to be ready. The wait has no short deadline: it lasts while the
// process is alive and making progress (CPU time used, output written), up to a generous ceiling,
// logging what it waits for every few seconds. It gives up when the process exits, says a port is
// taken (PortInUseError, so that the caller can retry on other ports), or makes no progress for a while.

import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';

export interface DependencyOptions {
  /** For messages: "Temporal dev server". */
  name: string;
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  /** For messages: "to answer on 127.0.0.1:7233". */
  waitingFor: string;
  /** Whether it is ready; called over and over until it says so. A rejection counts as not yet. */
  ready: () => Promise<boolean>;
  /** Progress lines ("still waiting ..."). */
  log: (line: string) => void;
  /** Where its output goes (default: this process's stderr). */
  output?: (chunk: Buffer) => void;
  /** Gives up after this long without progress (default 60 s). */
  stallMs?: number;
  /** Gives up after this long in any case (default 5 min). */
  timeoutMs?: number;
  /** A "still waiting" line this often (default 5 s). */
  reportEveryMs?: number;
  /** stop(): SIGTERM, then SIGKILL after this long (default 10 s); 0 sends SIGKILL at once. */
  stopGraceMs?: number;
}

export const DEFAULT_STALL_MS = 60_000;
export const DEFAULT_TIMEOUT_MS = 300_000;

/** Why a dependency did not become ready; `detail` is the message without the name, `output` the end of what it printed. */
export class DependencyError extends Error {
  constructor(
    readonly dependency: string,
    readonly detail: string,
    readonly output: string,
  ) {
    super(`${dependency} ${detail}`);
  }
}

/** The dependency could not listen: a port it was given (or picked itself) is taken. */
export class PortInUseError extends DependencyError {}

export interface RunningDependency {
  child: ChildProcess;
  /** Its output so far (the last 16 KB). */
  outputTail(): string;
  /** Resolves when it has exited, with how ("code 1", "signal SIGKILL"). */
  exited: Promise<string>;
  /** Stops it (see stopGraceMs); safe to call more than once, and before it is ready. */
  stop(): Promise<void>;
}

// The words a server prints when a port it wants is taken: Go ("bind: address already in use"),
// Java/Netty ("Address already in use"), Node (EADDRINUSE).
const PORT_IN_USE = /address already in use|EADDRINUSE/i;
const TAIL_BYTES = 16_384;

/**
 * Starts `command` and waits until `ready()` says so. `onSpawn` gets the running process at once,
 * so that a Ctrl-C during the wait can stop it. On failure the process is stopped and the promise
 * rejects with a DependencyError (a PortInUseError when its output says a port is taken).
 */
export async function startDependency(options: DependencyOptions, onSpawn?: (dependency: RunningDependency) => void): Promise<RunningDependency> {
  const running = spawnDependency(options);
  onSpawn?.(running.dependency);
  try {
    await waitForDependency(options, running);
  } catch (err) {
    await running.dependency.stop();
    throw err;
  }
  return running.dependency;
}

interface Spawned {
  dependency: RunningDependency;
  outputBytes(): number;
  /** Resolves when it exits or says that a port is taken. */
  failed: Promise<void>;
}

function spawnDependency(options: DependencyOptions): Spawned {
  const child = spawn(options.command, options.args, { env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let tail = '';
  let bytesOut = 0;
  let portInUse: () => void = () => undefined;
  const portTaken = new Promise<void>((resolve) => (portInUse = resolve));
  const output = options.output ?? ((chunk: Buffer) => process.stderr.write(chunk));
  const take = (chunk: Buffer) => {
    bytesOut += chunk.length;
    tail = (tail + chunk.toString('utf8')).slice(-TAIL_BYTES);
    if (PORT_IN_USE.test(tail)) portInUse();
    output(chunk);
  };
  child.stdout!.on('data', take);
  child.stderr!.on('data', take);
  const exited = new Promise<string>((resolve) => {
    child.on('error', (err) => resolve(`could not be started: ${err.message}`)); // ENOENT, EACCES
    child.once('exit', (code, signal) => {
      const how = signal ? `signal ${signal}` : `code ${code}`;
      // Its last output (the reason, often) is read by 'close'; unless a grandchild holds the pipes.
      const timer = setTimeout(() => resolve(how), 500);
      child.once('close', () => {
        clearTimeout(timer);
        resolve(how);
      });
    });
  });
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
      const grace = options.stopGraceMs ?? 10_000;
      child.kill(grace > 0 ? 'SIGTERM' : 'SIGKILL');
      const timer = grace > 0 ? setTimeout(() => child.kill('SIGKILL'), grace) : undefined;
      await exited;
      clearTimeout(timer);
    })());
  return {
    dependency: { child, exited, stop, outputTail: () => tail },
    outputBytes: () => bytesOut,
    failed: Promise.race([exited.then(() => undefined), portTaken]),
  };
}

/** The wait of startDependency: see the top of this file. */
async function waitForDependency(options: DependencyOptions, { dependency: running, outputBytes, failed }: Spawned): Promise<void> {
  const { name, waitingFor, log } = options;
  const stallMs = options.stallMs ?? DEFAULT_STALL_MS;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const reportEveryMs = options.reportEveryMs ?? 5_000;
  let exit: string | undefined;
  void running.exited.then((how) => (exit = how));

  const started = Date.now();
  let lastProgress = started;
  let lastCpu = running.child.pid === undefined ? undefined : processTreeCpuMs(running.child.pid);
  let lastOutput = 0;
  let lastSample = started;
  let lastReport = started;
  const seconds = (ms: number) => `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
  const fail = (Kind: typeof DependencyError, message: string) => {
    const tail = running.outputTail().trim();
    return new Kind(name, `${message}${tail ? `; its last output:\n${lastLines(tail, 10)}` : ''}`, tail);
  };

  const checkFailed = () => {
    if (PORT_IN_USE.test(running.outputTail())) {
      throw fail(PortInUseError, `could not listen, a port is taken (after ${seconds(Date.now() - started)})`);
    }
    if (exit !== undefined) {
      throw fail(DependencyError, `${exit.startsWith('could not') ? exit : `exited (${exit})`} before it was ready, after ${seconds(Date.now() - started)}`);
    }
  };
  // A readiness check that takes long (a slow first answer) is left running while the wait goes on.
  let check: Promise<boolean> | undefined;
  for (let pause = 50; ; pause = Math.min(pause * 2, 500)) {
    checkFailed();
    check ??= options.ready().catch(() => false);
    let timer: NodeJS.Timeout | undefined;
    const aSecond = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), 1_000)));
    const ready = await Promise.race([check, failed.then(() => false), aSecond]);
    clearTimeout(timer);
    if (ready !== undefined) check = undefined;
    // Checked again: what answered may be another process on a port this one failed to take.
    checkFailed();
    if (ready) {
      if (Date.now() - started > reportEveryMs) log(`${name} is ready after ${seconds(Date.now() - started)}`);
      return;
    }
    const now = Date.now();
    if (now - lastSample >= 1_000) {
      lastSample = now;
      const cpu = running.child.pid === undefined ? undefined : processTreeCpuMs(running.child.pid);
      const bytes = outputBytes();
      // Without /proc (not Linux) a process that is alive counts as making progress.
      if (cpu === undefined || lastCpu === undefined || cpu > lastCpu || bytes > lastOutput) lastProgress = now;
      lastCpu = cpu;
      lastOutput = bytes;
      if (now - lastProgress >= stallMs) {
        throw fail(DependencyError, `is not ready ${waitingFor} and has made no progress (no CPU time used, no output) for ${seconds(now - lastProgress)}; it seems stuck`);
      }
      if (now - started >= timeoutMs) {
        throw fail(DependencyError, `is still not ready ${waitingFor} after ${seconds(now - started)} (the limit), although it is running`);
      }
      if (now - lastReport >= reportEveryMs) {
        lastReport = now;
        const busy = cpu === undefined ? 'running' : `running, ${seconds(cpu)} of CPU so far`;
        log(`waiting for the ${name} ${waitingFor}: ${seconds(now - started)} so far (${busy}, ${outputBytes()} bytes of output)`);
      }
    }
    if (ready === false) await new Promise((resolve) => setTimeout(resolve, pause));
  }
}

function lastLines(text: string, count: number): string {
  return text
    .split('\n')
    .slice(-count)
    .map((line) => `  | ${line}`)
    .join('\n');
}

/**
 * CPU time (user + system, ms) used so far by process `pid` and its descendants, from /proc;
 * undefined where there is no /proc (not Linux) or the process is gone.
 */
export function processTreeCpuMs(pid: number): number | undefined {
  const stat = readStat(pid);
  if (!stat) return undefined;
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return stat.cpuMs;
  }
  const byParent = new Map<number, number[]>();
  const cpu = new Map<number, number>();
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const s = readStat(Number(entry));
    if (!s) continue;
    cpu.set(Number(entry), s.cpuMs);
    byParent.set(s.ppid, [...(byParent.get(s.ppid) ?? []), Number(entry)]);
  }
  let total = 0;
  const queue = [pid];
  for (let next = queue.pop(); next !== undefined; next = queue.pop()) {
    total += next === pid ? stat.cpuMs : (cpu.get(next) ?? 0);
    queue.push(...(byParent.get(next) ?? []));
  }
  return total;
}

function readStat(pid: number): { ppid: number; cpuMs: number } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // "pid (comm) state ppid ... utime stime cutime cstime ...": fields after the command's ')'.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
    return { ppid: Number(fields[1]), cpuMs: ticks * 10 }; // USER_HZ is 100 on Linux
  } catch {
    return undefined;
  }
}

/** Whether something accepts TCP connections on host:port. */
export function tcpOpen(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, host, () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * Calls `start` up to `attempts` times while it fails with a PortInUseError; `start` picks its
 * free ports afresh on each call (it is told the attempt number).
 */
export async function retryOnPortInUse<T>(name: string, log: (line: string) => void, start: (attempt: number) => Promise<T>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start(attempt);
    } catch (err) {
      if (!(err instanceof PortInUseError) || attempt >= attempts) throw err;
      log(`${name}: a port was taken as it started (attempt ${attempt} of ${attempts}); starting it again on other ports`);
    }
  }
}
