// SLA policy simulation (R45): an item's stored story replayed under a proposed rule, with the
// same pure functions its workflow runs (reconcileSla after each change, the marks at their
// instants as the workflow's timer applies them). The replay reads only what the clocks follow:
// submission, state changes, waits, and the instants of emails in and out. It takes the timeline
// one entry at a time, so a caller can feed it page by page.

import { standing, type SlaClock, type SlaRule } from './sla.js';
import { everBreached, shownClocks, type ClockName, type ResponseClock } from './response-clocks.js';
import { nextSlaDeadlineOf, reconcileSla, slaMarkAt } from './sla-transitions.js';
import { blankItem } from '../item/blank-item.js';
import { SYSTEM, type State, type TimelineEntry, type WaitType, type WorkItem } from '../item/types.js';

/** The rules a replay runs under, one per clock (a clock without one is not replayed). */
export type ClockRules = Partial<Record<ClockName, SlaRule>>;

/** One clock's figures at the end of the period: its due date, whether it breached, and by how much. */
export interface ClockOutcome {
  /** The instant it reached (or reaches) its target; for next_response, of its latest cycle. */
  dueAt: string | null;
  /** Breached (next_response: in any cycle). */
  breached: boolean;
  /** Clock minutes past the target (the latest cycle's), rounded down; 0 when not late. */
  minutesLate: number;
}

export function outcomeOf(clock: SlaClock | undefined, asOf: Date): ClockOutcome | undefined {
  if (!clock) return undefined;
  const { dueAt, remainingMs } = standing(clock, asOf.getTime());
  return { dueAt: new Date(dueAt).toISOString(), breached: everBreached(clock as ResponseClock), minutesLate: remainingMs < 0 ? Math.floor(-remainingMs / 60_000) : 0 };
}

/** The figures of each clock an item has. */
export function actualOutcomes(item: WorkItem, asOf: Date): Partial<Record<ClockName, ClockOutcome>> {
  const out: Partial<Record<ClockName, ClockOutcome>> = {};
  const resolution = outcomeOf(item.sla, asOf);
  if (resolution) out.resolution = resolution;
  for (const [name, clock] of shownClocks(item.clocks)) out[name] = outcomeOf(clock, asOf)!;
  return out;
}

/** Replays one item's timeline under `rules`: feed it every entry in order, then ask for the outcomes. */
export class ItemReplay {
  private item: WorkItem;
  private pendingAt: string | undefined;

  constructor(ref: string, kind: WorkItem['kind'], rules: ClockRules) {
    const category = {
      id: 'simulated',
      requireResolutionCommunication: false,
      feedbackWindowMs: 0,
      ...(rules.resolution ? { sla: rules.resolution } : {}),
      ...(rules.first_response || rules.next_response
        ? { slas: { ...(rules.first_response ? { first_response: rules.first_response } : {}), ...(rules.next_response ? { next_response: rules.next_response } : {}) } }
        : {}),
    };
    this.item = blankItem({ ref, kind, createdBy: SYSTEM, fields: {}, category, submit: false }, 'draft', '');
  }

  /** The next entry of the story. Entries of one instant are one change: the clocks settle after the last of them. */
  feed(entry: Pick<TimelineEntry, 'at' | 'type'> & Partial<TimelineEntry>): void {
    if (this.pendingAt !== undefined && entry.at !== this.pendingAt) this.settle(this.pendingAt);
    if (this.pendingAt !== entry.at) this.marksUntil(Date.parse(entry.at));
    this.pendingAt = entry.at;
    this.item = { ...this.item, ...effectOf(this.item, entry), updatedAt: entry.at };
  }

  /** The clocks' figures at `asOf` (the end of the period, or now), every mark due by then applied. */
  outcomes(asOf: Date): Partial<Record<ClockName, ClockOutcome>> {
    if (this.pendingAt !== undefined) this.settle(this.pendingAt);
    this.pendingAt = undefined;
    this.marksUntil(asOf.getTime());
    return actualOutcomes(this.item, asOf);
  }

  /** The marks (at risk, breach) whose instants come by `atMs`, each at its instant, as the workflow's timer fires them. */
  private marksUntil(atMs: number): void {
    for (let d = nextSlaDeadlineOf(this.item); d !== undefined && d <= atMs; d = nextSlaDeadlineOf(this.item)) {
      const at = new Date(Math.max(d, Date.parse(this.item.updatedAt || new Date(d).toISOString()))).toISOString();
      this.item = reconcileSla(slaMarkAt(this.item, at), at);
      this.item = { ...this.item, timeline: [] };
    }
  }

  private settle(at: string): void {
    this.item = { ...reconcileSla(this.item, at), timeline: [] };
  }
}

/** What one stored entry changes of what the clocks follow. */
function effectOf(item: WorkItem, e: Pick<TimelineEntry, 'at' | 'type'> & Partial<TimelineEntry>): Partial<WorkItem> {
  switch (e.type) {
    case 'created':
      return item.kind === 'action' ? { submittedAt: e.at } : {}; // an action starts submitted
    case 'submitted':
      return { submittedAt: e.at };
    case 'state_changed': {
      const to = e.to as State;
      return to === 'waiting' ? { state: to } : { state: to, wait: undefined };
    }
    case 'wait_started':
      return { wait: { type: e.waitType as WaitType } };
    case 'wait_ended':
      return { wait: undefined };
    case 'email_in':
      return { lastEmailInAt: e.at };
    case 'email_out':
      return { lastEmailOutAt: e.at };
    default:
      return {};
  }
}

/** Running totals of a simulation, by clock and by queue. */
export interface Tally {
  items: number;
  breachedNow: number;
  breachedProposed: number;
}

export class Totals {
  readonly byClock: Partial<Record<ClockName, Tally>> = {};
  readonly byQueue: Record<string, Tally> = {};

  add(clock: ClockName, queue: string | null, actual: ClockOutcome | undefined, simulated: ClockOutcome | undefined): void {
    for (const tally of [(this.byClock[clock] ??= blank()), (this.byQueue[queue ?? '(none)'] ??= blank())]) {
      tally.items++;
      if (actual?.breached) tally.breachedNow++;
      if (simulated?.breached) tally.breachedProposed++;
    }
  }
}

const blank = (): Tally => ({ items: 0, breachedNow: 0, breachedProposed: 0 });

