// An item started by another (a case's action, the case of a start_case action or of a ticket,
// a split's new ticket, a scheduled case): a child workflow in the Temporal UI, with parent close
// policy ABANDON, so it outlives its parent's run. Starting it again (a retry after a crash) is
// harmless: its id is its ref, allocated once per launch.

import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { ParentClosePolicy, startChild } from '@temporalio/workflow';
import type { WorkItemInput } from './domain/item/types.js';
import { operatorStaticDetails, operatorSummary } from './domain/item/operator-details.js';

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
    });
  } catch (error) {
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error; // started before a crash
  }
}
