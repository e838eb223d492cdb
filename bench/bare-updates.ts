// The benchmarks' baseline: bare Temporal Update round trips on a no-op workflow, at a given
// concurrency, in the calling process.

import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { NativeConnection, Worker } from '@temporalio/worker';
import { finish, ping, type noop } from './noop-workflow.js';
import { cpuPerRequest, cpuSnapshot } from './process-cpu.js';
import { pool, summarise, type Summary } from './stats.js';

/** `cpu` says what the timed Updates alone cost each process (bundling and warm-up excluded). */
export async function bareUpdates(address: string, total: number, concurrency: number): Promise<{ summary: Summary; seconds: number; cpu: string }> {
  const taskQueue = `bench-noop-${randomUUID()}`;
  const connection = await NativeConnection.connect({ address });
  const worker = await Worker.create({ connection, taskQueue, workflowsPath: fileURLToPath(new URL('./noop-workflow.ts', import.meta.url)) });
  const { Client, Connection } = await import('@temporalio/client');
  const client = new Client({ connection: await Connection.connect({ address }) });
  const latencies: number[] = [];
  let cpu = '';
  const seconds = await worker.runUntil(async () => {
    const handles = await Promise.all(
      Array.from({ length: concurrency }, () => client.workflow.start<typeof noop>('noop', { taskQueue, workflowId: `noop-${randomUUID()}` })),
    );
    await handles[0].executeUpdate(ping, { args: [0] }); // warm-up
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
    const elapsed = (performance.now() - t0) / 1000;
    cpu = cpuPerRequest(cpu0, cpuSnapshot(port), total);
    await Promise.all(handles.map((h) => h.executeUpdate(finish)));
    return elapsed;
  });
  await connection.close();
  await client.connection.close();
  return { summary: summarise(latencies), seconds, cpu };
}
