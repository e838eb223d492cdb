// The response clocks (R44) beside the resolution clock: `first_response` runs from submission
// until the first outbound email; `next_response` runs from the first inbound email after a reply
// until the next outbound email. Both end at the resolution. Each is an SlaClock of its own rule
// (target, calendar, stopOn), stopped while a listed wait lasts, and marked breached once at its
// instant. Like the resolution clock, each is derived from settled state: the item's state and
// wait, its submission, and the instants of its last inbound and outbound emails.

import { figures, isRunning, marksDue, nextSlaDeadline, reviseMarks, shouldRun, stopReason, type SlaClock, type SlaFigures, type SlaRule } from './sla.js';
import type { WaitType } from '../item/words.js';

export const RESPONSE_CLOCKS = ['first_response', 'next_response'] as const;
export type ResponseClockName = (typeof RESPONSE_CLOCKS)[number];
export const CLOCK_NAMES = ['resolution', ...RESPONSE_CLOCKS] as const;
export type ClockName = (typeof CLOCK_NAMES)[number];

/** A category's rules for the response clocks. */
export type ResponseRules = Partial<Record<ResponseClockName, SlaRule>>;

/** A running or ended response clock; `next_response` counts the breaches of its earlier cycles. */
export interface ResponseClock extends SlaClock {
  /** Why it ended: an outbound email, or the resolution. */
  endedBy?: 'responded' | 'resolved';
  earlierBreaches?: number;
  /**
   * When the category stopped having this clock. The clock is kept, inert, so that a rule set
   * again continues it and a breach stands (R39: recorded once, whatever the rule becomes).
   */
  removedAt?: string;
}
export type ResponseClocks = Partial<Record<ResponseClockName, ResponseClock>>;

/** What the response clocks follow: the item's settled state. */
export interface Situation {
  state: string;
  waitType: WaitType | undefined;
  submittedAt?: string;
  lastEmailInAt?: string;
  lastEmailOutAt?: string;
}

/** A timeline entry a change of a response clock records (the `clock` field names it). */
export interface ClockEntry {
  type: 'sla_started' | 'sla_stopped' | 'sla_changed' | 'sla_removed';
  clock: ResponseClockName;
  [field: string]: unknown;
}

const ended = (state: string) => state === 'resolved' || state === 'closed';

/** One response clock brought up to date with the situation at `at`, and what to record of it. */
export function reconcileResponseClock(
  name: ResponseClockName,
  rule: SlaRule | undefined,
  current: ResponseClock | undefined,
  s: Situation,
  at: string,
): { clock: ResponseClock | undefined; entries: ClockEntry[] } {
  if (!rule) return current && !current.removedAt ? { clock: { ...current, removedAt: at }, entries: [{ type: 'sla_removed', clock: name }] } : { clock: current, entries: [] };
  if (!s.submittedAt) return { clock: current, entries: [] };
  const entries: ClockEntry[] = [];
  let clock = current;
  if (clock?.removedAt) {
    const { removedAt: _, ...kept } = clock;
    clock = kept;
    if (clock.endedBy) clock = { ...clock, rule };
  }
  if (clock && (JSON.stringify(clock.rule) !== JSON.stringify(rule) || current?.removedAt) && !clock.endedBy) {
    clock = reviseMarks({ ...clock, rule }, Date.parse(at)) as ResponseClock;
    entries.push({ type: 'sla_changed', clock: name, ...dueFigures(clock, at), breached: clock.breachedAt !== undefined });
  }
  const startAt = startInstant(name, clock, s);
  if (startAt !== undefined && !ended(s.state)) {
    const earlierBreaches = clock ? (clock.earlierBreaches ?? 0) + (clock.breachedAt ? 1 : 0) : 0;
    clock = { rule, startedAt: startAt, stops: [], ...(earlierBreaches ? { earlierBreaches } : {}) };
    entries.push({ type: 'sla_started', clock: name, ...dueFigures(clock, at) });
  }
  if (!clock || clock.endedBy) return { clock, entries };

  const respondedAt = s.lastEmailOutAt && s.lastEmailOutAt >= clock.startedAt && (name === 'first_response' || s.lastEmailOutAt > clock.startedAt) ? s.lastEmailOutAt : undefined;
  if (respondedAt || ended(s.state)) {
    const endAt = respondedAt ?? at;
    const closedStops = clock.stops.map((stop) => (stop.to ? stop : { ...stop, to: endAt }));
    clock = { ...clock, stops: closedStops, frozenAt: endAt, endedBy: respondedAt ? 'responded' : 'resolved' };
    const f = figures(clock, new Date(endAt));
    entries.push({ type: 'sla_stopped', clock: name, reason: clock.endedBy, remainingMs: f.remainingMs, breached: f.breached });
    return { clock, entries };
  }

  const run = shouldRun(rule, s.state, s.waitType);
  const openStop = clock.stops.at(-1);
  if (isRunning(clock) && !run) {
    clock = { ...clock, stops: [...clock.stops, { from: at, reason: stopReason(s.state, s.waitType) }] };
    const f = figures(clock, new Date(at));
    entries.push({ type: 'sla_stopped', clock: name, reason: stopReason(s.state, s.waitType), remainingMs: f.remainingMs, ...(f.banner ? { banner: f.banner } : {}) });
  } else if (!isRunning(clock) && run && openStop && !openStop.to) {
    clock = { ...clock, stops: [...clock.stops.slice(0, -1), { ...openStop, to: at }] };
    entries.push({ type: 'sla_started', clock: name, ...dueFigures(clock, at) });
  }
  return { clock, entries };
}

