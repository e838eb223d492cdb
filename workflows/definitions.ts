// The messages a work-item workflow answers: one Update per command, the inbound-email Signal
// and the view Query. The API imports these to talk to the workflow.

import type { UpdateDefinition } from '@temporalio/common';
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import { COMMAND_TYPES, type CommandRequest, type CommandType } from './domain/item/commands.js';
import type { InboundEmail, InboundOutcome, ResolutionMethod, State } from './domain/item/types.js';
import type { WorkItemView } from './domain/item/view.js';

export const TASK_QUEUE = 'work-items';

/** The item's view; the argument is the caller's time, so the SLA's remaining time is current. */
export const viewQuery = defineQuery<WorkItemView, [asOf?: string]>('view');

export const inboundEmailSignal = defineSignal<[InboundEmail]>('inboundEmail');

/** R25, R29: an action tells its case it closed (sent by the action's workflow; a repeat is harmless). */
export const actionClosedSignal = defineSignal<[{ ref: string; method: ResolutionMethod; reason?: string }]>('actionClosed');
/** R19: a cancelled case tells an open action to close (a repeat is harmless). */
export const caseCancelledSignal = defineSignal<[{ caseRef: string; reason: string }]>('caseCancelled');
/** R26, R32: a case tells the item that started it that it was submitted, or resolved (a repeat is harmless). */
export const childChangedSignal = defineSignal<[{ ref: string; state: State; resolutionMethod?: ResolutionMethod }]>('childChanged');

/** Inbound email as an Update: the answer says what the email did, with the item's view. */
export interface EmailTaken {
  outcome: InboundOutcome | 'duplicate' | 'closed';
  view: WorkItemView;
}
export const inboundEmailUpdate = defineUpdate<EmailTaken, [InboundEmail]>('takeEmail');

export type CommandUpdate = UpdateDefinition<WorkItemView, [CommandRequest]>;

export const commandUpdates = Object.fromEntries(
  COMMAND_TYPES.map((type) => [type, defineUpdate<WorkItemView, [CommandRequest]>(type)]),
) as Record<CommandType, CommandUpdate>;
