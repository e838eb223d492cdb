// The Temporal dev server (`temporal server start-dev`) and the time-skipping test server, run as
// child processes of our own rather than through the SDK's TestWorkflowEnvironment: the SDK's
// start gives a server 5 s to answer (sdk-core's ephemeral_server: 50 tries 100 ms apart), and its
// client 10 s more to connect, neither of which can be changed; a busy machine needs longer. Here
// the wait lasts while the server makes progress (scripts/dependency.ts), and a start that finds a
// port taken is tried again on other ports.

import { Connection, type InternalConnectionOptions, InternalConnectionOptionsSymbol } from '@temporalio/client/lib/connection.js';
import { msToTs, tsToMs } from '@temporalio/common/lib/time.js';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { freePort } from '../worker/free-port.js';
import { type DependencyOptions, retryOnPortInUse, type RunningDependency, startDependency, tcpOpen } from './dependency.js';

export interface TemporalServer {
  /** host:port of its gRPC frontend */
  address: string;
  port: number;
  /** Web UI port (dev server with a UI only) */
  uiPort?: number;
  /** The running process (its `exited` resolves when it ends). */
  process: RunningDependency;
  stop(): Promise<void>;
}

export interface DevServerOptions {
  /** The Temporal CLI. */
  path: string;
  /** gRPC port; 0: a free one. */
  port: number;
  /** UI port; 0: a free one; undefined: no UI (--headless). */
  uiPort?: number;
  dbFilename?: string;
  namespace?: string;
  /** `--log-level` (default warn). */
  logLevel?: string;
  extraArgs?: string[];
  /** The free-port picker (for tests: one that returns a taken port). */
  pickPort?: () => Promise<number>;
  /** Gets a stop function as soon as a process is started, so that it can be stopped during the wait. */
  onSpawn?: (stop: () => Promise<void>) => void;
  wait: Pick<DependencyOptions, 'log' | 'output' | 'stallMs' | 'timeoutMs' | 'reportEveryMs' | 'stopGraceMs'>;
}

const name = 'Temporal dev server';

/** Starts `temporal server start-dev` on 127.0.0.1 and waits until its namespace answers. */
export async function startTemporalDevServer(options: DevServerOptions): Promise<TemporalServer> {
  const pickPort = options.pickPort ?? freePort;
  const namespace = options.namespace ?? 'default';
  let current: RunningDependency | undefined;
  options.onSpawn?.(async () => current?.stop());
  // The dev server also picks a few ports of its own (history, matching, metrics...): a clash
  // there is retried too, on the same ports when they were given.
  return retryOnPortInUse(name, options.wait.log, async () => {
    const port = options.port || (await pickPort());
    const uiPort = options.uiPort === 0 ? await pickPort() : options.uiPort;
    const address = `127.0.0.1:${port}`;
    // The same settings as the SDK's dev server (sdk-core's ephemeral_server).
    const args = [
      ...['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(port), '--namespace', namespace],
      ...['--log-format', 'pretty', '--log-level', options.logLevel ?? 'warn'],
      ...['--dynamic-config-value', 'frontend.enableServerVersionCheck=false'],
      ...['--dynamic-config-value', 'frontend.enableUpdateWorkflowExecution=true'],
      ...['--dynamic-config-value', 'frontend.enableUpdateWorkflowExecutionAsyncAccepted=true'],
      ...(options.dbFilename ? ['--db-filename', options.dbFilename] : []),
      ...(uiPort ? ['--ui-port', String(uiPort)] : ['--headless']),
      ...(options.extraArgs ?? []),
    ];
    const probe = answers(address, (connection) => connection.workflowService.describeNamespace({ namespace }));
    try {
      const running = await startDependency(
        { ...options.wait, name, command: options.path, args, waitingFor: `to answer on ${address}`, ready: probe.ready },
        (started) => (current = started),
      );
      return { address, port, ...(uiPort ? { uiPort } : {}), process: running, stop: running.stop };
    } finally {
      await probe.close();
    }
  });
}

export interface TestServerOptions {
  /** The time-skipping test server (.tools/bin/temporal-test-server). */
  path: string;
  /** gRPC port; 0: a free one. */
  port: number;
  pickPort?: () => Promise<number>;
  onSpawn?: (stop: () => Promise<void>) => void;
  wait: DevServerOptions['wait'];
}

/** Starts Temporal's time-skipping test server and waits until it answers. */
export async function startTemporalTestServer(options: TestServerOptions): Promise<TemporalServer> {
  const pickPort = options.pickPort ?? freePort;
  let current: RunningDependency | undefined;
  options.onSpawn?.(async () => current?.stop());
  const testName = 'Temporal time-skipping test server';
  return retryOnPortInUse(testName, options.wait.log, async () => {
    const port = options.port || (await pickPort());
    const address = `127.0.0.1:${port}`;
    const probe = answers(address, (connection) => connection.testService!.getCurrentTime({}), true);
    try {
      // Java: it keeps running after it failed to bind, so the wait's look at its output matters here.
      const running = await startDependency(
        { ...options.wait, name: testName, command: options.path, args: [String(port)], waitingFor: `to answer on ${address}`, ready: probe.ready },
        (started) => (current = started),
      );
      return { address, port, process: running, stop: running.stop };
    } finally {
      await probe.close();
    }
  });
}

/** What SkippingClock needs of a time-skipping server: its clock, and a skip. */
export async function timeSkippingClockSource(address: string): Promise<{ env: Pick<TestWorkflowEnvironment, 'sleep' | 'currentTimeMs'>; close(): Promise<void> }> {
  const connection = await Connection.connect({ ...withTestService(address, true), connectTimeout: '1 minute' }); // it answers already; the machine may be slow
  const testService = connection.testService!;
  return {
    env: {
      sleep: async (duration) => void (await testService.unlockTimeSkippingWithSleep({ duration: msToTs(duration) })),
      currentTimeMs: async () => tsToMs((await testService.getCurrentTime({})).time),
    },
    close: () => connection.close(),
  };
}

/** A readiness probe: the port is open, then `call` answers within 5 s. */
function answers(address: string, call: (connection: Connection) => Promise<unknown>, testService = false): { ready: () => Promise<boolean>; close: () => Promise<void> } {
  const port = Number(address.split(':')[1]);
  let connection: Connection | undefined;
  const aborts = new AbortController();
  let inFlight: Promise<unknown> = Promise.resolve();
  return {
    ready: async () => {
      if (!(await tcpOpen(port))) return false;
      connection ??= Connection.lazy(withTestService(address, testService));
      const conn = connection;
      inFlight = conn.withAbortSignal(aborts.signal, () => conn.withDeadline(Date.now() + 5_000, () => call(conn)));
      await inFlight;
      return true;
    },
    // A call still under way (its wait gave up on it) is cancelled, and closed after.
    close: async () => {
      aborts.abort();
      await inFlight.catch(() => undefined);
      await connection?.close().catch(() => undefined);
    },
  };
}

/** Connection options with the SDK's (internal) switch for the test service, as TestWorkflowEnvironment sets it. */
function withTestService(address: string, supportsTestService: boolean): InternalConnectionOptions {
  return { address, [InternalConnectionOptionsSymbol]: { supportsTestService } };
}
