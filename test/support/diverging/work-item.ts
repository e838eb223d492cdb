// A stand-in `workItem` whose first workflow task schedules an activity the real work item never
// does: once the service's own code takes such an item, it cannot replay its history (a
// nondeterminism), as a history written by a buggy worker or an incompatible deploy would be.
import { proxyActivities } from '@temporalio/workflow';

const { somethingElse } = proxyActivities<{ somethingElse(): Promise<void> }>({ scheduleToCloseTimeout: '1 day', taskQueue: 'nobody-polls-this' });

export async function workItem(): Promise<void> {
  await somethingElse();
}
