// The API's only door to Temporal: start an item's workflow, send it a command (an Update), an
// inbound email (a Signal), read its view (a Query) and its history summary. Temporal's errors
// come back as the contract's errors.

import { ApplicationFailure, WorkflowNotFoundError } from '@temporalio/common';
import { WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import type { Command, CommandRequest } from '../workflows/domain/commands.js';
import type { Actor, InboundEmail, WorkItemInput } from '../workflows/domain/types.js';
import type { WorkItemView } from '../workflows/domain/view.js';
import { commandUpdates, inboundEmailSignal, TASK_QUEUE, viewQuery } from '../workflows/definitions.js';
import type { workItem } from '../workflows/work-item.js';
import { ApiError, type ErrorCode } from './errors.js';

export interface GatewayOptions {
  taskQueue?: string;
  /** Base URL of the Temporal Web UI, for links to an item's history. */
  uiUrl?: string;
  namespace?: string;
}

export class WorkItemGateway {
  private readonly taskQueue: string;

  constructor(
    private readonly client: Client,
    private readonly options: GatewayOptions = {},
  ) {
    this.taskQueue = options.taskQueue ?? TASK_QUEUE;
  }

  async start(input: WorkItemInput): Promise<WorkItemView> {
    await this.client.workflow.start<typeof workItem>('workItem', {
      workflowId: input.ref,
      taskQueue: this.taskQueue,
      args: [input],
      memo: { kind: input.kind, ref: input.ref },
      workflowIdConflictPolicy: 'FAIL',
    });
    return this.view(input.ref);
  }

  async command(ref: string, actor: Actor, command: Command, updateId?: string): Promise<WorkItemView> {
    const handle = this.client.workflow.getHandle(ref);
    const request: CommandRequest = { actor, command };
    try {
      return await handle.executeUpdate(commandUpdates[command.type], { args: [request], updateId });
    } catch (error) {
      throw await this.translate(ref, error, command.type);
    }
  }

  async view(ref: string): Promise<WorkItemView> {
    try {
      return await this.client.workflow.getHandle(ref).query(viewQuery, new Date().toISOString());
    } catch (error) {
      throw await this.translate(ref, error, 'view');
    }
  }

  async signalEmail(ref: string, email: InboundEmail): Promise<void> {
    try {
      await this.client.workflow.getHandle(ref).signal(inboundEmailSignal, email);
    } catch (error) {
      throw await this.translate(ref, error, 'receive email');
    }
  }

  /** The current run's history figures and a link to the item in the Temporal UI. */
  async history(ref: string): Promise<{ ref: string; runId: string; eventCount: number; sizeBytes: number; status: string; uiUrl?: string }> {
    const handle = this.client.workflow.getHandle(ref);
    try {
      const description = await handle.describe();
      const uiUrl = this.options.uiUrl
        ? `${this.options.uiUrl.replace(/\/$/, '')}/namespaces/${this.options.namespace ?? 'default'}/workflows/${encodeURIComponent(ref)}`
        : undefined;
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

  private async translate(ref: string, error: unknown, command: string): Promise<Error> {
    if (error instanceof WorkflowUpdateFailedError && error.cause instanceof ApplicationFailure) {
      const failure = error.cause;
      const details = (failure.details?.[0] ?? {}) as Record<string, unknown>;
      const code = (failure.type ?? 'invalid_request') as ErrorCode;
      return new ApiError(code, failure.message, code === 'invalid_request' ? { issues: [], ...details } : details);
    }
    if (error instanceof WorkflowNotFoundError || isNotFound(error)) {
      // A finished workflow is a closed item: it takes no more commands.
      const closed = await this.isFinished(ref);
      if (closed) return new ApiError('invalid_transition', `Cannot ${command} an item that is closed: a closed item is final.`, { from: 'closed', command });
      return new ApiError('not_found', `No work item ${ref}.`);
    }
    return error as Error;
  }

  private async isFinished(ref: string): Promise<boolean> {
    try {
      const description = await this.client.workflow.getHandle(ref).describe();
      return description.status.name !== 'RUNNING';
    } catch {
      return false;
    }
  }
}

function isNotFound(error: unknown): boolean {
  const e = error as { code?: number; cause?: { code?: number } } | undefined;
  return e?.code === 5 || e?.cause?.code === 5; // gRPC NOT_FOUND
}
