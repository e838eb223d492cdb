// Working on an item (R10-R13): picking it up, (un)assigning it (R12: back to todo), moving it
// between todo and in_progress by hand (R11), a robot handing it to humans (R13), notes, and a
// supervisor moving it to another queue (R46).

import type { Command } from '../item/commands.js';
import { invalidTransition, Refusal } from '../item/refusal.js';
import { record } from '../item/timeline.js';
import type { Actor, WorkItem } from '../item/types.js';
import { assign, clearHighlightFor, guardOwner, requireResource, setState, startWork, supervises, touch } from './steps.js';
import { endWait, waitsOnOtherWork } from './waits.js';

const NEEDS_A_HUMAN = 'a robot rejected it, so it needs a human';

export function pickUp(item: WorkItem, actor: Actor, at: string): WorkItem {
  if (item.state !== 'todo') throw invalidTransition(item.state, 'pickUp', 'only a todo item is picked up');
  requireResource(actor, 'pick up');
  guardOwner(item, actor);
  if (item.needsHuman && actor.kind === 'robot') throw invalidTransition(item.state, 'pickUp', NEEDS_A_HUMAN);
  return startWork(assign(item, actor, actor.id, at), actor, at);
}

/**
 * R12: (un)assigning puts the item back to todo (and ends a wait); a wait on other work (split,
 * case_launched) stays, for only that work ends it.
 */
export function reassign(item: WorkItem, actor: Actor, command: Extract<Command, { type: 'assign' | 'unassign' }>, at: string): WorkItem {
  if (!['todo', 'in_progress', 'waiting'].includes(item.state)) {
    throw invalidTransition(item.state, command.type, 'only open, submitted items are (un)assigned');
  }
  requireResource(actor, 'assign');
  guardOwner(item, actor);
  const target = command.type === 'assign' ? command.resourceId : command.toResourceId;
  const targetKind = command.type === 'assign' ? command.resourceKind : command.toResourceKind;
  if (item.needsHuman && targetKind === 'robot') throw invalidTransition(item.state, command.type, NEEDS_A_HUMAN);
  let next = clearHighlightFor(item, actor);
  if (waitsOnOtherWork(next)) return assign(next, actor, target, at);
  if (next.state === 'waiting') next = endWait(next, actor, at, 'reassigned', false);
  next = assign(next, actor, target, at);
  return setState(next, actor, at, 'todo'); // R12
}

/** R11: by hand, only todo <-> in_progress. */
export function setStateByHand(item: WorkItem, actor: Actor, command: Extract<Command, { type: 'setState' }>, at: string): WorkItem {
  if (command.state === item.state) throw invalidTransition(item.state, 'setState', `it is already ${item.state}`);
  if (!((item.state === 'todo' && command.state === 'in_progress') || (item.state === 'in_progress' && command.state === 'todo'))) {
    throw invalidTransition(item.state, 'setState', 'by hand only todo <-> in_progress (R11)');
  }
  requireResource(actor, 'change the state of');
  guardOwner(item, actor);
  if (command.state === 'in_progress' && item.needsHuman && actor.kind === 'robot') throw invalidTransition(item.state, 'setState', NEEDS_A_HUMAN);
  if (command.state === 'in_progress') {
    const owned = item.assignee ? item : assign(item, actor, actor.id, at);
    return startWork(owned, actor, at);
  }
  return setState(clearHighlightFor(item, actor), actor, at, 'todo');
}

/** R13: a robot that cannot do the work hands it to humans. */
export function reject(item: WorkItem, actor: Actor, command: Extract<Command, { type: 'reject' }>, at: string): WorkItem {
  if (actor.kind !== 'robot') throw new Refusal('forbidden', 'Only a robot rejects an item to hand it to humans (R13).');
  if (item.state !== 'todo' && item.state !== 'in_progress') throw invalidTransition(item.state, 'reject');
  guardOwner(item, actor);
  let next = assign(clearHighlightFor(item, actor), actor, undefined, at);
  next = setState({ ...next, needsHuman: true }, actor, at, 'todo');
  return record(next, actor, at, { type: 'rejected_by_robot', reason: command.reason });
}

export function addNote(item: WorkItem, actor: Actor, command: Extract<Command, { type: 'addNote' }>, at: string): WorkItem {
  const next = touch(item, actor, 'addNote', at);
  return record(next, actor, at, { type: 'note', text: command.text, isResolution: command.isResolution === true });
}

/**
 * R46: a supervisor of the item's queue moves it to another; its state, assignee and wait stay
 * (an assignee keeps reaching it, as the items assigned to them).
 */
export function moveQueue(item: WorkItem, actor: Actor, command: Extract<Command, { type: 'moveQueue' }>, at: string): WorkItem {
  if (!supervises(actor, item)) throw new Refusal('forbidden', `Only a supervisor of ${item.queue ? `queue ${item.queue}` : 'every queue'} moves ${item.ref} to another queue (R46).`);
  if (item.queue === command.queue) throw invalidTransition(item.state, 'moveQueue', `it is already in queue ${command.queue}`);
  return record({ ...item, queue: command.queue }, actor, at, { type: 'queue_changed', from: item.queue ?? null, to: command.queue });
}
