// The floor under the API's stories: the Temporal work of one ticket story alone
// (bench/story-shape-workflow.ts; with `bare`, its lifecycle only), driven straight through the
// Temporal client, at a given concurrency, in the calling process. Seven requests per story, as through the API: the start
// (not awaited past Temporal's acknowledgement, as the API's creation) and six Updates.

import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { NativeConnection, Worker } from '@temporalio/worker';
import { step, type storyShape } from './story-shape-workflow.js';
import { cpuPerRequest, cpuSnapshot } from './process-cpu.js';
import { pool, summarise, type Summary } from './stats.js';

/** Whether each of the story's six commands changes the item's state (the note after the email does not). */
const COMMANDS = [true, true, true, true, false, true];

export async function temporalStories(address: string, stories: number, concurrency: number, bare = false): Promise<{ summary: Summary; seconds: number; cpu: string }> {
  const taskQueue = `bench-shape-${randomUUID()}`;
  const connection = await NativeConnection.connect({ address });
  const worker = await Worker.create({
    connection,
    taskQueue,
    workflowsPath: fileURLToPath(new URL('./story-shape-workflow.ts', import.meta.url)),
    activities: { storeStub: async () => undefined },
  });
  const { Client, Connection } = await import('@temporalio/client');
  const client = new Client({ connection: await Connection.connect({ address }) });
  const latencies: number[] = [];
  let cpu = '';
  const closing: Array<Promise<void>> = [];
  const story = async (record: boolean): Promise<void> => {
    const timed = async (request: () => Promise<unknown>): Promise<void> => {
      const t0 = performance.now();
      await request();
      if (record) latencies.push(performance.now() - t0);
    };
    let handle: Awaited<ReturnType<typeof client.workflow.start<typeof storyShape>>> | undefined;
    await timed(async () => (handle = await client.workflow.start<typeof storyShape>('storyShape', { taskQueue, workflowId: `shape-${randomUUID()}`, args: [bare] })));
    for (const [i, upsert] of COMMANDS.entries()) await timed(() => handle!.executeUpdate(step, { args: [{ upsert, last: i === COMMANDS.length - 1 }] }));
    closing.push(handle!.result()); // the store and the completion run on, as an item's do
  };
  const seconds = await worker.runUntil(async () => {
    await story(false); // warm-up
    const port = address.split(':').at(-1) ?? '';
    const cpu0 = cpuSnapshot(port);
    const t0 = performance.now();
    await pool(stories, concurrency, () => story(true));
    const elapsed = (performance.now() - t0) / 1000;
    await Promise.all(closing);
    cpu = cpuPerRequest(cpu0, cpuSnapshot(port), latencies.length);
    return elapsed;
  });
  await connection.close();
  await client.connection.close();
  return { summary: summarise(latencies), seconds, cpu };
}
