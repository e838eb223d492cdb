// What callers see of an item: the full view (GET /v1/work-items/:ref, every command's reply)
// and the summary row of the read model (R41).

import type { TimelineEntry, WorkItem, WorkItemSummary } from './types.js';

export interface WorkItemView {
  ref: string;
  kind: WorkItem['kind'];
  state: WorkItem['state'];
  waitType?: string;
  waitEndsAt?: string;
  waitEndedReason?: string;
  wait?: WorkItem['wait'];
  highlighted: boolean;
  assignee?: string;
  queue?: string;
  needsHuman: boolean;
  title?: string;
  description?: string;
  shortDescription?: string;
  categoryId?: string;
  processId?: string;
  primaryContact?: string;
  requester?: string;
  resolutionMethod?: string;
  resolutionReason?: string;
  resolvedAt?: string;
  feedbackWindowEndsAt?: string;
  closedAt?: string;
  parentRef?: string;
  childRefs: string[];
  linkedRefs: string[];
  timeline: TimelineEntry[];
  createdAt: string;
  updatedAt: string;
  version: number;
}

export function toView(item: WorkItem): WorkItemView {
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
    resolutionMethod: item.resolutionMethod,
    resolutionReason: item.resolutionReason,
    resolvedAt: item.resolvedAt,
    feedbackWindowEndsAt: item.feedbackWindowEndsAt,
    closedAt: item.closedAt,
    parentRef: item.parentRef,
    childRefs: item.childRefs,
    linkedRefs: item.linkedRefs,
    timeline: item.timeline,
    createdAt: item.createdAt,
    updatedAt: item.updatedAt,
    version: item.version,
  };
}

export function toSummary(item: WorkItem): WorkItemSummary {
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
    dueAt: null,
    breached: false,
    createdAt: item.createdAt,
    updatedAt: item.updatedAt,
    version: item.version,
  };
}
