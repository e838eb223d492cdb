// The reproduction's one workflow (reproduce.ts): it waits until an instant on a durable timer,
// then sends one command; it answers a Query and takes an Update.
import { condition, defineQuery, defineUpdate, setHandler, sleep, upsertMemo } from '@temporalio/workflow';

export const entriesQuery = defineQuery<string[]>('entries');
export const addEntryUpdate = defineUpdate<number, [string]>('addEntry');

export async function waitUntilThenUpdate(dueAt: number): Promise<void> {
  const entries: string[] = [];
  setHandler(entriesQuery, () => entries);
  setHandler(addEntryUpdate, (text) => entries.push(text));
  // Wait until `dueAt` (epoch ms) on a durable timer, checked against the workflow's clock when
  // it fires (as code that waits for an instant does: a timer never fires early by that clock).
  while (Date.now() < dueAt) await sleep(dueAt - Date.now());
  entries.push('due');
  upsertMemo({ stage: 'due' }); // the one command the code sends once the instant has passed
  await condition(() => false); // then it waits (the reproduction terminates it)
}
