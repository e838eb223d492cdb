// How an item's SLA clock follows the item (R36-R39): after every change the clock is
// reconciled with the item's state (started at submission, stopped while a listed wait or the
// resolution lasts, restarted after, frozen at close, recomputed when the category's rule
// changes), and the at-risk and breach marks are recorded once when their instants come. The
// response clocks (R44, response-clocks.ts) follow the same way, each with its own entries.

import { dueAt, figures, isRunning, marksDue, nextSlaDeadline, reviseMarks, shouldRun, stopReason, type SlaClock } from './sla.js';
import { nextResponseDeadline, reconcileResponseClock, RESPONSE_CLOCKS, responseMarkDue, type ResponseClocks } from './response-clocks.js';
import { record } from '../item/timeline.js';
import { SYSTEM, type WorkItem } from '../item/types.js';

export function nextSlaDeadlineOf(item: WorkItem): number | undefined {
  return nextNamedSlaDeadline(item)?.at;
}

/** The next SLA mark's instant, and which clock and mark it is. */
export function nextNamedSlaDeadline(item: WorkItem): { at: number; what: string } | undefined {
  const own = item.sla ? nextSlaDeadline(item.sla) : undefined;
  const response = nextResponseDeadline(item.clocks);
  if (response && (own === undefined || response.at < own)) {
    const clock = item.clocks![response.clock]!;
    return { at: response.at, what: `SLA ${response.clock} ${!clock.atRiskAt && clock.rule.atRiskShare < 1 ? 'at risk' : 'breach'}` };
  }
  if (own === undefined) return undefined;
  // As `nextSlaDeadline` chooses: the at-risk mark first (unless its share is the whole target), then the breach.
  return { at: own, what: !item.sla!.atRiskAt && item.sla!.rule.atRiskShare < 1 ? 'SLA at risk' : 'SLA breach' };
}

/** Records the next SLA mark (at risk, then breached) that falls due at `at`: the resolution clock's first. */
export function slaMarkAt(item: WorkItem, at: string): WorkItem {
  const clock = item.sla;
  const mark = clock && marksDue(clock, Date.parse(at))[0];
  if (!clock || !mark) return responseMarkAt(item, at);
  if (mark === 'at_risk') {
    return record({ ...item, sla: { ...clock, atRiskAt: at } }, SYSTEM, at, { type: 'sla_at_risk', dueAt: isoOrNull(dueAt(clock)) });
  }
  return record({ ...item, sla: { ...clock, breachedAt: at } }, SYSTEM, at, { type: 'sla_breached', dueAt: isoOrNull(dueAt(clock)) });
}

function responseMarkAt(item: WorkItem, at: string): WorkItem {
  const due = responseMarkDue(item.clocks, Date.parse(at));
  if (!due) return item;
  const clock = item.clocks![due.clock]!;
  const marked = due.mark === 'at_risk' ? { ...clock, atRiskAt: at } : { ...clock, breachedAt: at };
  const entry = { type: due.mark === 'at_risk' ? ('sla_at_risk' as const) : ('sla_breached' as const), clock: due.clock, dueAt: isoOrNull(dueAt(clock)) };
  return record({ ...item, clocks: { ...item.clocks, [due.clock]: marked } }, SYSTEM, at, entry);
}

/** Every clock of the item brought up to date with its state at `at`. */
export function reconcileSla(item: WorkItem, at: string): WorkItem {
  return reconcileResponseClocks(reconcileResolutionClock(item, at), at);
}

