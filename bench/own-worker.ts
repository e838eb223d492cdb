// A benchmark's own Temporal worker and client on a private task queue, for the baselines that
// run beside the service (bare Updates, the stories' Temporal work alone): `run` gets the client
// and the queue while the worker polls; both connections are closed after.

import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';

export async function withOwnWorker<T>(
  address: string,
  workflowsFile: URL,
  activities: object | undefined,
  run: (client: Client, taskQueue: string) => Promise<T>,
): Promise<T> {
  const taskQueue = `bench-${randomUUID()}`;
  const connection = await NativeConnection.connect({ address });
  const client = new Client({ connection: await Connection.connect({ address }) });
  try {
    const worker = await Worker.create({ connection, taskQueue, workflowsPath: fileURLToPath(workflowsFile), ...(activities ? { activities } : {}) });
    return await worker.runUntil(run(client, taskQueue));
  } finally {
    await connection.close();
    await client.connection.close();
  }
}
