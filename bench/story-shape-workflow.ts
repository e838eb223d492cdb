// The benchmarks' floor: a workflow with the Temporal work of one ticket story and nothing else
// (no domain rules, no view, no API, no PostgreSQL), to time beside the bare Update and the story
// through the API. Its history has the shape of a real story's (bench/ticket-stories.ts prints
// both): the search attributes given at the start; on its first task the store timer; then one
// Update per command, five of six upserting the item's state; then one activity (the store), the
// timer cancelled, and the completion. With `bare`, only the lifecycle: the start, the six
// Updates and the completion.

import { CancellationScope, condition, defineUpdate, proxyActivities, setHandler, sleep, upsertSearchAttributes } from '@temporalio/workflow';
import { WorkItemState } from '../workflows/search-attributes.js';

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
  const storeTimer = new CancellationScope(); // the store's timer, cancelled by the close as an item's is
  storeTimer.run(() => sleep('30 seconds')).catch(() => undefined);
  await condition(() => closed);
  storeTimer.cancel();
  await storeStub();
}
