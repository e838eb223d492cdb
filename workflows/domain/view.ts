// What callers see of an item: the full view (GET /v1/work-items/:ref, every command's reply)
// and the summary row of the read model (R41).

import { figures, type SlaFigures } from './sla.js';
import type { EditableFields, WaitType, WorkItem, WorkItemSummary } from './types.js';

/** Carried over from the item as they are. */
type Direct = Pick<
  WorkItem,
  | 'ref' | 'kind' | 'state' | 'waitEndedReason' | 'wait' | 'highlighted' | 'assignee' | 'queue' | 'needsHuman'
  | 'processId' | 'resolutionMethod' | 'resolutionReason' | 'resolvedAt' | 'feedbackWindowEndsAt' | 'closedAt'
  | 'parentRef' | 'childRefs' | 'linkedRefs' | 'timeline' | 'timelineLength' | 'createdAt' | 'updatedAt' | 'version'
>;

export interface WorkItemView extends Direct, EditableFields {
  waitType?: WaitType;
  waitEndsAt?: string;
  categoryId?: string;
  submittedAt?: string;
  sla?: SlaFigures;
  /** Stored entries tagged as the resolution since the last store; the API applies them. */
  resolutionTags?: number[];
}

/** `now` is the workflow's time: the SLA's remaining time depends on it. */
export function toView(item: WorkItem, now: Date): WorkItemView {
  return {
    ref: item.ref,
    kind: item.kind,
    state: item.state,
    waitType: item.wait?.type,
    waitEndsAt: item.wait?.endsAt,
    waitEndedReason: item.waitEndedReason,
    wait: item.wait,
    highlighted: item.highlighted,
    assignee: item.assignee,
    queue: item.queue,
    needsHuman: item.needsHuman,
    ...item.fields,
    categoryId: item.category?.id,
    processId: item.processId,
    submittedAt: item.submittedAt,
    ...(item.sla ? { sla: figures(item.sla, now) } : {}),
    resolutionMethod: item.resolutionMethod,
    resolutionReason: item.resolutionReason,
    resolvedAt: item.resolvedAt,
    feedbackWindowEndsAt: item.feedbackWindowEndsAt,
    closedAt: item.closedAt,
    parentRef: item.parentRef,
    childRefs: item.childRefs,
    linkedRefs: item.linkedRefs,
    timeline: item.timeline,
    timelineLength: item.timelineLength,
    ...(item.resolutionTags.length ? { resolutionTags: item.resolutionTags } : {}),
    createdAt: item.createdAt,
    updatedAt: item.updatedAt,
    version: item.version,
  };
}

export function toSummary(item: WorkItem, now: Date): WorkItemSummary {
  const sla = item.sla ? figures(item.sla, now) : undefined;
  return {
    ref: item.ref,
    kind: item.kind,
    state: item.state,
    waitType: item.wait?.type ?? null,
    highlighted: item.highlighted,
    assignee: item.assignee ?? null,
    queue: item.queue ?? null,
    needsHuman: item.needsHuman,
    title: item.fields.title ?? item.fields.shortDescription ?? null,
    categoryId: item.category?.id ?? null,
    parentRef: item.parentRef ?? null,
    dueAt: sla?.dueAt ?? null,
    breached: sla?.breached ?? false,
    createdAt: item.createdAt,
    updatedAt: item.updatedAt,
    version: item.version,
  };
}
