// Waiting (R14-R18): an item in progress waits for more information (tickets may wait a number
// of days and close without a reply, R16), until a date (R17), or pauses (cases, R14); a wait
// ends by its timer (deadlines.ts), by an email (email.ts), by reassignment (R12) or by hand
// (R18). Split and case_launched waits end by themselves.

import type { WaitSpec } from '../item/commands.js';
import { invalidTransition, Refusal } from '../item/refusal.js';
import { record } from '../item/timeline.js';
import type { Actor, WaitEndReason, WorkItem } from '../item/types.js';
import { guardOwner, needsAttention, requireResource, setState, touch } from './steps.js';

const DAY_MS = 86_400_000;

export function wait(item: WorkItem, actor: Actor, spec: WaitSpec, now: Date): WorkItem {
  const working = touch(item, actor, 'wait', now.toISOString());
  // R29: a case needing attention (todo) may also be paused by its owner.
  const pausable = spec.type === 'pause' && working.state === 'todo' && needsAttention(working) && working.assignee !== undefined;
  if (working.state !== 'in_progress' && !pausable) throw invalidTransition(working.state, 'wait', 'only an item in progress starts waiting');
  return startWait(working, actor, spec, now);
}

/** R12, R31, R33: a wait that only the work it waits on ends (split, case_launched). */
export function waitsOnOtherWork(item: WorkItem): boolean {
  return item.state === 'waiting' && (item.wait?.type === 'split' || item.wait?.type === 'case_launched');
}

/** R18: a wait is cancelled by hand; a wait on other work only when imported (R43: no work here ends it). */
export function cancelWait(item: WorkItem, actor: Actor, at: string): WorkItem {
  if (item.state !== 'waiting') throw invalidTransition(item.state, 'cancelWait', 'it is not waiting');
  if (waitsOnOtherWork(item) && !item.wait?.imported) {
    throw invalidTransition(item.state, 'cancelWait', `a ${item.wait!.type} wait ends by itself`);
  }
  requireResource(actor, 'cancel the wait of');
  guardOwner(item, actor);
  return endWait(item, actor, at, 'cancelled', false); // R18
}

function startWait(item: WorkItem, actor: Actor, spec: WaitSpec, now: Date): WorkItem {
  const at = now.toISOString();
  let endsAt: string | undefined;
  if (spec.type === 'pause') {
    if (item.kind !== 'case') throw invalidTransition(item.state, 'wait', 'only a case pauses (R14)');
  } else if (spec.type === 'until') {
    const until = Date.parse(spec.until);
    if (Number.isNaN(until)) throw new Refusal('invalid_request', `"${spec.until}" is not a date and time.`);
    if (until <= now.getTime()) throw new Refusal('invalid_request', `The wait must end in the future; ${spec.until} has passed.`);
    endsAt = new Date(until).toISOString();
  } else if (spec.type === 'more_info') {
    if (spec.days !== undefined && item.kind !== 'ticket') throw new Refusal('invalid_request', 'Only a ticket waits a number of days (R14).');
    if (spec.closeIfNoResponse && spec.days === undefined) {
      throw new Refusal('invalid_request', 'closeIfNoResponse needs days: how long to wait for the reply.');
    }
    if (spec.days !== undefined) endsAt = new Date(now.getTime() + spec.days * DAY_MS).toISOString();
  }
  const waitState = { ...spec, endsAt };
  const next = setState({ ...item, wait: waitState, waitEndedReason: undefined }, actor, at, 'waiting');
  const { type: waitType, ...details } = spec;
  return record(next, actor, at, { type: 'wait_started', waitType, ...details, ...(endsAt ? { endsAt } : {}) });
}

export function endWait(item: WorkItem, actor: Actor, at: string, reason: WaitEndReason, highlight: boolean): WorkItem {
  const waitType = item.wait?.type;
  let next: WorkItem = { ...item, wait: undefined, waitEndedReason: reason, highlighted: highlight };
  next = record(next, actor, at, { type: 'wait_ended', waitType, reason });
  // R29: a case needing attention waits in todo; an item nobody holds goes back to the queue.
  return setState(next, actor, at, needsAttention(next) || !next.assignee ? 'todo' : 'in_progress');
}
