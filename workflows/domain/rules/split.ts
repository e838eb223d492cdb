// R31: a ticket splits into several new tickets (each with its title and description, and the
// parent's category, contacts and queue unless given). The parent waits (`split`) until every
// new ticket has resolved, then resolves as `split_completed` (into its feedback window). The
// new tickets are started by the parent's workflow, as its children; each names the parent as
// `parentRef` and tells it when it resolves (R32).

import type { Command } from '../item/commands.js';
import { invalidTransition, Refusal } from '../item/refusal.js';
import { asChange, record } from '../item/timeline.js';
import { SYSTEM, type Actor, type State, type WorkItem } from '../item/types.js';
import { reconcileSla } from '../sla/sla-transitions.js';
import { settleResolution } from './resolution.js';
import { setState, touch } from './steps.js';

/** At most this many new tickets from one split. */
export const SPLIT_MAX_PARTS = 20;

/** R31: the `split` command. */
export function split(item: WorkItem, actor: Actor, command: Extract<Command, { type: 'split' }>, at: string): WorkItem {
  if (item.kind !== 'ticket') throw new Refusal('invalid_request', `Only a ticket is split; ${item.ref} is a ${item.kind}.`);
  if (command.tickets.length < 2 || command.tickets.length > SPLIT_MAX_PARTS) {
    throw new Refusal('invalid_request', `A split makes 2 to ${SPLIT_MAX_PARTS} new tickets; ${command.tickets.length} given.`);
  }
  if (command.refs.length !== command.tickets.length || new Set(command.refs).size !== command.refs.length) {
    throw new Refusal('invalid_request', 'A split names one new ref per new ticket.');
  }
  const reused = command.refs.filter((r) => r === item.ref || item.childRefs.includes(r));
  if (reused.length) throw new Refusal('invalid_request', `${reused.join(', ')} already belong to ${item.ref}; a split makes new tickets.`);
  const working = touch(item, actor, 'split', at);
  if (working.state !== 'in_progress') throw invalidTransition(working.state, 'split', 'a ticket in progress is split');
  const parts = command.tickets.map((t, i) => ({
    ...t,
    ref: command.refs[i],
    category: t.category ?? item.category,
    primaryContact: t.primaryContact ?? item.fields.primaryContact,
    requester: t.requester ?? item.fields.requester,
    queue: t.queue ?? item.queue,
    launchId: item.childRefs.length + i,
  }));
  // R32: the new tickets are the ticket's children from the command on, so its answer names them.
  const childRefs = [...item.childRefs, ...command.refs];
  let next = record({ ...working, childRefs, partsToStart: parts, split: { parts: [...command.refs], resolved: [] } }, actor, at, { type: 'split', titles: parts.map((p) => p.title), refs: command.refs });
  next = setState({ ...next, wait: { type: 'split' }, waitEndedReason: undefined }, actor, at, 'waiting');
  return record(next, actor, at, { type: 'wait_started', waitType: 'split' });
}

/** The parent started the new ticket of launch `launchId`. A repeat changes nothing. */
export function splitPartStarted(item: WorkItem, launchId: number, now: Date): WorkItem {
  const part = item.partsToStart?.find((p) => p.launchId === launchId);
  if (!part) return item;
  const partsToStart = item.partsToStart!.filter((p) => p.launchId !== launchId);
  return asChange(item, record({ ...item, partsToStart }, SYSTEM, now.toISOString(), { type: 'split_part_started', ref: part.ref, title: part.title }));
}

/** R31: a new ticket of the split resolved; when the last one has, the parent resolves. A repeat changes nothing. */
export function splitPartNotice(item: WorkItem, notice: { ref: string; state: State }, now: Date): WorkItem {
  // Only the current split's parts count, each once (a part of an earlier split may resolve again).
  const waiting = item.state === 'waiting' && item.wait?.type === 'split' && item.split?.parts.includes(notice.ref);
  if (!waiting || (notice.state !== 'resolved' && notice.state !== 'closed') || item.split!.resolved.includes(notice.ref)) return item;
  const at = now.toISOString();
  const split = { ...item.split!, resolved: [...item.split!.resolved, notice.ref] };
  let next = record({ ...item, split }, SYSTEM, at, { type: 'child_changed', ref: notice.ref, state: notice.state });
  if (split.resolved.length === split.parts.length) next = settleResolution(next, SYSTEM, 'split_completed', undefined, now);
  return asChange(item, reconcileSla(next, at));
}
