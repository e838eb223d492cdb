// A minimal reproduction of the nondeterminism of README.md: one workflow
// (reproduction-workflow.ts: a timer, then one command), one Query, one Update, two workers in
// this process, and the Temporal dev server the repo provisions (.tools/bin/temporal, see
// scripts/provision.sh; TEMPORAL_ADDRESS=host:port uses a running server instead).
//
//   npx tsx test/faults/nondeterminism/reproduce.ts               the SDK as it is
//   npx tsx test/faults/nondeterminism/reproduce.ts --with-guard  with the service's run guard
//                                                                 (workflows/interceptors.ts)
//   ATTEMPTS=5 (default), TIMER_MS=2000 (default)
//
// Each attempt: worker A runs the workflow until its timer is started, then shuts down. With no
// worker polling, a Query is sent (it waits), the timer fires (the history ends TimerFired,
// WorkflowTaskScheduled), an Update is sent (it waits). Worker B starts and takes the Query and
// the workflow task, in whichever order the server hands them out (most often the Query first).
// Then the history is replayed on the same code: "NONDETERMINISM" marks a history the code does
// not replay. Exits 1 when an attempt's history does not replay.
import { randomUUID } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import proto from '@temporalio/proto';
import type { temporal } from '@temporalio/proto';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Runtime, Worker, type LogEntry } from '@temporalio/worker';
import { temporalCliPath } from '../../../scripts/tool-paths.js';
import { historyToJSON } from '../../support/history.js';
import { startDevServer } from '../../support/temporal-dev-server.js';
import { addEntryUpdate, entriesQuery, waitUntilThenUpdate } from './reproduction-workflow.js';

const withGuard = process.argv.includes('--with-guard');
const ATTEMPTS = Number(process.env.ATTEMPTS ?? 5);
const TIMER_MS = Number(process.env.TIMER_MS ?? 2_000);
const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const version = (pkg: string) => (JSON.parse(readFileSync(here(`../../../node_modules/${pkg}/package.json`), 'utf8')) as { version: string }).version;
const coreVersion = /^version = "(.+)"/m.exec(readFileSync(here('../../../node_modules/@temporalio/core-bridge/sdk-core/crates/sdk-core/Cargo.toml'), 'utf8'))?.[1];

// The workers' own warnings and errors, one line each (the guard's refusal shows here).
Runtime.install({
  logger: new DefaultLogger('WARN', (entry: LogEntry) => {
    const error = (entry.meta as { error?: { message?: string }; failure?: string } | undefined)?.error?.message ?? (entry.meta as { failure?: string } | undefined)?.failure ?? '';
    console.log(`    [worker ${entry.level}] ${entry.message}${error ? `: ${String(error).slice(0, 300)}` : ''}`);
  }),
});

const server = process.env.TEMPORAL_ADDRESS ? undefined : await startDevServer();
const address = process.env.TEMPORAL_ADDRESS ?? server!.address;
const [connection, native] = await Promise.all([Connection.connect({ address }), NativeConnection.connect({ address })]);
const client = new Client({ connection });
const info = await connection.workflowService.getSystemInfo({});
const cli = temporalCliPath();
console.log(`@temporalio/worker ${version('@temporalio/worker')} (sdk-core ${coreVersion}), @temporalio/client ${version('@temporalio/client')}, Node ${process.version}`);
console.log(`Temporal server ${info.serverVersion} at ${address}${server && cli ? ` (dev server: ${execFileSync(cli, ['--version'], { encoding: 'utf8' }).trim()})` : ''}`);
console.log(withGuard ? 'With the run guard (workflows/interceptors.ts in the bundle)' : 'The SDK as it is (no interceptor)');

const workflowsPath = here('./reproduction-workflow.ts');
const bundle = await bundleWorkflowCode({
  workflowsPath,
  workflowInterceptorModules: withGuard ? [here('../../../workflows/interceptors.ts')] : [],
  logger: new DefaultLogger('WARN'),
});
const eventName = (e: temporal.api.history.v1.IHistoryEvent) => (proto.temporal.api.enums.v1.EventType[e.eventType ?? 0] ?? String(e.eventType)).replace(/^EVENT_TYPE_/, '');
const until = async (what: string, check: () => Promise<boolean>) => {
  for (const end = Date.now() + 30_000; Date.now() < end; await new Promise((r) => setTimeout(r, 50))) if (await check()) return;
  throw new Error(`timed out waiting for ${what}`);
};
/** The outcome of a call: its value, or its error's message (with its cause's, as for a failed Update). */
const settle = <T>(p: Promise<T>) =>
  p.then(
    (value) => ({ value }),
    (error: Error) => ({ error: [error.message, (error.cause as Error | undefined)?.message].filter(Boolean).join(': ') }),
  );

