// The API's only door to Temporal: start an item's workflow, send it a command (an Update) or an
// inbound email (an Update), each answering with the item's state after it, and read its history
// summary. No request path reads an item through a Query (a Query can run a cached run past its
// history): views come from PostgreSQL; `workflowView` is for an operator's diagnostics only.
// Temporal's errors come back as the contract's errors.

import { wallClock, type Clock } from './clock.js';
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { ApplicationFailure, ServerFailure, WorkflowNotFoundError } from '@temporalio/common';
import proto from '@temporalio/proto';
import {
  ScheduleAlreadyRunning,
  ScheduleNotFoundError,
  ServiceError,
  WorkflowExecutionAlreadyStartedError,
  WorkflowUpdateFailedError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
  type Client,
  type ScheduleSpec,
} from '@temporalio/client';
import type { Command, CommandRequest } from '../workflows/domain/item/commands.js';
import type { Actor, InboundEmail, WorkItem, WorkItemInput } from '../workflows/domain/item/types.js';
import type { WorkItemView } from '../workflows/domain/item/view.js';
import { decodeFromPayloadsAtIndex } from '@temporalio/common/lib/internal-non-workflow/index.js';
import { commandUpdates, inboundEmailUpdate, itemQuery, TASK_QUEUE, viewQuery, type EmailTaken } from '../workflows/definitions.js';
import { createWorkItem } from '../workflows/domain/rules/transitions.js';
import { toSummary } from '../workflows/domain/item/view.js';
import { startingSearchAttributes } from '../workflows/search-attributes.js';
import { operatorStaticDetails, operatorSummary } from '../workflows/domain/item/operator-details.js';
import type { workItem } from '../workflows/work-item.js';
import type { scheduledCase, ScheduledCaseInput } from '../workflows/scheduled-case.js';
import { ApiError, ERROR_STATUS, noSuchItem, type ErrorCode } from './errors.js';
import { UnknownPayloadKeyError, unknownKeyIn } from '../worker/payload-codec.js';

export interface GatewayOptions {
  taskQueue?: string;
  /** Base URL of the Temporal Web UI, for links to an item's history. */
  uiUrl?: string;
  namespace?: string;
  /** How long an item may hold a change before storing it itself (the workflow's default: 30 s). */
  storeAfterMs?: number;
  /** What time it is (the time-skipping test server's clock in that mode). */
  clock?: Clock;
}

/** How long a diagnostic Query may take before it is sent again (once). */
const QUERY_DEADLINE_MS = 5_000;

/** A call that got no answer: DEADLINE_EXCEEDED, or CANCELLED (cut while the worker it waited on died). */
function isUnanswered(error: unknown): boolean {
  const e = error as { code?: number; cause?: { code?: number } };
  return [4, 1].includes(e?.code as number) || [4, 1].includes(e?.cause?.code as number) || /DEADLINE_EXCEEDED|deadline exceeded|CANCELLED: Call cancelled/i.test(String((error as Error)?.message));
}

export class WorkItemGateway {
  private readonly taskQueue: string;

  constructor(
    private readonly client: Client,
    private readonly options: GatewayOptions = {},
  ) {
    this.taskQueue = options.taskQueue ?? TASK_QUEUE;
  }

  /** The API's time: the workflows' clock (skipped, in time-skipping mode). */
  now(): Date {
    return (this.options.clock ?? wallClock).now();
  }

  /**
   * Starts an item's workflow. Its creation time travels in the input, so the state answered here
   * is the one the workflow computes from the same input with the same pure function.
   */
  async start(input: WorkItemInput): Promise<WorkItem> {
    const now = this.now();
    const started: WorkItemInput = { ...input, createdAt: now.toISOString(), ...(this.options.storeAfterMs ? { storeAfterMs: this.options.storeAfterMs } : {}) };
    const item = createWorkItem(started, now);
    await this.client.workflow.start<typeof workItem>('workItem', {
      workflowId: input.ref,
      taskQueue: this.taskQueue,
      args: [started],
      memo: { kind: input.kind, ref: input.ref },
      // What the Temporal UI shows of the item at a glance (R40): `T-000123 · ticket · Invoice missing`.
      staticSummary: operatorSummary(input),
      staticDetails: operatorStaticDetails(input),
      workflowIdConflictPolicy: 'FAIL',
      typedSearchAttributes: startingSearchAttributes(toSummary(item, now)),
    });
    return item;
  }

