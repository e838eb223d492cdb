// The workflow interceptors every worker of this service runs (worker/create-worker.ts registers
// this module; a prebuilt bundle must include it: `bundleWorkItemWorkflows`).
//
// The run guard: a Query must not leave the worker with a run that went past its history.
//
// A Query to an item that no worker is running a workflow task for comes to a worker as a
// "legacy query" task, with the history up to now. If that history ends in events that no
// workflow task has started yet (a timer fired, an activity's outcome, a signal from another
// item, a child started, ...), the SDK's core (sdk-core in @temporalio/worker 1.24) applies them
// to the cached run to answer the Query (managed_run.rs `_incoming_wft`: `new_work_from_server`
// on the query task's history), runs the workflow's code through them with the clock of the
// previous task, answers the Query, and keeps the run. The next real workflow task then sends
// the commands the code produced then, ahead of that task's own events and decided on a stale
// clock; a replay of the history orders them otherwise: nondeterminism (TMPRL1100), the item
// stops. (Temporal's Go SDK does not cache such a run: sdk-go#1716.)
//
// What the core hands this module tells such an activation apart: every workflow task's history
// ends in its WorkflowTaskStarted event, and core sets an activation's `historySizeBytes` from
// that event (workflow_machines.rs, WorkflowTaskStartedEventAttributes.history_size_bytes) and its
// `historyLength` from the last event it applied. A history grows with every task, so a new task
// always brings a larger size. An activation whose `historyLength` grew while `historySizeBytes`
// stayed put applied events with no task start after them: only a query task's history does that
// in a worker (and a replay of a history that ends in such events, which is harmless). The core
// then gives the Query in an activation of its own, right after (managed_run.rs
// `put_queries_in_act`: a legacy query waits until the activation has no other jobs).
//
// So the guard marks the run when such an activation comes, and fails the Query's activation: a
// failed activation makes the core evict the run from the cache and answer the Query with the
// failure (managed_run.rs `failed_completion`: `request_eviction`, `ReportLegacyQueryFailure`).
// The commands that run made are never sent; the next real workflow task finds no cached run and
// replays the history from its start. Nothing but that Query fails: a workflow task never does,
// so an item cannot be left failing on every retry, and a replay (no Queries) never trips it.
// The caller sees `QUERY_REFUSED_MESSAGE` and sends the Query again.
//
// Cost on the normal path: two comparisons per activation.

import type { WorkflowInterceptorsFactory, WorkflowInternalsInterceptor, ActivateInput, Next } from '@temporalio/workflow';

/** Found in every bundle that includes this module (worker/create-worker.ts checks a prebuilt bundle for it). */
export const RUN_GUARD_MARKER = 'work-items:run-guard:v1';

/** The words a refused Query's error carries (api/work-item-gateway.ts recognises them). */
export const QUERY_REFUSED_MESSAGE = 'went past its history';

type Activation = ActivateInput['activation'];

const jobNames = (activation: Activation): string[] =>
  (activation.jobs ?? []).map((job) => (job as { variant?: string }).variant ?? Object.keys(job).find((k) => (job as Record<string, unknown>)[k] != null) ?? 'unknown');

/** A proto int64 (a number or a Long) as a number. */
const num = (value: unknown): number => (value == null ? 0 : typeof value === 'number' ? value : Number(String(value)));
const sizeOf = (activation: Activation): number => num(activation.historySizeBytes);
const timeOf = (activation: Activation): number => (activation.timestamp ? num(activation.timestamp.seconds) * 1000 + Math.floor(num(activation.timestamp.nanos) / 1e6) : 0);

/**
 * Marks the run once it applies history events that no workflow task has started; fails the next
 * Query it is asked (which evicts the run). See the file's head.
 */
export class RunGuard implements WorkflowInternalsInterceptor {
  readonly marker = RUN_GUARD_MARKER;
  private length = 0;
  private size = 0;
  private time = 0;
  /** The jobs of the activation that went past the history, once one has. */
  private wentPast: string[] | undefined;

  activate(input: ActivateInput, next: Next<WorkflowInternalsInterceptor, 'activate'>): void {
    const { activation } = input;
    const jobs = jobNames(activation);
    const onlyQueries = jobs.length > 0 && jobs.every((job) => job === 'queryWorkflow');
    if (onlyQueries) {
      if (this.wentPast) {
        throw new Error(
          `Query refused: this worker's run of the item ${QUERY_REFUSED_MESSAGE} (the Query's history ended in events no workflow task has started: ` +
            `${this.wentPast.join(', ')}, applied at history length ${this.length}); the worker drops the run from its cache and the next workflow task ` +
            'replays the history. Send the Query again.',
        );
      }
    } else if (input.batchIndex === 0) {
      const length = activation.historyLength ?? 0;
      const size = sizeOf(activation);
      const time = timeOf(activation);
      if (this.length > 0 && length > this.length) {
        // Events applied: did a workflow task start after them? (A server that does not report
        // history sizes, 0: the task's start time tells instead.)
        const noTaskStarted = size > 0 ? size === this.size : time === this.time;
        this.wentPast = noTaskStarted ? jobs : undefined;
      }
      this.length = Math.max(this.length, length);
      this.size = size;
      this.time = time;
    }
    next(input);
  }
}

export const interceptors: WorkflowInterceptorsFactory = () => ({ internals: [new RunGuard()] });
