// R30: a ticket merges into an existing ticket or case. The target takes the merged ticket's
// timeline (one `merged_in` entry carrying its entries, stored by the API as one text, so no
// Update grows with them); the merged ticket closes at once as `merged` (later emails of its
// thread go to the target, R34); each lists the other in `linkedRefs` (R32).
//
// The API tells the target first and the merged ticket second: a merge cut short between the two
// leaves the target with the entries and the ticket open, and sending it again completes it.

import type { Command } from '../item/commands.js';
import { invalidTransition, Refusal } from '../item/refusal.js';
import { record } from '../item/timeline.js';
import type { Actor, WorkItem } from '../item/types.js';
import { settleResolution } from './resolution.js';
import { requireResource, touch } from './steps.js';

/** R30: the target takes a merged ticket's timeline. A repeat (the same ticket) changes nothing more than a note of it. */
export function takeMerged(item: WorkItem, actor: Actor, command: Extract<Command, { type: 'takeMerged' }>, at: string): WorkItem {
  if (item.kind === 'action') throw new Refusal('invalid_request', `${item.ref} is an action; a ticket merges into a ticket or a case.`);
  if (command.ref === item.ref) throw new Refusal('invalid_request', 'A ticket does not merge into itself.');
  requireResource(actor, 'merge into');
  const linkedRefs = item.linkedRefs.includes(command.ref) ? item.linkedRefs : [...item.linkedRefs, command.ref];
  return record({ ...item, linkedRefs }, actor, at, { type: 'merged_in', ref: command.ref, mergedTimeline: command.mergedTimeline, entries: command.entries });
}

/** R30: the ticket merges into `into`: it closes at once as `merged`, linked to its target. */
export function merge(item: WorkItem, actor: Actor, command: Extract<Command, { type: 'merge' }>, now: Date): WorkItem {
  if (item.kind !== 'ticket') throw new Refusal('invalid_request', `Only a ticket merges; ${item.ref} is a ${item.kind}.`);
  if (command.into === item.ref) throw new Refusal('invalid_request', 'A ticket does not merge into itself.');
  if (item.state === 'resolved') throw invalidTransition(item.state, 'merge', 'it is resolved already');
  if (item.state === 'waiting' && (item.wait?.type === 'split' || item.wait?.type === 'case_launched')) {
    throw invalidTransition(item.state, 'merge', `a ${item.wait.type} wait resolves by itself`);
  }
  const at = now.toISOString();
  const working = item.state === 'draft' ? item : touch(item, actor, 'merge', at);
  const linkedRefs = working.linkedRefs.includes(command.into) ? working.linkedRefs : [...working.linkedRefs, command.into];
  const next = record({ ...working, linkedRefs }, actor, at, { type: 'merged_into', into: command.into });
  return settleResolution(next, actor, 'merged', undefined, now);
}