  /**
   * Starts the item, or, when an earlier attempt already started it under the same ref (a
   * request retried after a crash), answers with the state it was created in, figured from its
   * workflow's recorded input (history, not a Query): storing it never overwrites a newer one.
   */
  async startOrFind(input: WorkItemInput): Promise<WorkItem> {
    try {
      return await this.start(input);
    } catch (error) {
      if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
      const { history } = await this.client.workflowService.getWorkflowExecutionHistory({
        namespace: this.options.namespace ?? 'default',
        execution: { workflowId: input.ref },
        maximumPageSize: 1,
      });
      const payloads = history?.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads;
      const recorded = await decodeFromPayloadsAtIndex<WorkItemInput>(this.client.options.loadedDataConverter, 0, payloads);
      return createWorkItem(recorded, new Date(recorded.createdAt ?? this.now()));
    }
  }

  /** Whether Temporal has a workflow for this ref (an item not stored yet, R34). */
  async exists(ref: string): Promise<boolean> {
    return (await this.statusOf(ref)) !== undefined;
  }

  /** Ends an item's workflow outside its rules (an import batch that failed part way, R43). */
  async terminate(ref: string, reason: string): Promise<void> {
    try {
      await this.client.workflow.getHandle(ref).terminate(reason);
    } catch (error) {
      if (!(error instanceof WorkflowNotFoundError) && !isNotFound(error)) throw error;
    }
  }

  /**
   * Sends one command as an Update. Temporal admits at most 10 Updates in flight per item, and
   * refuses an Update that arrives while the item's worker is finishing a run: neither took
   * effect, so the command is sent again, for up to about 5 s, before the caller is told to retry.
   */
  async command(ref: string, actor: Actor, command: Command, updateId?: string): Promise<WorkItem> {
    const request: CommandRequest = { actor, command };
    return this.update(ref, command.type, () => this.client.workflow.getHandle(ref).executeUpdate(commandUpdates[command.type], { args: [request], updateId }));
  }

  /** Hands an inbound email to the item (an Update, so the answer says what it did). */
  async takeEmail(ref: string, email: InboundEmail): Promise<EmailTaken> {
    const updateId = `email-${createHash('sha256').update(email.messageId).digest('hex')}`;
    return this.update(ref, 'receive email', () => this.client.workflow.getHandle(ref).executeUpdate(inboundEmailUpdate, { args: [email], updateId }));
  }

