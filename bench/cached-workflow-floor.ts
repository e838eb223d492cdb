// The floor under an open item's memory: what the SDK itself holds per cached workflow, measured
// as the worker's RSS growth over N no-op workflows held open (each answers one Update, so each
// has run its first task and sits in the cache), in a worker of this process.

import { randomUUID } from 'node:crypto';
import { finish, ping, type noop } from './noop-workflow.js';
import { withOwnWorker } from './own-worker.js';
import { pool } from './stats.js';

export async function cachedWorkflowFloor(address: string, count: number, concurrency = 16): Promise<{ perWorkflow: number; count: number }> {
  const rss = () => {
    (globalThis as { gc?: () => void }).gc?.();
    return process.memoryUsage().rss;
  };
  return withOwnWorker(address, new URL('./noop-workflow.ts', import.meta.url), undefined, async (client, taskQueue) => {
    const warm = await client.workflow.start<typeof noop>('noop', { taskQueue, workflowId: `noop-${randomUUID()}` });
    await warm.executeUpdate(ping, { args: [0] });
    const before = rss();
    const handles: Array<Awaited<ReturnType<typeof client.workflow.start<typeof noop>>>> = [];
    await pool(count, concurrency, async () => {
      const handle = await client.workflow.start<typeof noop>('noop', { taskQueue, workflowId: `noop-${randomUUID()}` });
      await handle.executeUpdate(ping, { args: [1] });
      handles.push(handle);
    });
    const perWorkflow = (rss() - before) / count;
    await pool(handles.length, concurrency, (i) => handles[i].executeUpdate(finish));
    await warm.executeUpdate(finish);
    return { perWorkflow, count };
  });
}
