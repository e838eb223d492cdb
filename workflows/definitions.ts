// The messages a work-item workflow answers: one Update per command and one for inbound email,
// each answering with the item's state after it (the API stores that state and serves reads from
// PostgreSQL), Signals between items, and two Queries kept for diagnostics only (an operator's
// `?source=workflow`, the read-model rebuild): no request path sends a Query.

import type { UpdateDefinition } from '@temporalio/common';
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import { COMMAND_TYPES, type CommandRequest, type CommandType } from './domain/item/commands.js';
import type { InboundEmail, InboundOutcome, ResolutionMethod, State, WorkItem } from './domain/item/types.js';
import type { WorkItemView } from './domain/item/view.js';

export const TASK_QUEUE = 'work-items';

/** Diagnostics: the item's view as its workflow holds it; the argument is the caller's time. */
export const viewQuery = defineQuery<WorkItemView, [asOf?: string]>('view');
/** Diagnostics and the read-model rebuild: the item's state as its workflow holds it. */
export const itemQuery = defineQuery<WorkItem>('item');

/** R25, R29: an action tells its case it closed (sent by the action's workflow; a repeat is harmless). */
export const actionClosedSignal = defineSignal<[{ ref: string; method: ResolutionMethod; reason?: string }]>('actionClosed');
/** R19, R29: a cancelled case tells an open action to close; a reworked one, an action it withdrew (a repeat is harmless). */
export const caseCancelledSignal = defineSignal<[{ caseRef: string; reason: string; method?: 'withdrawn' }]>('caseCancelled');
/** R26, R32: a case tells the item that started it that it was submitted, or resolved (a repeat is harmless). */
export const childChangedSignal = defineSignal<[{ ref: string; state: State; resolutionMethod?: ResolutionMethod }]>('childChanged');

/** Inbound email as an Update: the answer says what the email did, with the item's state after it. */
export interface EmailTaken {
  outcome: InboundOutcome | 'duplicate' | 'closed';
  item: WorkItem;
}
export const inboundEmailUpdate = defineUpdate<EmailTaken, [InboundEmail]>('takeEmail');

/** A command's Update answers with the item's state after the command. */
export type CommandUpdate = UpdateDefinition<WorkItem, [CommandRequest]>;

export const commandUpdates = Object.fromEntries(
  COMMAND_TYPES.map((type) => [type, defineUpdate<WorkItem, [CommandRequest]>(type)]),
) as Record<CommandType, CommandUpdate>;