  private async update<T>(ref: string, what: string, send: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await send();
      } catch (error) {
        // A workflow task that keeps failing because the code cannot replay the item's history
        // will not heal with retries: the newest events of that history say whether it is so.
        // (On the last attempt, translate() reads them.)
        if (workflowTaskFailed(error) && attempt < ADMISSION_RETRIES) {
          const replay = await this.replayError(ref);
          if (replay) throw this.replayFailed(ref, replay, what);
        }
        if ((notAdmitted(error) || isBusy(error)) && attempt < ADMISSION_RETRIES) {
          await sleep(Math.min(25 * 2 ** attempt, 1000) * (0.5 + Math.random() / 2));
          continue;
        }
        throw await this.translate(ref, error, what);
      }
    }
  }

  /**
   * Diagnostics only (`GET /v1/work-items/:ref?source=workflow`): the item's view as its workflow
   * holds it, by a Query, with only the timeline entries not stored yet. A Query that gets no
   * answer within QUERY_DEADLINE_MS, or is cut because the worker it went to died, is sent again
   * once; then the caller gets 503, never a request that hangs.
   */
  async workflowView(ref: string): Promise<WorkItemView> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.client.connection.withDeadline(Date.now() + QUERY_DEADLINE_MS, () => this.client.workflow.getHandle(ref).query(viewQuery, this.now().toISOString()));
      } catch (error) {
        if (cannotReplay(error)) throw this.replayFailed(ref, error, 'view');
        // The worker dropped a run that went past its history (the run guard, workflows/
        // interceptors.ts): the next Query is answered from the history replayed.
        if ((isUnanswered(error) || ranPastHistory(error)) && attempt === 0) continue;
        if (workflowTaskFailed(error) && attempt === 0) {
          await sleep(500);
          continue;
        }
        if (isUnanswered(error)) throw new ApiError('unavailable', `Temporal did not answer a query of ${ref} within ${QUERY_DEADLINE_MS / 1000} s twice; retry shortly.`, { unavailable: 'Temporal' });
        throw await this.translate(ref, error, 'view');
      }
    }
  }

  /**
   * R9: the Temporal Schedule that starts cases of a process (created, or replaced when it
   * exists). Each run starts a `scheduledCase` workflow, which starts the case.
   */
  async putSchedule(id: string, schedule: { everyMs?: number; cron?: string; paused: boolean; start: ScheduledCaseInput }): Promise<void> {
    const spec: ScheduleSpec = schedule.cron ? { cronExpressions: [schedule.cron] } : { intervals: [{ every: schedule.everyMs! }] };
    const action = {
      type: 'startWorkflow' as const,
      workflowType: 'scheduledCase' as const,
      args: [schedule.start] as [ScheduledCaseInput],
      taskQueue: this.taskQueue,
      workflowId: `scheduled-case-${id}`,
    };
    const scheduleId = scheduleIdOf(id);
    try {
      try {
        await this.client.schedule.create<typeof scheduledCase>({ scheduleId, spec, action, state: { paused: schedule.paused }, policies: { overlap: 'ALLOW_ALL' } });
      } catch (error) {
        if (!(error instanceof ScheduleAlreadyRunning)) throw error;
        await this.client.schedule.getHandle(scheduleId).update<typeof scheduledCase>((previous) => ({ ...previous, spec, action, state: { paused: schedule.paused } }));
      }
    } catch (error) {
      // The SDK checks a cron expression's shape (TypeError); the server checks the rest (INVALID_ARGUMENT).
      const grpcCode = (error as { code?: number; cause?: { code?: number } }).code ?? (error as { cause?: { code?: number } }).cause?.code;
      if (error instanceof TypeError || (error instanceof ServiceError && grpcCode === 3)) {
        throw new ApiError('invalid_request', `Temporal refused the schedule: ${error.message}`, { issues: [{ path: ['body', schedule.cron ? 'cron' : 'every'], message: error.message }] });
      }
      throw error;
    }
  }

  /** When the schedule next starts a case (absent when paused, or when Temporal has no such schedule). */
  async nextScheduledRun(id: string): Promise<string | undefined> {
    try {
      return (await this.client.schedule.getHandle(scheduleIdOf(id)).describe()).info.nextActionTimes[0]?.toISOString();
    } catch (error) {
      if (error instanceof ScheduleNotFoundError) return undefined;
      throw error;
    }
  }

  /** Deletes the Temporal Schedule; one already gone is fine. */
  async deleteSchedule(id: string): Promise<void> {
    try {
      await this.client.schedule.getHandle(scheduleIdOf(id)).delete();
    } catch (error) {
      if (!(error instanceof ScheduleNotFoundError)) throw error;
    }
  }

  /** The current run's history figures and a link to the item in the Temporal UI. */
  async history(ref: string): Promise<{ ref: string; runId: string; eventCount: number; sizeBytes: number; status: string; uiUrl?: string }> {
    const handle = this.client.workflow.getHandle(ref);
    try {
      const description = await handle.describe();
      const uiUrl = this.uiUrlOf(ref);
      return {
        ref,
        runId: description.runId,
        eventCount: Number(description.historyLength),
        sizeBytes: Number(description.historySize),
        status: description.status.name,
        uiUrl,
      };
    } catch (error) {
      throw await this.translate(ref, error, 'read the history of');
    }
  }

  /**
   * Every item Temporal still holds on this service's task queue, with its current state: a
   * running item's by a Query, a completed one's from its result. For the operator's rebuild of
   * the read model (scripts/rebuild-read-model.ts), never a request path.
   */
  async *currentItems(): AsyncGenerator<WorkItem> {
    const query = `WorkflowType = 'workItem' AND TaskQueue = '${this.taskQueue.replace(/'/g, "''")}'`;
    const seen = new Set<string>();
    for await (const execution of this.client.workflow.list({ query })) {
      // Listing shows every run; a continued item's latest run holds its state.
      if (seen.has(execution.workflowId)) continue;
      seen.add(execution.workflowId);
      const handle = this.client.workflow.getHandle<typeof workItem>(execution.workflowId);
      const status = (await handle.describe()).status.name;
      if (status === 'RUNNING') yield await handle.query(itemQuery);
      else if (status === 'COMPLETED') yield await handle.result();
      // Terminated or failed items (an import undone, R43) have no state to show.
    }
  }

  private async translate(ref: string, error: unknown, command: string): Promise<Error> {
    const keyId = unknownPayloadKeyOf(error); // this process cannot decode what Temporal answered
    if (keyId) return this.unknownKey(ref, keyId, command);
    if (error instanceof WorkflowUpdateFailedError && error.cause instanceof ApplicationFailure && (error.cause.type ?? 'invalid_request') in ERROR_STATUS) {
      const failure = error.cause;
      const details = (failure.details?.[0] ?? {}) as Record<string, unknown>;
      const code = (failure.type ?? 'invalid_request') as ErrorCode;
      return new ApiError(code, failure.message, code === 'invalid_request' ? { issues: [], ...details } : details);
    }
    if (ranPastHistory(error)) {
      return new ApiError('item_busy', `${ref}'s worker is replaying its history; send this again in a moment.`);
    }
    if (workflowTaskFailed(error)) {
      const replay = await this.replayError(ref);
      if (replay) return this.replayFailed(ref, replay, command);
      return new ApiError('item_busy', `${ref}'s workflow task failed (its worker stopped or was overloaded) and Temporal is running it again; send this again in a moment${command === 'view' ? '' : ' (with the same Idempotency-Key)'}.`);
    }
    if (notAdmitted(error)) {
      return new ApiError('item_busy', `${ref} is taking many commands at once; send this one again in a moment (with the same Idempotency-Key).`);
    }
    if (error instanceof WorkflowUpdateRPCTimeoutOrCancelledError) {
      return new ApiError('unavailable', `${ref} did not answer in time; send the command again with the same Idempotency-Key.`);
    }
    if (error instanceof WorkflowNotFoundError || isNotFound(error) || updateAborted(error)) {
      const status = await this.statusOf(ref);
      if (status === undefined) return noSuchItem(ref);
      // Aborted while the run was ending (it continued as new): nothing took effect; send it again.
      if (status === 'RUNNING') return new ApiError('unavailable', `${ref} was between runs; send the command again with the same Idempotency-Key.`);
      // A workflow that completed is a closed item: it takes no more commands.
      if (status === 'COMPLETED') return new ApiError('invalid_transition', `Cannot ${command} an item that is closed: a closed item is final.`, { from: 'closed', command });
      // Terminated, failed, timed out or cancelled in Temporal: stopped outside the item's rules.
      return this.needsOperator(ref, `was stopped in Temporal (${status}), outside the rules of a work item`, { temporalStatus: status, command });
    }
    return error as Error;
  }

  /**
   * The item's code cannot replay its history (a nondeterminism, TMPRL1100): every workflow task
   * and Query of it fails the same way until an operator resets it to an earlier point or
   * terminates it. Retrying cannot help, so the caller is told so rather than to retry.
   */
  private replayFailed(ref: string, error: unknown, command: string): ApiError {
    const cause = String(error instanceof Error ? error.message : error).replace(/^\d+ [A-Z_]+: /, '').slice(0, 300);
    const keyId = unknownKeyIn(cause); // R48: the worker could not decrypt its history, which no code change mends
    if (keyId) return this.unknownKey(ref, keyId, command);
    return this.needsOperator(ref, `cannot be replayed by the service's code (${cause})`, { temporalStatus: 'RUNNING', problem: 'nondeterminism', command });
  }

  /**
   * Why the item's workflow task keeps failing, when the reason is that its code cannot replay its
   * history, or that its payloads are under a key the worker lacks (R48); else undefined. Read from the newest events (the first failure of a failing task is
   * in history, the retries are not), so it costs one small read, and only on a failure.
   */
  private async replayError(ref: string): Promise<string | undefined> {
    try {
      const { history } = await this.client.workflowService.getWorkflowExecutionHistoryReverse({
        namespace: this.options.namespace ?? 'default',
        execution: { workflowId: ref },
        maximumPageSize: 50,
      });
      for (const event of history?.events ?? []) {
        if (event.workflowTaskCompletedEventAttributes) return undefined;
        const failed = event.workflowTaskFailedEventAttributes;
        if (!failed) continue;
        if (failed.cause === NON_DETERMINISTIC) return failed.failure?.message ?? 'Nondeterminism error';
        return unknownKeyIn(failed.failure?.message ?? '') ? failed.failure!.message! : undefined; // R48: the worker cannot decrypt it
      }
    } catch {
      // No answer about the history: the caller keeps its first reading of the error.
    }
    return undefined;
  }

  /** R48: a payload of the item is encrypted under a key this service does not hold: never passed on undecoded. */
  private unknownKey(ref: string, keyId: string, command: string): ApiError {
    return this.needsOperator(ref, `holds payloads encrypted under key id ${keyId}, which this service's PAYLOAD_KEYS does not list (add that key after the first)`, { problem: 'unknown_payload_key', keyId, command });
  }

  private needsOperator(ref: string, what: string, details: Record<string, unknown>): ApiError {
    const historyUrl = this.uiUrlOf(ref);
    return new ApiError(
      'needs_operator',
      `${ref} ${what}, so it takes no commands until an operator restores it; ${historyUrl ? `its history: ${historyUrl}` : 'GET /v1/work-items/' + ref + '/history shows its history'}.`,
      { ...details, ...(historyUrl ? { historyUrl } : {}) },
    );
  }

  /** The Temporal status of the item's latest run, or undefined when there is none. */
  private async statusOf(ref: string): Promise<string | undefined> {
    try {
      return (await this.client.workflow.getHandle(ref).describe()).status.name;
    } catch {
      return undefined;
    }
  }

  private uiUrlOf(ref: string): string | undefined {
    if (!this.options.uiUrl) return undefined;
    return `${this.options.uiUrl.replace(/\/$/, '')}/namespaces/${this.options.namespace ?? 'default'}/workflows/${encodeURIComponent(ref)}`;
  }
}

