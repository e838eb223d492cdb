// Reads a workflow's history as event-type names (TIMER_FIRED, WORKFLOW_EXECUTION_UPDATE_ACCEPTED, ...),
// and writes and reads a history as JSON (the replay fixtures).

import type { WorkflowHandle } from '@temporalio/client';
import proto from '@temporalio/proto';

const { EventType } = proto.temporal.api.enums.v1;
const { History } = proto.temporal.api.history.v1;
type History = proto.temporal.api.history.v1.IHistory;

/** protobufjs's own JSON form: enums by name, 64-bit numbers and bytes as strings. */
export const historyToJSON = (history: History): string =>
  JSON.stringify(History.toObject(History.fromObject(history), { longs: String, enums: String, bytes: String }));
export const historyFromJSON = (json: unknown): History => History.fromObject(json as Record<string, unknown>);

export async function eventTypes(handle: WorkflowHandle): Promise<string[]> {
  const history = await handle.fetchHistory();
  return (history.events ?? []).map((e) => EventType[e.eventType ?? 0].replace(/^EVENT_TYPE_/, ''));
}
