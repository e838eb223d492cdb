// The SLA clock (R36-R40) as pure functions. The clock keeps only its rule, when it started
// (submission) and the spans it was stopped; every figure (due date, remaining time, banner,
// the next instant a timer must wake the workflow) is derived from those, so a change of rule
// recomputes everything from the submission time.

import { addWorkingTime, workingTimeBetween, type BusinessCalendar } from '../calendar/business-calendar.js';
import { WAIT_TYPES, type WaitType } from '../item/words.js';

export const DEFAULT_AT_RISK_SHARE = 0.75;

/** A category's due-date rule, as the workflow holds it. */
export interface SlaRule {
  targetMs: number;
  /** Working time of this calendar; wall-clock time when absent. */
  calendar?: BusinessCalendar;
  calendarId?: string;
  /** Stop the clock while waiting (R37): always for `pause`, and for the types in `stopOn`. */
  addWaitingTime: boolean;
  stopOn: WaitType[];
  /** Share of the target after which the item is marked at risk. */
  atRiskShare: number;
}

export interface StoppedSpan {
  from: string;
  to?: string;
  /** Why the clock stopped: a wait type, or `resolved`. */
  reason: string;
}

export interface SlaClock {
  rule: SlaRule;
  startedAt: string;
  stops: StoppedSpan[];
  atRiskAt?: string;
  breachedAt?: string;
  /** Closing freezes the clock. */
  frozenAt?: string;
}

/** What the view, the read model and the Temporal UI show (R40). */
export interface SlaFigures {
  target: number;
  calendarId?: string;
  dueAt?: string;
  stoppedMs: number;
  clockRunning: boolean;
  breached: boolean;
  breachedAt?: string;
  atRisk: boolean;
  atRiskAt?: string;
  /** Clock time left (negative once past due); frozen while the clock is stopped. */
  remainingMs: number;
  banner?: string;
}

/** Time on the rule's clock between two instants: working time of its calendar, or wall-clock. */
function measure(rule: SlaRule, fromMs: number, toMs: number): number {
  return rule.calendar ? workingTimeBetween(fromMs, toMs, rule.calendar) : toMs - fromMs;
}

/** The instant reached by running the rule's clock for `ms` from `fromMs` (backwards if negative). */
function advance(rule: SlaRule, fromMs: number, ms: number): number {
  return rule.calendar ? addWorkingTime(fromMs, ms, rule.calendar) : fromMs + ms;
}

export function isRunning(clock: SlaClock): boolean {
  return !clock.frozenAt && !openStop(clock);
}

function openStop(clock: SlaClock): StoppedSpan | undefined {
  const last = clock.stops.at(-1);
  return last && !last.to ? last : undefined;
}

/** Clock time consumed from the start up to `atMs`, stopped spans excluded. */
export function elapsedAt(clock: SlaClock, atMs: number): number {
  const start = Date.parse(clock.startedAt);
  let elapsed = measure(clock.rule, start, Math.max(start, atMs));
  for (const stop of clock.stops) {
    const from = Date.parse(stop.from);
    if (from >= atMs) break;
    const to = Math.min(stop.to ? Date.parse(stop.to) : atMs, atMs);
    elapsed -= measure(clock.rule, from, to);
  }
  return elapsed;
}

/** When the clock last started (the submission, or the end of the last stop). */
function lastStart(clock: SlaClock): number {
  const last = clock.stops.at(-1);
  return Date.parse(last?.to ?? clock.startedAt);
}

/** The instant at which the running clock reaches `share` of the target. */
/**
 * The instant the clock reaches `share` of its target, in whole milliseconds (the first at or
 * after the exact one): a mark's timer fires and is recorded at a `Date`, which has no fraction,
 * so a fractional instant (a target times 0.7, say) would be never quite reached.
 */
function instantAtShare(clock: SlaClock, share: number): number {
  const since = lastStart(clock);
  return advance(clock.rule, since, Math.ceil(clock.rule.targetMs * share - elapsedAt(clock, since)));
}

export function dueAt(clock: SlaClock): number | undefined {
  return isRunning(clock) ? instantAtShare(clock, 1) : undefined;
}

