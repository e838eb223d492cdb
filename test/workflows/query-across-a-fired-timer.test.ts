// R17 (a `wait until` ends at its instant, a durable timer) when a Query reaches a worker that did not own the item
// while the wait's timer has fired and no workflow task has run since.
//
// The worker answers such a Query from a history that ends with the timer's TimerFired, so the
// SDK runs the item's code through that timer with the clock of the *previous* workflow task. Code
// that decides "is the wait over?" from that clock thinks it is not, arms the timer again, and the
// SDK kept that run and sent that command in the real workflow task: a history the same code
// cannot replay (found by the two-replica fault run; see test/faults/nondeterminism/README.md).
// The run guard (workflows/interceptors.ts) refuses the Query, which drops the run. Here the same
// sequence runs on the dev server: worker A owns the item and stops, the Query waits on the task
// queue while the timer fires, then worker B starts and takes both (the Query first in most runs;
// the test prints which). Without the guard it fails whenever the Query comes first.
import { randomUUID } from 'node:crypto';
import { Worker } from '@temporalio/worker';
import { expect, test } from 'vitest';
import { createWorker } from '../../worker/create-worker.js';
import { commandUpdates, viewQuery } from '../../workflows/definitions.js';
import type { Command } from '../../workflows/domain/item/commands.js';
import type { workItem } from '../../workflows/work-item.js';
import { pollUntil } from '../faults/support/story-client.js';
import { alice, ticketInput } from '../support/workflow-harness.js';
import { describeFirst, useDevServerWorld } from './query-across-support.js';

const world = useDevServerWorld();

test('R17: a wait whose timer fired while its worker was gone ends once, and the history replays, even when a Query reached the next worker first', async () => {
  const { pool, client, nativeConnection, bundle } = world;
  const taskQueue = `query-across-timer-${randomUUID()}`;
  const ref = `T-Q${randomUUID().slice(0, 6)}`;
  const input = ticketInput(ref, { submit: true });
  const workerA = await createWorker({ connection: nativeConnection, pool, workflowBundle: bundle, taskQueue });
  const runA = workerA.run();
  const handle = await client.workflow.start<typeof workItem>('workItem', { workflowId: ref, taskQueue, args: [input] });
  const command = (c: Command) => handle.executeUpdate(commandUpdates[c.type], { args: [{ actor: alice, command: c }] });
  await command({ type: 'pickUp' });
  const waitEnds = Date.now() + 3_000;
  await command({ type: 'wait', wait: { type: 'until', until: new Date(waitEnds).toISOString() } });

  // Worker A, which owns the item, goes away; a Query is sent while no worker polls, and waits.
  workerA.shutdown();
  await runA;
  const answered = handle.query(viewQuery).then(
    (view) => view,
    (error: Error) => error,
  );
  // The wait's timer fires while nobody polls: history ends TimerFired, WorkflowTaskScheduled.
  await pollUntil('the wait timer to fire', async () => (await handle.fetchHistory()).events?.some((e) => e.timerFiredEventAttributes), 30_000, 100);

  // Worker B starts: it takes the waiting Query and then the workflow task.
  const workerB = await createWorker({ connection: nativeConnection, pool, workflowBundle: bundle, taskQueue });
  try {
    await workerB.runUntil(async () => {
      // The worker refuses to keep a run that went past its history: the Query fails (the API
      // sends it again) and the run is dropped, so the workflow task replays the history. (On a
      // loaded machine the server may give up on the Query before worker B polls: no answer.)
      const first = await answered;
      console.log(describeFirst(first));
      if (first instanceof Error) expect(first.message).toMatch(/went past its history|deadline|no poller/i);
      await pollUntil('the wait to end', async () => (await handle.query(viewQuery)).state === 'in_progress', 30_000, 100);
    });
  } finally {
    await handle.terminate('test over').catch(() => undefined);
  }

  const history = await handle.fetchHistory();
  const events = history.events ?? [];
  const fired = events.findIndex((e) => e.timerFiredEventAttributes);
  // What the worker did in the workflow task after the fired timer: the store of the ended wait
  // (an activity), not the same wait's timer again.
  const next = events.slice(fired + 1).find((e) => e.timerStartedEventAttributes || e.activityTaskScheduledEventAttributes);
  expect(next?.activityTaskScheduledEventAttributes?.activityType?.name).toBe('recordChanges');
  const replay = await Worker.runReplayHistory({ workflowBundle: bundle }, history, ref).then(
    () => undefined,
    (error: Error) => error.message,
  );
  expect(replay).toBeUndefined();
}, 90_000);
