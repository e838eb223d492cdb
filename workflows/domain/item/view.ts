// What callers see of an item: the full view (GET /v1/work-items/:ref, every command's reply)
// and the summary row of the read model (R41).

import { figures, type SlaFigures } from '../sla/sla.js';
import { CLOCK_NAMES, responseFigures, shownClocks, type ClockName, type ResponseClockName, type ResponseFigures } from '../sla/response-clocks.js';
import { missingForSubmit } from './required-fields.js';
import type { DeliveryUpdate, EditableFields, State, WaitType, WorkItem, WorkItemSummary } from './types.js';

/** Carried over from the item as they are. */
type Direct = Pick<
  WorkItem,
  | 'ref' | 'kind' | 'state' | 'waitEndedReason' | 'wait' | 'highlighted' | 'assignee' | 'queue' | 'needsHuman'
  | 'processId' | 'resolutionMethod' | 'resolutionReason' | 'resolvedAt' | 'feedbackWindowEndsAt' | 'closedAt'
  | 'parentRef' | 'childRefs' | 'linkedRefs' | 'timeline' | 'timelineLength' | 'createdAt' | 'updatedAt' | 'version'
>;

export interface WorkItemView extends Direct, EditableFields {
  /** How many timeline entries the item has in all; `timeline` holds the latest of them. */
  timelineCount: number;
  waitType?: WaitType;
  waitEndsAt?: string;
  categoryId?: string;
  submittedAt?: string;
  sla?: SlaFigures;
  /** R44: every clock the item has, `resolution` being `sla`. */
  slas?: { resolution?: SlaFigures } & Partial<Record<ResponseClockName, ResponseFigures>>;
  /** Stored entries tagged as the resolution since the last store; the API applies them. */
  resolutionTags?: number[];
  /** Delivery outcomes of stored `email_out` entries since the last store; the API applies them. */
  deliveryUpdates?: DeliveryUpdate[];
  /** Cases (R27, R29): the process version followed, the stage running, every action launched, the attention. */
  processVersion?: number;
  stage?: { index: number; name: string };
  flowComplete?: boolean;
  attention?: { reason: string; actionRef?: string };
  actions?: CaseActionView[];
  /** Imported from v2020.1 (R43), and what v2021.1 asks of it (R5) that it came without. */
  legacyRef?: string;
  legacyStatus?: string;
  missingFields?: string[];
  /** Actions: what the case launched it as. */
  actionType?: string;
  stageIndex?: number;
  robot?: boolean;
}

/**
 * Fields of the view the API applies and strips (store/item-store.ts): it never sends them.
 * api/schemas.ts checks its `WorkItemView` schema against the rest, `WireWorkItemView`.
 */
export type InternalViewField = 'resolutionTags' | 'deliveryUpdates';

/** The view as the API sends it (docs/api.md, "The view of a work item"). */
export type WireWorkItemView = Omit<WorkItemView, InternalViewField>;

/** One action of a case as the case shows it (R27); the API adds each open action's current state and assignee. */
export interface CaseActionView {
  ref: string;
  name: string;
  type: string;
  stageIndex: number;
  state: State;
  resolutionMethod?: 'complete' | 'unable_to_complete' | 'withdrawn';
  reason?: string;
  byHand: boolean;
  assignee?: string;
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
    ...slasOf(item, now),
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
    timelineCount: item.timelineLength,
    ...(item.resolutionTags.length ? { resolutionTags: item.resolutionTags } : {}),
    ...(item.deliveryUpdates?.length ? { deliveryUpdates: item.deliveryUpdates } : {}),
    ...caseParts(item),
    ...(item.legacy ? { legacyRef: item.legacy.ref, legacyStatus: item.legacy.status, ...missingOf(item) } : {}),
    ...(item.importedAttention && !item.flow?.attention ? { attention: { reason: item.importedAttention.reason } } : {}),
    ...(item.action ? { actionType: item.action.type, stageIndex: item.action.stageIndex, ...(item.action.robot !== undefined ? { robot: item.action.robot } : {}) } : {}),
    createdAt: item.createdAt,
    updatedAt: item.updatedAt,
    version: item.version,
  };
}

function slasOf(item: WorkItem, now: Date): Pick<WorkItemView, 'slas'> {
  const shown = shownClocks(item.clocks);
  if (!item.sla && shown.length === 0) return {};
  const slas: NonNullable<WorkItemView['slas']> = item.sla ? { resolution: figures(item.sla, now) } : {};
  for (const [name, clock] of shown) slas[name] = responseFigures(name, clock, now);
  return { slas };
}

/** R43: an imported item past draft that lacks fields R5 asks for lists them. */
function missingOf(item: WorkItem): { missingFields?: string[] } {
  if (item.state === 'draft') return {};
  const missing = missingForSubmit(item.kind, item.fields, item.category?.id);
  return missing.length ? { missingFields: missing } : {};
}

function caseParts(item: WorkItem): Partial<WorkItemView> {
  if (item.kind !== 'case') return {};
  const flow = item.flow;
  return {
    ...(item.processVersion !== undefined ? { processVersion: item.processVersion } : {}),
    ...(item.stage ? { stage: item.stage } : {}),
    ...(flow ? { flowComplete: flow.complete, actions: flow.actions.map(actionView) } : {}),
    ...(flow?.attention ? { attention: { reason: flow.attention.reason, actionRef: flow.attention.actionRef } } : {}),
  };
}

function actionView(a: NonNullable<WorkItem['flow']>['actions'][number]): CaseActionView {
  return {
    ref: a.ref,
    name: a.name,
    type: a.type,
    stageIndex: a.stageIndex,
    // An open action starts in todo; the API shows where it is now (the case hears only of its closing).
    state: a.state === 'closed' ? 'closed' : 'todo',
    ...(a.resolutionMethod ? { resolutionMethod: a.resolutionMethod } : {}),
    ...(a.reason ? { reason: a.reason } : {}),
    byHand: a.byHand,
  };
}

export function toSummary(item: WorkItem, now: Date): WorkItemSummary {
  return summaryOfView(toView(item, now));
}

/** The list row of a view: the workflow's own, or one a command returned to the API. */
export function summaryOfView(view: WorkItemView): WorkItemSummary {
  return {
    ref: view.ref,
    kind: view.kind,
    state: view.state,
    waitType: view.waitType ?? null,
    highlighted: view.highlighted,
    assignee: view.assignee ?? null,
    queue: view.queue ?? null,
    needsHuman: view.needsHuman,
    title: view.title ?? view.shortDescription ?? null,
    categoryId: view.categoryId ?? null,
    parentRef: view.parentRef ?? null,
    dueAt: earliestDue(view),
    breached: breachedClocks(view).length > 0,
    breachedClocks: breachedClocks(view),
    createdAt: view.createdAt,
    updatedAt: view.updatedAt,
    version: view.version,
  };
}

/** R44: the lists sort by the earliest due date of any running clock. */
function earliestDue(view: WorkItemView): string | null {
  const dues = CLOCK_NAMES.map((name) => (name === 'resolution' ? view.sla : view.slas?.[name])?.dueAt).filter((d): d is string => d !== undefined);
  return dues.length ? dues.reduce((a, b) => (Date.parse(a) <= Date.parse(b) ? a : b)) : null;
}

/** The clocks that breached (`next_response` in any of its cycles). */
function breachedClocks(view: WorkItemView): ClockName[] {
  return CLOCK_NAMES.filter((name) => {
    if (name === 'resolution') return view.sla?.breached === true;
    const f = view.slas?.[name];
    return !!f && (f.breached || (f.breaches ?? 0) > 0);
  });
}