export function figures(clock: SlaClock, now: Date): SlaFigures {
  const nowMs = Math.min(now.getTime(), clock.frozenAt ? Date.parse(clock.frozenAt) : Infinity);
  const running = isRunning(clock);
  const stop = openStop(clock);
  const measuredAt = stop ? Date.parse(stop.from) : nowMs;
  const remainingMs = clock.rule.targetMs - elapsedAt(clock, measuredAt);
  const stoppedMs = clock.stops.reduce((sum, s) => sum + (s.to ? Date.parse(s.to) : nowMs) - Date.parse(s.from), 0);
  const due = dueAt(clock);
  return {
    target: clock.rule.targetMs,
    ...(clock.rule.calendarId ? { calendarId: clock.rule.calendarId } : {}),
    ...(due !== undefined ? { dueAt: new Date(due).toISOString() } : {}),
    stoppedMs,
    clockRunning: running,
    breached: clock.breachedAt !== undefined,
    ...(clock.breachedAt ? { breachedAt: clock.breachedAt } : {}),
    atRisk: clock.atRiskAt !== undefined,
    ...(clock.atRiskAt ? { atRiskAt: clock.atRiskAt } : {}),
    remainingMs,
    ...(stop && !clock.frozenAt && isWaitType(stop.reason) ? { banner: banner(remainingMs) } : {}),
  };
}

/**
 * Where the clock stands at `asOfMs` (or where it stopped: its open stop, or its end): the instant
 * it reached or reaches its target had it run on, and the clock time left (negative: late by).
 */
export function standing(clock: SlaClock, asOfMs: number): { dueAt: number; remainingMs: number } {
  const stop = openStop(clock);
  const endMs = stop ? Date.parse(stop.from) : clock.frozenAt ? Math.min(Date.parse(clock.frozenAt), asOfMs) : asOfMs;
  const remainingMs = clock.rule.targetMs - elapsedAt(clock, endMs);
  return { dueAt: clock.breachedAt ? Date.parse(clock.breachedAt) : advance(clock.rule, endMs, remainingMs), remainingMs };
}

/** R38: `Waiting: Paused 3h 20m before due` / `Waiting: Paused 1h 5m after due`. */
export function banner(remainingMs: number): string {
  const minutes = Math.floor(Math.abs(remainingMs) / 60_000);
  const text = `${Math.floor(minutes / 60)}h ${minutes % 60}m`;
  return `Waiting: Paused ${text} ${remainingMs >= 0 ? 'before' : 'after'} due`;
}

/** The next instant the clock needs the workflow awake for: at risk, then breach (R39). */
export function nextSlaDeadline(clock: SlaClock): number | undefined {
  if (!isRunning(clock)) return undefined;
  if (!clock.atRiskAt && clock.rule.atRiskShare < 1) return instantAtShare(clock, clock.rule.atRiskShare);
  if (!clock.breachedAt) return instantAtShare(clock, 1);
  return undefined;
}

/** Which marks fall due at `nowMs`, in order. */
export function marksDue(clock: SlaClock, nowMs: number): Array<'at_risk' | 'breached'> {
  if (!isRunning(clock)) return [];
  const marks: Array<'at_risk' | 'breached'> = [];
  if (!clock.atRiskAt && clock.rule.atRiskShare < 1 && instantAtShare(clock, clock.rule.atRiskShare) <= nowMs) marks.push('at_risk');
  if (!clock.breachedAt && instantAtShare(clock, 1) <= nowMs) marks.push('breached');
  return marks;
}

function isWaitType(reason: string): boolean {
  return (WAIT_TYPES as readonly string[]).includes(reason);
}

/**
 * After a change of rule: a breach stands (R39: recorded once per clock, whatever the rule
 * becomes); the at-risk mark is kept only while the clock is still past it under the new rule.
 */
export function reviseMarks(clock: SlaClock, atMs: number): SlaClock {
  const elapsed = elapsedAt(clock, atMs);
  const keepBreach = clock.breachedAt !== undefined;
  const keepAtRisk = clock.atRiskAt !== undefined && (keepBreach || elapsed >= clock.rule.targetMs * clock.rule.atRiskShare);
  return { ...clock, breachedAt: keepBreach ? clock.breachedAt : undefined, atRiskAt: keepAtRisk ? clock.atRiskAt : undefined };
}

/** Whether the clock should run for an item in this state and wait (R37). */
export function shouldRun(rule: SlaRule, state: string, waitType: WaitType | undefined): boolean {
  if (state === 'draft' || state === 'resolved' || state === 'closed') return false;
  if (state === 'waiting' && rule.addWaitingTime && waitType && (waitType === 'pause' || rule.stopOn.includes(waitType))) return false;
  return true;
}

export function stopReason(state: string, waitType: WaitType | undefined): string {
  return state === 'waiting' && waitType ? waitType : state;
}
