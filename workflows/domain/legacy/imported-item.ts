// R43: an item imported from v2020.1 starts directly in its mapped state: its wait (with its real
// `until`), its resolution (its feedback window counted from the real resolution time), its
// attention flag, its assignee and queue, and its earlier notes as timeline entries marked as
// imported. A deadline already past takes effect at once (the workflow's first timer fires
// straight away): an `until` in the past ends the wait, a window already over closes the item.
//
// `importProblems` says everything wrong with one item before anything is imported (the API
// refuses the whole batch when any item has a problem). An item that lacks fields v2021.1 asks
// for (R5) is not a problem: it comes over as it is, and its view lists them (`missingFields`).

import { blankItem } from '../item/blank-item.js';
import { record } from '../item/timeline.js';
import { SYSTEM, type Actor, type LegacyImport, type WorkItem, type WorkItemInput, type Wait } from '../item/types.js';
import { reconcileSla } from '../sla/sla-transitions.js';
import { mapLegacyStatus, type MappedStatus } from './status-mapping.js';
import { Refusal } from '../item/refusal.js';

export type { LegacyImport } from '../item/types.js';

/** What an import item says, before it is checked (dates still as given). */
export interface LegacyItem {
  legacyRef: string;
  kind: WorkItem['kind'];
  status: string;
  title?: string;
  description?: string;
  shortDescription?: string;
  categoryId?: string;
  processId?: string;
  primaryContact?: string;
  requester?: string;
  assignee?: string;
  waitUntil?: string;
  resolvedAt?: string;
  attentionReason?: string;
  timeline?: Array<{ at: string; by: string; text: string }>;
}

const isInstant = (s: string | undefined): boolean => s !== undefined && /^\d{4}-\d{2}-\d{2}T/.test(s) && !Number.isNaN(Date.parse(s));

/** Every problem of one item (empty when it can be imported), and its mapping when its status is known. */
export function importProblems(item: LegacyItem): { problems: string[]; mapped?: MappedStatus } {
  const problems: string[] = [];
  let mapped: MappedStatus | undefined;
  try {
    mapped = mapLegacyStatus(item.kind, item.status);
  } catch (error) {
    if (!(error instanceof Refusal)) throw error;
    problems.push(error.message);
  }
  for (const field of ['waitUntil', 'resolvedAt'] as const) {
    if (item[field] !== undefined && !isInstant(item[field])) problems.push(`${field} "${item[field]}" is not a date and time (ISO-8601, e.g. 2026-03-02T09:00:00Z)`);
  }
  (item.timeline ?? []).forEach((e, i) => {
    if (!isInstant(e.at)) problems.push(`timeline[${i}].at "${e.at}" is not a date and time`);
  });
  if (item.kind === 'case' && !item.processId) problems.push('a case needs processId');
  if (mapped && (mapped.state === 'in_progress' || mapped.state === 'waiting') && !item.assignee) problems.push(`an item ${mapped.state} needs its assignee`);
  if (mapped?.waitType === 'until' && !item.waitUntil) problems.push('a wait until a date needs waitUntil');
  if (mapped?.state === 'resolved' && !item.resolvedAt) problems.push('a resolved item needs resolvedAt (its feedback window is counted from it)');
  return { problems, ...(mapped ? { mapped } : {}) };
}

/** The item as it is imported, in its mapped state (R43); `now` is when the import runs. */
export function importedItem(input: WorkItemInput, imported: LegacyImport, now: Date): WorkItem {
  const at = now.toISOString();
  const { mapped } = imported;
  let item: WorkItem = { ...blankItem(input, 'draft', at), legacy: { ref: imported.legacyRef, status: imported.legacyStatus } };
  item = record(item, input.createdBy, at, { type: 'created', kind: input.kind, linkedRefs: [], imported: true });
  for (const note of imported.timeline) {
    const author: Actor = { ...SYSTEM, id: note.by };
    item = record(item, author, new Date(Date.parse(note.at)).toISOString(), { type: 'note', text: note.text, isResolution: false, imported: true });
  }
  item = {
    ...item,
    state: mapped.state,
    updatedAt: at,
    ...(mapped.state !== 'draft' ? { submittedAt: at } : {}),
    ...(imported.assignee ? { assignee: imported.assignee } : {}),
    ...(mapped.waitType ? { wait: waitOf(mapped.waitType, imported.waitUntil) } : {}),
    ...(mapped.resolutionMethod ? { resolutionMethod: mapped.resolutionMethod } : {}),
    ...(mapped.attention ? { highlighted: true, importedAttention: { reason: imported.attentionReason ?? 'needed attention in v2020.1' } } : {}),
  };
  if (mapped.state === 'resolved' || mapped.state === 'closed') {
    const resolvedAt = new Date(Date.parse(imported.resolvedAt ?? at)).toISOString();
    item = { ...item, resolvedAt };
    const windowMs = input.category?.feedbackWindowMs ?? 0;
    if (mapped.state === 'closed' || input.kind === 'action' || windowMs <= 0) item = { ...item, state: 'closed', closedAt: mapped.state === 'closed' ? resolvedAt : at };
    else item = { ...item, feedbackWindowEndsAt: new Date(Date.parse(resolvedAt) + windowMs).toISOString() };
  }
  item = record(item, input.createdBy, at, { type: 'imported', legacyRef: imported.legacyRef, legacyStatus: imported.legacyStatus, state: item.state });
  return { ...reconcileSla(item, at), version: 1 };
}

function waitOf(type: NonNullable<MappedStatus['waitType']>, until: string | undefined): Wait {
  if (type === 'until' && until) {
    const endsAt = new Date(Date.parse(until)).toISOString();
    return { type, until: endsAt, endsAt };
  }
  // R43: no work here ends an imported wait on other work; its owner cancels it.
  return type === 'split' || type === 'case_launched' ? { type, imported: true } : { type };
}
