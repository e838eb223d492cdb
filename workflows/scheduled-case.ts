// R9: a case started on a schedule. A Temporal Schedule starts this small workflow at each time
// the schedule names; it gives the case a ref (once per scheduled run, so a retry keeps it),
// reads the current version of the process, and starts the case, submitted, as its child. The
// case outlives it; the run's result is the case's ref, shown in the Temporal UI beside the
// schedule's recent actions.

import { ApplicationFailure, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { WorkItemActivities } from '../activities/read-model-types.js';
import { SYSTEM, type WorkItemInput } from './domain/item/types.js';
import { startChildItem } from './child-items.js';

const { allocateRef, loadProcess } = proxyActivities<WorkItemActivities>({
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '200 ms', maximumInterval: '10 seconds' },
});

export interface ScheduledCaseInput {
  scheduleId: string;
  processId: string;
  shortDescription: string;
  queue?: string;
}

export async function scheduledCase(input: ScheduledCaseInput): Promise<string> {
  const loaded = await loadProcess(input.processId);
  if (!loaded) {
    throw ApplicationFailure.nonRetryable(`Schedule ${input.scheduleId} starts cases of process ${input.processId}, which is not defined.`, 'invalid_request');
  }
  const { process, category } = loaded;
  const ref = await allocateRef({ origin: workflowInfo().workflowId, launchId: 0, kind: 'case' });
  const kase: WorkItemInput = {
    ref,
    kind: 'case',
    createdBy: { ...SYSTEM, id: `schedule:${input.scheduleId}` },
    fields: { shortDescription: input.shortDescription },
    ...(input.queue ? { queue: input.queue } : {}),
    ...(category ? { category } : {}),
    process,
    processId: process.id,
    submit: true,
  };
  await startChildItem(kase);
  return ref;
}