const ADMISSION_RETRIES = 10;
const NON_DETERMINISTIC = proto.temporal.api.enums.v1.WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_NON_DETERMINISTIC_ERROR;

/** The Temporal Schedule of schedule `id` of the API. */
function scheduleIdOf(id: string): string {
  return `case-schedule-${id}`;
}

/** An Update that Temporal refused before it reached the item's code: sending it again is safe. */
function notAdmitted(error: unknown): boolean {
  const grpcCode = (error instanceof ServiceError ? (error.cause as { code?: number } | undefined)?.code : undefined) ?? undefined;
  if (grpcCode === 8) return true; // RESOURCE_EXHAUSTED: too many Updates in flight on this item
  // FAILED_PRECONDITION "due to unexpected workflow task failure": the item's workflow task failed
  // (a worker overloaded past the deadlock timeout, say) before it took the Update; Temporal retries the task.
  if (workflowTaskFailed(error)) return true;
  // "Workflow Update is rejected because it wasn't processed by worker": the server handed it to
  // a workflow task that the worker completed without it (the run was busy ending or waiting).
  if (!(error instanceof WorkflowUpdateFailedError)) return false;
  return error.cause instanceof ServerFailure || (error.cause instanceof ApplicationFailure && error.cause.type === 'UnprocessedUpdate');
}

