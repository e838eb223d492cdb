// R42 (every change on the item's timeline, in order) when a Query reaches a worker that did not
// own the item while the item's store (an activity) has completed and no workflow task has run
// since.
//
// The worker answers such a Query from a history that ends with ActivityTaskCompleted, so the SDK
// runs the item's code past the store with the clock of the task that scheduled it, and would keep
// that run: what the code did after the store (arm the timer of the next store, for the note that
// came while the store ran) would go out ahead of the Update the next real task brings, where a
// replay takes the Update first. Found by the two-replica fault run; the run guard
// (workflows/interceptors.ts) refuses the Query, which drops the run. Here: worker A (workflows
// only) owns the item and stops once a store is scheduled and one more note came; worker C
// (activities only) runs the store while a Query waits on the task queue; a note waits for the
// next task; then worker B starts and takes them (the Query first in about half the runs; the
// test prints which). Without the guard it fails whenever the Query comes first.
import { randomUUID } from 'node:crypto';
import { Worker } from '@temporalio/worker';
import { expect, test } from 'vitest';
import { createWorkItemActivities } from '../../activities/read-model.js';
import { WorkItemGateway } from '../../api/work-item-gateway.js';
import { commandUpdates, viewQuery } from '../../workflows/definitions.js';
import type { Command } from '../../workflows/domain/item/commands.js';
import type { workItem } from '../../workflows/work-item.js';
import { pollUntil } from '../faults/support/story-client.js';
import { alice, ticketInput } from '../support/workflow-harness.js';
import { describeFirst, useDevServerWorld } from './query-across-support.js';

const world = useDevServerWorld();

test('R42: notes around a store whose outcome reached the next worker by a Query are each on the timeline once, in order, and the history replays', async () => {
  const { pool, client, nativeConnection, bundle } = world;
  const taskQueue = `query-across-store-${randomUUID()}`;
  const ref = `T-S${randomUUID().slice(0, 6)}`;
  const workflowsOnly = () => Worker.create({ connection: nativeConnection, workflowBundle: bundle, taskQueue });
  const history = async () => (await handle.fetchHistory()).events ?? [];
  const storeScheduled = async () => (await history()).some((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'recordChanges');
  const command = (c: Command) => handle.executeUpdate(commandUpdates[c.type], { args: [{ actor: alice, command: c }] });

  // Worker A owns the item; notes go on until the tail is long enough to be stored at once.
  const workerA = await workflowsOnly();
  const runA = workerA.run();
  const handle = await client.workflow.start<typeof workItem>('workItem', { workflowId: ref, taskQueue, args: [ticketInput(ref, { submit: true })] });
  await command({ type: 'pickUp' });
  const notes: string[] = [];
  while (!(await storeScheduled())) {
    notes.push(`note ${notes.length + 1}`);
    await command({ type: 'addNote', text: notes.at(-1)! });
  }
  // One more note while the store waits for an activity worker: once the store's outcome comes,
  // that note still waits for a store, so the code arms the store's timer, a command that follows
  // the outcome.
  notes.push('the note during the store');
  await command({ type: 'addNote', text: notes.at(-1)! });
  workerA.shutdown();
  await runA;

  // A Query is sent while no worker takes workflow tasks, and waits; meanwhile worker C runs the
  // store: history ends ActivityTaskCompleted, WorkflowTaskScheduled.
  const answered = handle.query(viewQuery).then(
    (view) => view,
    (error: Error) => error,
  );
  const workerC = await Worker.create({ connection: nativeConnection, taskQueue, activities: createWorkItemActivities(pool) });
  await workerC.runUntil(pollUntil('the store to complete', async () => (await history()).some((e) => e.activityTaskCompletedEventAttributes), 30_000, 50));

  // A note waits for the next workflow task; worker B starts and takes the Query, then the task.
  notes.push('the note after the store');
  // Sent as the API sends it: an Update the worker could not take while it dropped the run is sent again.
  const lastNote = new WorkItemGateway(client, { taskQueue }).command(ref, alice, { type: 'addNote', text: notes.at(-1)! });
  const workerB = await workflowsOnly();
  try {
    await workerB.runUntil(async () => {
      // The run that went past its history is refused: the Query fails (or, on a loaded machine,
      // gets no answer before worker B polls); the note's task then replays the history.
      const first = await answered;
      console.log(describeFirst(first));
      if (first instanceof Error) expect(first.message).toMatch(/went past its history|deadline|no poller/i);
      await lastNote;
      // Each note once, in order: the stored entries, then the workflow's tail.
      const view = await handle.query(viewQuery);
      const tailFrom = view.timeline[0]?.seq ?? view.timelineLength + 1;
      const { rows } = await pool.query<{ entry: { text?: unknown } }>('SELECT entry FROM timeline_entries WHERE ref = $1 AND seq < $2 ORDER BY seq', [ref, tailFrom]);
      const texts = [...rows.map((r) => r.entry.text), ...view.timeline.map((e) => e.text)];
      expect(texts.filter((t) => typeof t === 'string' && notes.includes(t))).toEqual(notes);
      expect(rows.length).toBeGreaterThan(0); // the store did happen
    });
  } finally {
    await handle.terminate('test over').catch(() => undefined);
  }

  const recorded = await handle.fetchHistory();
  const replay = await Worker.runReplayHistory({ workflowBundle: bundle }, recorded, ref).then(
    () => undefined,
    (error: Error) => error.message,
  );
  expect(replay).toBeUndefined();
}, 120_000);
