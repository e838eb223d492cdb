// R30: a ticket merges into an existing ticket or case. The target takes the merged ticket's
// timeline (one `merged_in` entry carrying its entries, stored by the API as one text, so no
// Update grows with them); the merged ticket closes at once as `merged` (later emails of its
// thread go to the target, R34); each lists the other in `linkedRefs` (R32).
//
// The API tells the merged ticket first (its rules may refuse, and then nothing has changed on
// either item) and the target second: a merge cut short between the two leaves the ticket
// closed as merged into the target, and sending it again completes the target (a repeat of
// takeMerged changes nothing).

import type { Command } from '../item/commands.js';
import { invalidTransition, Refusal } from '../item/refusal.js';
import { record } from '../item/timeline.js';
import type { Actor, WorkItem } from '../item/types.js';
import { settleResolution } from './resolution.js';
import { guardNeedsHuman, requireResource, touch } from './steps.js';
import { waitsOnOtherWork } from './waits.js';

/**
 * R30: the target takes a merged ticket's timeline. A repeat (a merge retried after a crash)
 * changes nothing.
 */
export function takeMerged(item: WorkItem, actor: Actor, command: Extract<Command, { type: 'takeMerged' }>, at: string): WorkItem {
  if (item.kind === 'action') throw new Refusal('invalid_request', `${item.ref} is an action; a ticket merges into a ticket or a case.`);
  if (command.ref === item.ref) throw new Refusal('invalid_request', 'A ticket does not merge into itself.');
  requireResource(actor, 'merge into');
  if (item.mergedFrom?.includes(command.ref)) return item;
  const linkedRefs = item.linkedRefs.includes(command.ref) ? item.linkedRefs : [...item.linkedRefs, command.ref];
  const mergedFrom = [...(item.mergedFrom ?? []), command.ref];
  return record({ ...item, linkedRefs, mergedFrom }, actor, at, { type: 'merged_in', ref: command.ref, mergedTimeline: command.mergedTimeline, entries: command.entries });
}

/** R30: the ticket merges into `into`: it closes at once as `merged`, linked to its target. */
export function merge(item: WorkItem, actor: Actor, command: Extract<Command, { type: 'merge' }>, now: Date): WorkItem {
  if (item.kind !== 'ticket') throw new Refusal('invalid_request', `Only a ticket merges; ${item.ref} is a ${item.kind}.`);
  if (command.into === item.ref) throw new Refusal('invalid_request', 'A ticket does not merge into itself.');
  if (item.state === 'resolved') throw invalidTransition(item.state, 'merge', 'it is resolved already');
  requireResource(actor, 'merge');
  if (waitsOnOtherWork(item)) throw invalidTransition(item.state, 'merge', `a ${item.wait!.type} wait resolves by itself`);
  guardNeedsHuman(item, actor, 'merge');
  const at = now.toISOString();
  const working = item.state === 'draft' ? item : touch(item, actor, 'merge', at);
  const linkedRefs = working.linkedRefs.includes(command.into) ? working.linkedRefs : [...working.linkedRefs, command.into];
  const next = record({ ...working, linkedRefs, mergedInto: command.into }, actor, at, { type: 'merged_into', into: command.into });
  return settleResolution(next, actor, 'merged', undefined, now);
}
