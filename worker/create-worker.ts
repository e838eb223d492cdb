// Builds the worker that runs work-item workflows and their activities on one task queue.

import { fileURLToPath } from 'node:url';
import { Worker, type NativeConnection, type WorkerOptions } from '@temporalio/worker';
import type pg from 'pg';
import { createWorkItemActivities } from '../activities/read-model.js';
import type { EmailDeliveryOptions } from '../activities/email-delivery.js';
import { TASK_QUEUE } from '../workflows/definitions.js';

export const WORKFLOWS_PATH = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

export interface WorkerDeps {
  connection: NativeConnection;
  namespace?: string;
  taskQueue?: string;
  pool: pg.Pool;
  /** A prebuilt bundle (tests build one per file to save the bundling time). */
  workflowBundle?: WorkerOptions['workflowBundle'];
  /** How many workflows the worker keeps in memory (the SDK's default when absent). */
  maxCachedWorkflows?: number;
  /** The outbound SMTP relay and how long a failing one is retried. */
  email?: EmailDeliveryOptions;
}

export async function createWorker(deps: WorkerDeps): Promise<Worker> {
  return Worker.create({
    connection: deps.connection,
    namespace: deps.namespace ?? 'default',
    taskQueue: deps.taskQueue ?? TASK_QUEUE,
    ...(deps.workflowBundle ? { workflowBundle: deps.workflowBundle } : { workflowsPath: WORKFLOWS_PATH }),
    activities: createWorkItemActivities(deps.pool, deps.email),
    // On stop, running activities get this long to finish before they are cancelled (and retried
    // by another worker); the whole stop stays within the 30 s that SIGTERM allows.
    shutdownGraceTime: '10 seconds',
    // And the worker gives up on a graceful stop after this long (an activity that ignores its
    // cancellation, a poll the server holds): its tasks time out on the server and run elsewhere.
    shutdownForceTime: '15 seconds',
    ...(deps.maxCachedWorkflows !== undefined ? { maxCachedWorkflows: deps.maxCachedWorkflows } : {}),
  });
}
