// How an item's SLA clock follows the item (R36-R39): after every change the clock is
// reconciled with the item's state (started at submission, stopped while a listed wait or the
// resolution lasts, restarted after, frozen at close, recomputed when the category's rule
// changes), and the at-risk and breach marks are recorded once when their instants come.

import { dueAt, figures, isRunning, marksDue, nextSlaDeadline, reviseMarks, shouldRun, stopReason, type SlaClock } from './sla.js';
import { record } from '../item/timeline.js';
import { SYSTEM, type WorkItem } from '../item/types.js';

export function nextSlaDeadlineOf(item: WorkItem): number | undefined {
  return item.sla ? nextSlaDeadline(item.sla) : undefined;
}

/** Records the next SLA mark (at risk, then breached) that falls due at `at`. */
export function slaMarkAt(item: WorkItem, at: string): WorkItem {
  const clock = item.sla;
  const mark = clock && marksDue(clock, Date.parse(at))[0];
  if (!clock || !mark) return item;
  if (mark === 'at_risk') {
    return record({ ...item, sla: { ...clock, atRiskAt: at } }, SYSTEM, at, { type: 'sla_at_risk', dueAt: isoOrNull(dueAt(clock)) });
  }
  return record({ ...item, sla: { ...clock, breachedAt: at } }, SYSTEM, at, { type: 'sla_breached', dueAt: isoOrNull(dueAt(clock)) });
}

export function reconcileSla(item: WorkItem, at: string): WorkItem {
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
