// What an item waits for in time, and what happens when that time comes: the end of a wait
// (R16, R17; a ticket closes as no_customer_response when asked, R16), the end of the feedback
// window (R21: closed), and the SLA's marks (R37-R39, sla-transitions.ts). The workflow keeps one
// durable timer on `nextDeadline`.

import { nextNamedSlaDeadline, nextSlaDeadlineOf, reconcileSla, slaMarkAt } from '../sla/sla-transitions.js';
import { asChange, record } from '../item/timeline.js';
import { SYSTEM, type WorkItem } from '../item/types.js';
import { close } from './resolution.js';
import { setState } from './steps.js';
import { endWait } from './waits.js';

/** The next instant at which the item changes by itself, if any: wait end, feedback window end, SLA mark. */
export function nextDeadline(item: WorkItem): number | undefined {
  const own = ownDeadline(item);
  const sla = nextSlaDeadlineOf(item);
  if (own === undefined) return sla;
  return sla === undefined ? own : Math.min(own, sla);
}

/** `nextDeadline` and which deadline it is, so the workflow's timer says what it waits for. */
export interface NamedDeadline {
  at: number;
  /** `wait end (until)`, `wait end (more_info)`, `feedback window end`, `SLA at risk`, `SLA breach`, `SLA first_response breach`... */
  what: string;
}

/** The same instant as `nextDeadline`, named; on a tie the item's own deadline is the one applied first. */
export function nextNamedDeadline(item: WorkItem): NamedDeadline | undefined {
  const at = nextDeadline(item);
  if (at === undefined) return undefined;
  if (at === ownDeadline(item)) {
    const what = item.state === 'resolved' ? 'feedback window end' : `wait end (${item.wait!.type}${item.wait!.closeIfNoResponse ? ', closes if no response' : ''})`;
    return { at, what };
  }
  return nextNamedSlaDeadline(item)!;
}

function ownDeadline(item: WorkItem): number | undefined {
  if (item.state === 'waiting' && item.wait?.endsAt) return Date.parse(item.wait.endsAt);
  if (item.state === 'resolved' && item.feedbackWindowEndsAt) return Date.parse(item.feedbackWindowEndsAt);
  return undefined;
}

/**
 * A deadline that has passed takes effect before anything else that arrives: the timer may fire
 * in the same workflow activation as an Update or Signal, or just after it (R16, R21).
 */
export function catchUp(item: WorkItem, now: Date): WorkItem {
  const due = nextDeadline(item);
  return due !== undefined && due <= now.getTime() ? onDeadline(item, now) : item;
}

/** Applies every deadline that has passed by `now`, earliest first. */
export function onDeadline(item: WorkItem, now: Date): WorkItem {
  let next = item;
  for (let guard = 0; guard < 16; guard++) {
    const deadline = nextDeadline(next);
    if (deadline === undefined || deadline > now.getTime()) break;
    // Recorded at the deadline itself (the timer fires a few milliseconds after it), never
    // before the last entry, so the timeline stays in order.
    const at = new Date(Math.max(deadline, Date.parse(next.updatedAt))).toISOString();
    next = asChange(next, reconcileSla(deadline === ownDeadline(next) ? ownDeadlineReached(next, at) : slaMarkAt(next, at), at));
  }
  return next;
}

function ownDeadlineReached(item: WorkItem, at: string): WorkItem {
  if (item.state === 'resolved') return close(item, SYSTEM, at); // R21: window over, no reply
  const wait = item.wait!;
  if (wait.type === 'more_info' && wait.closeIfNoResponse) {
    // R16: no reply in time, and the ticket closes as no_customer_response.
    let next = endWait(item, SYSTEM, at, 'days_elapsed', false);
    next = { ...next, resolutionMethod: 'no_customer_response', resolvedAt: at };
    next = record(next, SYSTEM, at, { type: 'resolved', method: 'no_customer_response' });
    return close(setState(next, SYSTEM, at, 'resolved'), SYSTEM, at);
  }
  return endWait(item, SYSTEM, at, wait.type === 'until' ? 'until_reached' : 'days_elapsed', true); // R16, R17
}