function reconcileResponseClocks(item: WorkItem, at: string): WorkItem {
  if (!item.clocks && !item.category?.slas) return item;
  const situation = { state: item.state, waitType: item.wait?.type, submittedAt: item.submittedAt, lastEmailInAt: item.lastEmailInAt, lastEmailOutAt: item.lastEmailOutAt };
  let next = item;
  let changed = false;
  const clocks: ResponseClocks = { ...item.clocks };
  for (const name of RESPONSE_CLOCKS) {
    const { clock, entries } = reconcileResponseClock(name, item.category?.slas?.[name], clocks[name], situation, at);
    if (clock === clocks[name]) continue;
    changed = true;
    if (clock) clocks[name] = clock;
    else delete clocks[name];
    for (const entry of entries) next = record(next, SYSTEM, at, entry);
  }
  if (!changed) return item;
  const { clocks: _dropped, ...rest } = next;
  return Object.keys(clocks).length ? { ...rest, clocks } : rest;
}

function reconcileResolutionClock(item: WorkItem, at: string): WorkItem {
  const rule = item.category?.sla;
  let clock = item.sla;
  if (!rule) {
    if (!clock) return item;
    // R39: a breach is kept with the item, so a rule set again does not record a second one.
    const breachedAt = clock.breachedAt ?? item.slaBreachedAt;
    return record({ ...item, sla: undefined, ...(breachedAt ? { slaBreachedAt: breachedAt } : {}) }, SYSTEM, at, { type: 'sla_removed' });
  }
  if (!item.submittedAt || clock?.frozenAt) return item;

  let next = item;
  if (!clock) {
    // R36: the due date is computed on submission.
    clock = { rule, startedAt: item.submittedAt, stops: [], ...(item.slaBreachedAt ? { breachedAt: item.slaBreachedAt, atRiskAt: item.slaBreachedAt } : {}) };
    next = record({ ...next, sla: clock }, SYSTEM, at, { type: 'sla_started', ...dueFigures(clock, at) });
  } else if (JSON.stringify(clock.rule) !== JSON.stringify(rule)) {
    // The category (or its rule) changed: everything is recomputed from the submission time.
    clock = reviseMarks({ ...clock, rule }, Date.parse(at));
    next = record({ ...next, sla: clock }, SYSTEM, at, { type: 'sla_changed', ...dueFigures(clock, at), breached: clock.breachedAt !== undefined });
  }

  if (next.state === 'closed') {
    return { ...next, sla: { ...clock, frozenAt: at } }; // closing freezes the clock
  }
  const run = shouldRun(rule, next.state, next.wait?.type);
  if (isRunning(clock) && !run) {
    // R37, R38: stopped; the view shows the time left (or overdue) instead of a due date.
    clock = { ...clock, stops: [...clock.stops, { from: at, reason: stopReason(next.state, next.wait?.type) }] };
    const f = figures(clock, new Date(at));
    return record({ ...next, sla: clock }, SYSTEM, at, { type: 'sla_stopped', reason: clock.stops.at(-1)!.reason, remainingMs: f.remainingMs, ...(f.banner ? { banner: f.banner } : {}) });
  }
  const openStop = clock.stops.at(-1);
  if (!isRunning(clock) && !run && openStop && !openStop.to && openStop.reason !== stopReason(next.state, next.wait?.type)) {
    // Still stopped, for another reason now (resolved from a wait): no banner once resolved.
    clock = { ...clock, stops: [...clock.stops.slice(0, -1), { ...openStop, reason: stopReason(next.state, next.wait?.type) }] };
    return { ...next, sla: clock };
  }
  if (!isRunning(clock) && run) {
    // R37: the stopped span is added to the due date when the clock starts again.
    const stops = clock.stops.slice(0, -1).concat({ ...clock.stops.at(-1)!, to: at });
    clock = { ...clock, stops };
    return record({ ...next, sla: clock }, SYSTEM, at, { type: 'sla_started', ...dueFigures(clock, at) });
  }
  return next;
}

function dueFigures(clock: SlaClock, at: string): { dueAt: string | null; stoppedMs: number } {
  const f = figures(clock, new Date(at));
  return { dueAt: f.dueAt ?? null, stoppedMs: f.stoppedMs };
}

function isoOrNull(ms: number | undefined): string | null {
  return ms === undefined ? null : new Date(ms).toISOString();
}
