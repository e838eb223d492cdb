// The floor under the API's stories: the Temporal work of one ticket story alone
// (bench/story-shape-workflow.ts; with `bare`, its lifecycle only), driven straight through the
// Temporal client, at a given concurrency, in the calling process. Seven requests per story, as
// through the API: the start (not awaited past Temporal's acknowledgement, as the API's creation)
// and six Updates.

import { randomUUID } from 'node:crypto';
import { CategoryId, SlaBreached, WorkItemKind, WorkItemState } from '../workflows/search-attributes.js';
import { withOwnWorker } from './own-worker.js';
import { step, type storyShape } from './story-shape-workflow.js';
import { cpuPerRequest, cpuSnapshot } from './process-cpu.js';
import { pool, summarise, type Summary } from './stats.js';

/** The search attributes a new ticket starts with, as the API gives them. */
const STARTING = [
  { key: WorkItemKind, value: 'ticket' },
  { key: WorkItemState, value: 'draft' },
  { key: CategoryId, value: 'bench' },
  { key: SlaBreached, value: false },
];

/** Whether each of the story's six commands changes the item's state (the note after the email does not). */
const COMMANDS = [true, true, true, true, false, true];

export async function temporalStories(address: string, stories: number, concurrency: number, bare = false): Promise<{ summary: Summary; seconds: number; cpu: string }> {
  const activities = { storeStub: async () => undefined };
  return withOwnWorker(address, new URL('./story-shape-workflow.ts', import.meta.url), activities, async (client, taskQueue) => {
    const latencies: number[] = [];
    const closing: Array<Promise<void>> = [];
    const story = async (record: boolean): Promise<void> => {
      const timed = async <T>(request: () => Promise<T>): Promise<T> => {
        const t0 = performance.now();
        const result = await request();
        if (record) latencies.push(performance.now() - t0);
        return result;
      };
      const handle = await timed(() => client.workflow.start<typeof storyShape>('storyShape', { taskQueue, workflowId: `shape-${randomUUID()}`, args: [bare], ...(bare ? {} : { typedSearchAttributes: STARTING }) }));
      for (const [i, upsert] of COMMANDS.entries()) await timed(() => handle.executeUpdate(step, { args: [{ upsert, last: i === COMMANDS.length - 1 }] }));
      closing.push(handle.result()); // the store and the completion run on, as an item's do
    };
    await story(false); // warm-up
    const port = address.split(':').at(-1) ?? '';
    const cpu0 = cpuSnapshot(port);
    const t0 = performance.now();
    await pool(stories, concurrency, () => story(true));
    const seconds = (performance.now() - t0) / 1000;
    await Promise.all(closing);
    return { summary: summarise(latencies), seconds, cpu: cpuPerRequest(cpu0, cpuSnapshot(port), latencies.length) };
  });
}
