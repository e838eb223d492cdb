// The benchmarks' floor: a workflow with the Temporal work of one ticket story and nothing else
// (no domain rules, no view, no API, no PostgreSQL), to time beside the bare Update and the story
// through the API. Its history has the shape of a real story's (bench/ticket-stories.ts prints
// both): on its first task two patch markers (each with the TemporalChangeVersion upsert the SDK
// adds), the six search attributes and the store timer; then one Update per command, five of six
// upserting the item's state; then one activity (the store) and the completion. With `bare`, only
// the lifecycle: the start, the six Updates and the completion.

import { condition, defineUpdate, patched, proxyActivities, setHandler, sleep, upsertSearchAttributes } from '@temporalio/workflow';
import { Assignee, CategoryId, DueAt, SlaBreached, WorkItemKind, WorkItemState } from '../workflows/search-attributes.js';

/** One command: `upsert` says whether it changes the item's state, `last` whether it closes it. */
export interface Step {
  upsert: boolean;
  last: boolean;
}
export const step = defineUpdate<number, [Step]>('step');

const { storeStub } = proxyActivities<{ storeStub(): Promise<void> }>({ startToCloseTimeout: '10 seconds' });

export async function storyShape(bare = false): Promise<void> {
  let steps = 0;
  let closed = false;
  setHandler(
    step,
    ({ upsert, last }: Step) => {
      steps++;
      if (upsert && !bare) upsertSearchAttributes([{ key: WorkItemState, value: `state-${steps}` }]);
      closed ||= last;
      return steps;
    },
    {
      validator: (_: Step) => {
        if (closed) throw new Error('closed');
      },
    },
  );
  if (bare) return condition(() => closed);
  patched('shape-first');
  patched('shape-second');
  upsertSearchAttributes([
    { key: WorkItemKind, value: 'ticket' },
    { key: WorkItemState, value: 'draft' },
    { key: Assignee, value: null },
    { key: CategoryId, value: 'bench' },
    { key: DueAt, value: null },
    { key: SlaBreached, value: false },
  ]);
  void sleep('30 seconds'); // the store's timer, left to the completion as an item leaves it
  await condition(() => closed);
  await storeStub();
}