/** The item refused the command for now: its tail of unstored changes is full. */
/**
 * FAILED_PRECONDITION from a workflow task that failed or timed out (its worker died, was stopped
 * or was overloaded): Temporal retries the task, and the item answers again once it completes.
 */
function workflowTaskFailed(error: unknown): boolean {
  const cause = error instanceof ServiceError ? (error.cause as { code?: number; message?: string } | undefined) : undefined;
  return cause?.code === 9 && /unexpected workflow task failure|Workflow Task in failed state/i.test(String(cause.message ?? ''));
}

/** The worker failed the Query because the run that would answer it went past its history. */
function ranPastHistory(error: unknown): boolean {
  return /went past its history/.test(String((error as Error | undefined)?.message ?? ''));
}

/** The worker failed the task or Query because the item's code cannot replay its history. */
function cannotReplay(error: unknown): boolean {
  return /\[TMPRL1100\]|Nondeterminism error/.test(String((error as Error | undefined)?.message ?? ''));
}

function isBusy(error: unknown): boolean {
  return error instanceof WorkflowUpdateFailedError && error.cause instanceof ApplicationFailure && error.cause.type === 'item_busy';
}

/** The server aborted an Update because its workflow run ended (closed, or continued as new) meanwhile. */
function updateAborted(error: unknown): boolean {
  const e = error as { code?: number; message?: string; cause?: { code?: number; message?: string } } | undefined;
  const code = e?.code ?? e?.cause?.code;
  return code === 14 && /update was aborted/i.test(`${e?.message ?? ''} ${e?.cause?.message ?? ''}`);
}

function isNotFound(error: unknown): boolean {
  const e = error as { code?: number; cause?: { code?: number } } | undefined;
  return e?.code === 5 || e?.cause?.code === 5; // gRPC NOT_FOUND
}

/** The key id of an unknown-key failure anywhere in an error's causes (the codec's own, or as the worker reported it). */
function unknownPayloadKeyOf(error: unknown): string | undefined {
  for (let e = error, depth = 0; e instanceof Error && depth < 8; e = e.cause, depth++) {
    if (e instanceof UnknownPayloadKeyError) return e.keyId;
    const named = unknownKeyIn(e.message);
    if (named) return named;
  }
  return undefined;
}