let failures = 0;
for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
  const taskQueue = `repro-${randomUUID()}`;
  const workflowId = `repro-${attempt}-${randomUUID().slice(0, 6)}`;
  const newWorker = () => Worker.create({ connection: native, taskQueue, workflowBundle: bundle });
  const events = async () => (await client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];

  // Worker A runs the workflow until its timer is started, then goes away.
  const workerA = await newWorker();
  const runA = workerA.run();
  const handle = await client.workflow.start(waitUntilThenUpdate, { taskQueue, workflowId, args: [Date.now() + TIMER_MS] });
  await until('the timer to start', async () => (await events()).some((e) => e.timerStartedEventAttributes));
  workerA.shutdown();
  await runA;

  // No worker polls: a Query waits, the timer fires, an Update waits.
  const query = settle(handle.query(entriesQuery));
  await until('the timer to fire', async () => (await events()).some((e) => e.timerFiredEventAttributes));
  const update = settle(handle.executeUpdate(addEntryUpdate, { args: ['an entry'] }));

  // Worker B takes both.
  const workerB = await newWorker();
  const outcome = await workerB.runUntil(async () => {
    const queried = await query;
    const updated = await update;
    // A refused Query is sent again, as a caller would; so is an Update that the task which took
    // it completed without handing it to the code (UnprocessedUpdate: it changed nothing).
    const again = 'error' in queried ? await settle(handle.query(entriesQuery)) : undefined;
    const updatedAgain = 'error' in updated ? await settle(handle.executeUpdate(addEntryUpdate, { args: ['an entry'] })) : undefined;
    return { queried, updated, again, updatedAgain };
  });
  const history = await handle.fetchHistory();
  await handle.terminate('reproduction over');
  const replay = await settle(Worker.runReplayHistory({ workflowBundle: bundle }, history, workflowId));

  const list = history.events ?? [];
  const fired = list.findIndex((e) => e.timerFiredEventAttributes);
  const completed = list.findIndex((e, i) => i > fired && e.workflowTaskCompletedEventAttributes);
  const show = (r: { value?: unknown; error?: string }) => ('error' in r ? `failed: ${r.error}` : `answered ${JSON.stringify(r.value)}`);
  console.log(`\nattempt ${attempt} (${workflowId})`);
  console.log(`  the Query:  ${show(outcome.queried)}`);
  if ('value' in outcome.queried) {
    const entries = outcome.queried.value as string[];
    console.log(
      `              ${
        !entries.includes('due')
          ? "answered from the Query's own history: the code ran through the fired timer on the previous task's clock (the instant not passed) and armed the timer again"
          : !entries.includes('an entry')
            ? 'answered after a task that took the fired timer but not the Update'
            : 'answered after the workflow task (the order this reproduction does not need)'
      }`,
    );
  }
  if (outcome.again) console.log(`  sent again: ${show(outcome.again)}`);
  console.log(`  the Update: ${show(outcome.updated)}`);
  if (outcome.updatedAgain) console.log(`  sent again: ${show(outcome.updatedAgain)}`);
  const sent = list.slice(completed + 1).map(eventName);
  const nextTask = sent.findIndex((n) => /^WORKFLOW_TASK|TERMINATED|TIMER_FIRED/.test(n));
  console.log(`  the first task after TimerFired sent: ${sent.slice(0, nextTask < 0 ? undefined : nextTask).join(', ') || 'nothing'}`);
  console.log(`  replay:     ${'error' in replay ? `NONDETERMINISM: ${replay.error}` : 'replays'}`);
  if ('error' in replay) {
    failures++;
    const file = join(tmpdir(), `${workflowId}.history.json`);
    writeFileSync(file, historyToJSON(history));
    console.log(`  its history: ${file}`);
  }
}

console.log(`\n${ATTEMPTS - failures} of ${ATTEMPTS} histories replay${failures ? `; ${failures} do not (nondeterminism)` : ''}.`);
await native.close();
await connection.close();
await server?.stop();
process.exit(failures ? 1 : 0);
