// Reads a workflow's history as event-type names (TIMER_FIRED, WORKFLOW_EXECUTION_UPDATE_ACCEPTED, ...).

import type { WorkflowHandle } from '@temporalio/client';
import proto from '@temporalio/proto';

const { EventType } = proto.temporal.api.enums.v1;

export async function eventTypes(handle: WorkflowHandle): Promise<string[]> {
  const history = await handle.fetchHistory();
  return (history.events ?? []).map((e) => EventType[e.eventType ?? 0].replace(/^EVENT_TYPE_/, ''));
}
