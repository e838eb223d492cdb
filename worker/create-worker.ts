// Builds the worker that runs work-item workflows and their activities on one task queue.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, Worker, type ActivityInterceptorsFactory, type BundleOptions, type InjectedSinks, type NativeConnection, type WorkerOptions, type WorkflowBundle } from '@temporalio/worker';
import type pg from 'pg';
import type { DataConverter } from '@temporalio/common';
import { createWorkItemActivities } from '../activities/read-model.js';
import type { EmailDeliveryOptions } from '../activities/email-delivery.js';
import { createWebhookActivities } from '../activities/webhook-delivery.js';
import { TASK_QUEUE } from '../workflows/definitions.js';
import { RUN_GUARD_MARKER } from '../workflows/interceptors.js';
import { TRACING_MARKER } from '../workflows/tracing-marker.js';

export const WORKFLOWS_PATH = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

/**
 * The workflow interceptors every worker runs: the run guard (workflows/interceptors.ts), which
 * refuses a Query whose history took the cached run past its history and so makes the SDK drop
 * that run from the cache (the Query fails with "went past its history"; send it again).
 */
export const WORKFLOW_INTERCEPTOR_MODULES = [fileURLToPath(new URL('../workflows/interceptors.ts', import.meta.url))];

/** With tracing on (worker/tracing.ts), the OpenTelemetry workflow interceptors too. */
export const TRACING_INTERCEPTOR_MODULES = [...WORKFLOW_INTERCEPTOR_MODULES, fileURLToPath(new URL('../workflows/tracing-interceptors.ts', import.meta.url))];

/**
 * The item's pure domain (workflows/domain: rules, views, calendars; no Temporal API, no state of
 * a run) is loaded once per worker thread and shared by every run it holds. Other workflow
 * modules load once per run, as the SDK does by default: a run's own copy of 170 KB of domain
 * code cost memory per cached item and CPU per new or replayed run (docs/operating.md).
 */
export const PRELOADED_MODULES = domainModules(fileURLToPath(new URL('../workflows/domain/', import.meta.url)));

function domainModules(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? domainModules(join(dir, entry.name)) : entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [join(dir, entry.name)] : [],
  );
}

/** The workflows' bundle, with the interceptors (`tracing`: the OpenTelemetry ones too): the only kind of prebuilt bundle `createWorker` takes. */
export function bundleWorkItemWorkflows({ tracing = false, ...options }: Omit<BundleOptions, 'workflowsPath' | 'workflowInterceptorModules'> & { tracing?: boolean } = {}): Promise<WorkflowBundle> {
  const workflowInterceptorModules = tracing ? TRACING_INTERCEPTOR_MODULES : WORKFLOW_INTERCEPTOR_MODULES;
  return bundleWorkflowCode({ ...options, workflowsPath: WORKFLOWS_PATH, workflowInterceptorModules, preloadModules: PRELOADED_MODULES });
}

/** Throws unless the prebuilt bundle includes the interceptors (the SDK ignores `interceptors.workflowModules` for one), the tracing ones when tracing is on. */
function assertBundleHasInterceptors(bundle: NonNullable<WorkerOptions['workflowBundle']>, tracing: boolean): void {
  const code = 'code' in bundle ? bundle.code : readFileSync(bundle.codePath, 'utf8');
  if (!code.includes(RUN_GUARD_MARKER)) {
    throw new Error('The prebuilt workflow bundle lacks the workflow interceptors (workflows/interceptors.ts): build it with bundleWorkItemWorkflows() from worker/create-worker.ts.');
  }
  if (tracing && !code.includes(TRACING_MARKER)) {
    throw new Error('Tracing is on but the prebuilt workflow bundle lacks the OpenTelemetry workflow interceptors: build it with bundleWorkItemWorkflows({ tracing: true }).');
  }
}

/**
 * WORKFLOW_CACHE_SIZE: how many items' runs the worker keeps in memory; unset, the SDK's default
 * (about 600 per GiB of heap). A smaller cache holds less memory; a command on an item outside it
 * replays the item's history first (docs/operating.md, "Memory and the workflow cache").
 */
export function workflowCacheSize(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const raw = env.WORKFLOW_CACHE_SIZE;
  if (raw === undefined || raw === '') return undefined;
  const size = Number(raw);
  if (!Number.isInteger(size) || size < 2) throw new Error(`WORKFLOW_CACHE_SIZE must be a whole number of items, 2 or more (it is "${raw}"); unset it for the default.`);
  return size;
}

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
  /** Wrapped around every activity execution (tests use one to die at a chosen point). */
  activityInterceptors?: ActivityInterceptorsFactory[];
  /** R48: the payload codec, the same as the service's client's. */
  dataConverter?: DataConverter;
  /** Tracing on (worker/tracing.ts): its activity interceptor (outermost) and the workflow spans' sink. */
  tracing?: { activityInterceptor: ActivityInterceptorsFactory; workflowSinks: InjectedSinks<any> };
}

export async function createWorker(deps: WorkerDeps): Promise<Worker> {
  if (deps.workflowBundle) assertBundleHasInterceptors(deps.workflowBundle, deps.tracing !== undefined);
  const activityInterceptors = [...(deps.tracing ? [deps.tracing.activityInterceptor] : []), ...(deps.activityInterceptors ?? [])];
  const cacheSize = deps.maxCachedWorkflows ?? workflowCacheSize();
  return Worker.create({
    connection: deps.connection,
    namespace: deps.namespace ?? 'default',
    taskQueue: deps.taskQueue ?? TASK_QUEUE,
    ...(deps.workflowBundle ? { workflowBundle: deps.workflowBundle } : { workflowsPath: WORKFLOWS_PATH, bundlerOptions: { preloadModules: PRELOADED_MODULES } }),
    activities: { ...createWorkItemActivities(deps.pool, deps.email), ...createWebhookActivities(deps.pool) },
    ...(deps.dataConverter ? { dataConverter: deps.dataConverter } : {}),
    // On stop, running activities get this long to finish before they are cancelled (and retried
    // by another worker); the whole stop stays within the 30 s that SIGTERM allows.
    shutdownGraceTime: '10 seconds',
    // And the worker gives up on a graceful stop after this long (an activity that ignores its
    // cancellation, a poll the server holds): its tasks time out on the server and run elsewhere.
    shutdownForceTime: '15 seconds',
    ...(cacheSize !== undefined ? { maxCachedWorkflows: cacheSize } : {}),
    ...(deps.tracing ? { sinks: deps.tracing.workflowSinks } : {}),
    interceptors: {
      // A prebuilt bundle carries the workflow interceptors itself (checked above).
      ...(deps.workflowBundle ? {} : { workflowModules: deps.tracing ? TRACING_INTERCEPTOR_MODULES : WORKFLOW_INTERCEPTOR_MODULES }),
      ...(activityInterceptors.length ? { activity: activityInterceptors } : {}),
    },
  });
}
