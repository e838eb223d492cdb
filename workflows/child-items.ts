// An item started by another (a case's action, the case of a start_case action or of a ticket,
// a split's new ticket, a scheduled case): a child workflow in the Temporal UI, with parent close
// policy ABANDON, so it outlives its parent's run. Starting it again (a retry after a crash) is
// harmless: its id is its ref, allocated once per launch. The inputs of the items a work item
// starts are figured here, from the starter as it stands.

import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { ParentClosePolicy, startChild } from '@temporalio/workflow';
import type { PendingLaunch } from './domain/case/flow.js';
import { SYSTEM, type CaseProcess, type CategorySnapshot, type CaseLaunch, type SplitPart, type WorkItem, type WorkItemInput } from './domain/item/types.js';
import { operatorStaticDetails, operatorSummary } from './domain/item/operator-details.js';
import { toSummary } from './domain/item/view.js';
import { createWorkItem } from './domain/rules/transitions.js';
import { startingSearchAttributes } from './search-attributes.js';

export async function startChildItem(child: WorkItemInput): Promise<void> {
  try {
    await startChild('workItem', {
      workflowId: child.ref,
      args: [child],
      parentClosePolicy: ParentClosePolicy.ABANDON,
      memo: { kind: child.kind, ref: child.ref },
      // What the Temporal UI shows of the item at a glance (R40): `A-000001 · action · Verify documents`.
      staticSummary: operatorSummary(child),
      staticDetails: operatorStaticDetails(child),
      typedSearchAttributes: startingSearchAttributes(toSummary(createWorkItem(child, new Date()), new Date())),
    });
  } catch (error) {
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error; // started before a crash
  }
}

/** What the starter passes on to every item it starts (tests lower the store delay). */
export interface Inherited {
  storeAfterMs?: number;
}

/**
 * R26: an action is its own work item, started as a child of its case (the Temporal UI links
 * them) that outlives it: a cancelled case closes its actions by notice, not by Temporal.
 */
export function actionInput(kase: WorkItem, launch: PendingLaunch, ref: string, inherited: Inherited): WorkItemInput {
  return {
    ref,
    kind: 'action',
    createdBy: SYSTEM,
    fields: { title: launch.name },
    queue: kase.queue,
    // R36-R40: an action is measured by its case's due-date rule; the rest of the category
    // (resolution communication, feedback window) is the case's alone.
    ...(kase.category?.sla ? { category: { id: kase.category.id, requireResolutionCommunication: false, feedbackWindowMs: 0, sla: kase.category.sla } } : {}),
    submit: false,
    parentRef: kase.ref,
    action: { type: launch.type, stageIndex: launch.stageIndex, ...(launch.robot !== undefined ? { robot: launch.robot } : {}), ...(launch.processId ? { processId: launch.processId } : {}) },
    ...withInherited(inherited),
  };
}

/** R26, R33: a start_case action, or a ticket, starts a case of a process (its current version), submitted. */
export function caseInput(starter: WorkItem, launch: CaseLaunch, loaded: { process: CaseProcess; category?: CategorySnapshot }, ref: string, inherited: Inherited): WorkItemInput {
  const { process, category } = loaded;
  return {
    ref,
    kind: 'case',
    createdBy: SYSTEM,
    fields: { shortDescription: launch.shortDescription },
    ...(starter.queue ? { queue: starter.queue } : {}),
    ...(category ? { category } : {}),
    process,
    processId: process.id,
    submit: true,
    parentRef: starter.ref,
    ...withInherited(inherited),
  };
}

/** R31: a new ticket of a split, submitted, as the split ticket's child. */
export function splitPartInput(ticket: WorkItem, part: SplitPart, inherited: Inherited): WorkItemInput {
  return {
    ref: part.ref,
    kind: 'ticket',
    createdBy: SYSTEM,
    fields: { title: part.title, description: part.description, ...(part.primaryContact ? { primaryContact: part.primaryContact } : {}), ...(part.requester ? { requester: part.requester } : {}) },
    ...(part.category ? { category: part.category } : {}),
    ...(part.queue ? { queue: part.queue } : {}),
    submit: true,
    parentRef: ticket.ref,
    ...withInherited(inherited),
  };
}

function withInherited({ storeAfterMs }: Inherited): Partial<WorkItemInput> {
  return storeAfterMs !== undefined ? { storeAfterMs } : {};
}