/**
 * When a new cycle of the clock starts, if one does now: `first_response` at submission, once;
 * `next_response` at an inbound email after the last reply, when no cycle runs since it.
 */
function startInstant(name: ResponseClockName, clock: ResponseClock | undefined, s: Situation): string | undefined {
  if (name === 'first_response') return clock ? undefined : s.submittedAt;
  const { lastEmailInAt: inAt, lastEmailOutAt: outAt } = s;
  if (!inAt || !outAt || inAt <= outAt) return undefined;
  if (clock && !clock.endedBy) return undefined; // a cycle runs: later emails do not restart it
  // A cycle the resolution ended restarts only at an email that came after it (one that reopens).
  if (clock?.endedBy === 'resolved') return inAt > clock.frozenAt! ? inAt : undefined;
  return inAt;
}

const live = (clock: ResponseClock) => !clock.endedBy && !clock.removedAt;

/** The clocks the item has now (a removed one is kept, inert, but no longer shown). */
export function shownClocks(clocks: ResponseClocks | undefined): Array<[ResponseClockName, ResponseClock]> {
  return RESPONSE_CLOCKS.flatMap((name) => {
    const clock = clocks?.[name];
    return clock && !clock.removedAt ? [[name, clock] as [ResponseClockName, ResponseClock]] : [];
  });
}

/** The next instant a response clock needs the workflow awake for (its at-risk mark, then its breach). */
export function nextResponseDeadline(clocks: ResponseClocks | undefined): { at: number; clock: ResponseClockName } | undefined {
  let next: { at: number; clock: ResponseClockName } | undefined;
  for (const name of RESPONSE_CLOCKS) {
    const clock = clocks?.[name];
    const at = clock && live(clock) ? nextSlaDeadline(clock) : undefined;
    if (at !== undefined && (!next || at < next.at)) next = { at, clock: name };
  }
  return next;
}

/** The first response-clock mark due at `nowMs`, if any. */
export function responseMarkDue(clocks: ResponseClocks | undefined, nowMs: number): { clock: ResponseClockName; mark: 'at_risk' | 'breached' } | undefined {
  for (const name of RESPONSE_CLOCKS) {
    const clock = clocks?.[name];
    const mark = clock && live(clock) ? marksDue(clock, nowMs)[0] : undefined;
    if (mark) return { clock: name, mark };
  }
  return undefined;
}

/** What the view shows of a response clock: the resolution clock's figures, how it ended, and (next_response) its breaches in all. */
export interface ResponseFigures extends SlaFigures {
  endedBy?: 'responded' | 'resolved';
  /** `next_response`: how many of its cycles breached, this one included. */
  breaches?: number;
}

export function responseFigures(name: ResponseClockName, clock: ResponseClock, now: Date): ResponseFigures {
  const f = figures(clock, now);
  const breaches = (clock.earlierBreaches ?? 0) + (clock.breachedAt ? 1 : 0);
  return { ...f, ...(clock.endedBy ? { endedBy: clock.endedBy } : {}), ...(name === 'next_response' ? { breaches } : {}) };
}

/** Whether the clock ever breached (for `next_response`, in any cycle): the lists' and search attributes' flag. */
export function everBreached(clock: ResponseClock | undefined): boolean {
  return !!clock && (clock.breachedAt !== undefined || (clock.earlierBreaches ?? 0) > 0);
}

function dueFigures(clock: SlaClock, at: string): { dueAt: string | null; stoppedMs: number } {
  const f = figures(clock, new Date(at));
  return { dueAt: f.dueAt ?? null, stoppedMs: f.stoppedMs };
}
