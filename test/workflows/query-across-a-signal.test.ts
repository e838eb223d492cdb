// R26 (each stage starts when the one before is complete) when a Query reaches a worker that did
// not own the case while a Signal from one of its actions (actionClosed) has arrived and no
// workflow task has run since.
//
// The worker answers such a Query from a history that ends with WorkflowExecutionSignaled, so
// the SDK runs the case's code through the Signal (the action closed, the next stage's launch
// begins) with the clock of the previous task, and would keep that run: what the code did then
// would go out ahead of the Update the next real task brings, where a replay takes the Update
// first. No clock tells this run apart, so no per-event guard could see it; the run guard
// (workflows/interceptors.ts) does: the activation applied events with no workflow task started
// after them. Here: worker A owns a case whose first stage's action is open and stops; the
// action's actionClosed Signal arrives (sent here by the client, as the action's workflow sends
// it) while no worker polls; a Query waits; a note waits for the next task; then worker B starts
// and takes them (the Query first in most runs; the test prints which). Without the guard it fails
// whenever the Query comes first.
import { randomUUID } from 'node:crypto';
import { Worker } from '@temporalio/worker';
import { expect, test } from 'vitest';
import { WorkItemGateway } from '../../api/work-item-gateway.js';
import { createWorker } from '../../worker/create-worker.js';
import { actionClosedSignal, commandUpdates, viewQuery } from '../../workflows/definitions.js';
import type { Command } from '../../workflows/domain/item/commands.js';
import type { CaseProcess, WorkItemInput } from '../../workflows/domain/item/types.js';
import type { workItem } from '../../workflows/work-item.js';
import { pollUntil } from '../faults/support/story-client.js';
import { alice } from '../support/workflow-harness.js';
import { describeFirst, useDevServerWorld } from './query-across-support.js';

const TWO_STAGES: CaseProcess = {
  id: 'two-stages',
  version: 1,
  name: 'Two stages',
  autoResolve: false,
  stages: [
    { name: 'Check', actions: [{ type: 'review', name: 'Verify documents' }] },
    { name: 'Set up', actions: [{ type: 'task', name: 'Create supplier record' }] },
  ],
};

const world = useDevServerWorld();

test("R26: a case that heard of its action's closing while its worker was gone starts the next stage once, and the history replays, even when a Query reached the next worker first", async () => {
  const { pool, client, nativeConnection, bundle } = world;
  const taskQueue = `query-across-signal-${randomUUID()}`;
  const ref = `C-Q${randomUUID().slice(0, 6)}`;
  const input: WorkItemInput = { ref, kind: 'case', createdBy: alice, fields: { shortDescription: 'Onboard supplier Acme' }, process: TWO_STAGES, processId: TWO_STAGES.id, submit: true };
  const workerA = await createWorker({ connection: nativeConnection, pool, workflowBundle: bundle, taskQueue });
  const runA = workerA.run();
  const handle = await client.workflow.start<typeof workItem>('workItem', { workflowId: ref, taskQueue, args: [input] });
  const command = (c: Command) => handle.executeUpdate(commandUpdates[c.type], { args: [{ actor: alice, command: c }] });
  await command({ type: 'pickUp' });
  // The first stage's action is launched (a child item), and the case's tasks are all done.
  const launched = await pollUntil('the first action to be launched', async () => {
    const view = await handle.query(viewQuery);
    return view.childRefs.length === 1 && view;
  }, 30_000, 100);
  const actionRef = launched.childRefs[0]!;
  await pollUntil('the case to be idle', async () => {
    const { raw } = await handle.describe();
    return raw.pendingChildren?.length === 1 && !raw.pendingActivities?.length && raw.pendingWorkflowTask == null;
  }, 30_000, 100);

  // Worker A goes away; a Query is sent while no worker polls and the case has no task to do, and
  // waits (a Query sent once a task is pending would come with that task instead); the action's
  // Signal arrives: history ends WorkflowExecutionSignaled, WorkflowTaskScheduled; a note waits.
  workerA.shutdown();
  await runA;
  const answered = handle.query(viewQuery).then(
    (view) => view,
    (error: Error) => error,
  );
  await new Promise((resolve) => setTimeout(resolve, 500)); // the Query reaches the task queue first
  await handle.signal(actionClosedSignal, { ref: actionRef, method: 'complete' });
  // Sent as the API sends it: an Update that a task completed without taking (Temporal's
  // UnprocessedUpdate, seen here when the task came before the Query) is sent again.
  const note = new WorkItemGateway(client, { taskQueue }).command(ref, alice, { type: 'addNote', text: 'the note after the signal' });

  // Worker B starts: it takes the waiting Query and the workflow task.
  const workerB = await createWorker({ connection: nativeConnection, pool, workflowBundle: bundle, taskQueue });
  try {
    await workerB.runUntil(async () => {
      // The run that went past its history is refused: the Query fails (or, on a loaded machine,
      // gets no answer before worker B polls); the note's task then replays the history.
      const first = await answered;
      console.log(describeFirst(first));
      if (first instanceof Error) expect(first.message).toMatch(/went past its history|deadline|no poller/i);
      await note;
      // The second stage's action is launched once, after the first closed.
      const view = await pollUntil('the second stage to start', async () => {
        const v = await handle.query(viewQuery);
        return v.childRefs.length === 2 && v;
      }, 30_000, 100);
      expect(view.stage).toEqual({ index: 1, name: 'Set up' });
      expect(view.actions?.map((a) => a.stageIndex)).toEqual([0, 1]);
    });
  } finally {
    await handle.terminate('test over').catch(() => undefined);
  }

  const history = await handle.fetchHistory();
  const replay = await Worker.runReplayHistory({ workflowBundle: bundle }, history, ref).then(
    () => undefined,
    (error: Error) => error.message,
  );
  expect(replay).toBeUndefined();
}, 120_000);
