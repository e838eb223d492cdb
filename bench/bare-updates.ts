// The benchmarks' baseline: bare Temporal Update round trips on a no-op workflow, at a given
// concurrency, in the calling process.

import { randomUUID } from 'node:crypto';
import { finish, ping, type noop } from './noop-workflow.js';
import { withOwnWorker } from './own-worker.js';
import { cpuPerRequest, cpuSnapshot } from './process-cpu.js';
import { pool, summarise, type Summary } from './stats.js';

/** `cpu` says what the timed Updates alone cost each process (bundling and warm-up excluded). */
export async function bareUpdates(address: string, total: number, concurrency: number): Promise<{ summary: Summary; seconds: number; cpu: string }> {
  return withOwnWorker(address, new URL('./noop-workflow.ts', import.meta.url), undefined, async (client, taskQueue) => {
    const handles = await Promise.all(
      Array.from({ length: concurrency }, () => client.workflow.start<typeof noop>('noop', { taskQueue, workflowId: `noop-${randomUUID()}` })),
    );
    await handles[0].executeUpdate(ping, { args: [0] }); // warm-up
    const latencies: number[] = [];
    let lane = 0;
    const port = address.split(':').at(-1) ?? '';
    const cpu0 = cpuSnapshot(port);
    const t0 = performance.now();
    await pool(total, concurrency, async (i) => {
      const handle = handles[lane++ % handles.length];
      const s = performance.now();
      await handle.executeUpdate(ping, { args: [i] });
      latencies.push(performance.now() - s);
    });
    const seconds = (performance.now() - t0) / 1000;
    const cpu = cpuPerRequest(cpu0, cpuSnapshot(port), total);
    await Promise.all(handles.map((h) => h.executeUpdate(finish)));
    return { summary: summarise(latencies), seconds, cpu };
  });
}

/**
 * The floor under a command with many items open: bare Updates on random ones of `workflows` no-op
 * workflows held open by one worker with the SDK's default cache, as the service's worker holds
 * its items (beyond the cache, an Update replays the workflow's short history first). The
 * workflows stay open (the server is the bench's own).
 */
export async function bareUpdatesAcross(address: string, workflows: number, total: number, concurrency: number): Promise<{ summary: Summary; seconds: number; cpu: string }> {
  return withOwnWorker(address, new URL('./noop-workflow.ts', import.meta.url), undefined, async (client, taskQueue) => {
    const handles: Array<Awaited<ReturnType<typeof client.workflow.start<typeof noop>>>> = [];
    await pool(workflows, 16, async () => {
      const handle = await client.workflow.start<typeof noop>('noop', { taskQueue, workflowId: `noop-${randomUUID()}` });
      await handle.executeUpdate(ping, { args: [0] });
      handles.push(handle);
    });
    const latencies: number[] = [];
    const port = address.split(':').at(-1) ?? '';
    const cpu0 = cpuSnapshot(port);
    const t0 = performance.now();
    await pool(total, concurrency, async (i) => {
      const handle = handles[Math.floor(Math.random() * handles.length)]!;
      const s = performance.now();
      await handle.executeUpdate(ping, { args: [i] });
      latencies.push(performance.now() - s);
    });
    const seconds = (performance.now() - t0) / 1000;
    return { summary: summarise(latencies), seconds, cpu: cpuPerRequest(cpu0, cpuSnapshot(port), total) };
  });
}
