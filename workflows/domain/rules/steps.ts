// The small steps every rule is made of: a state change, an assignment, the owner guard (R10),
// taking a todo item by starting to update it (R10), the highlight (R15). Each returns a new
// item and records what it did on the timeline.

import { invalidTransition, Refusal } from '../item/refusal.js';
import { beginSpell, record } from '../item/timeline.js';
import type { Actor, State, WorkItem } from '../item/types.js';

export function setState(item: WorkItem, actor: Actor, at: string, to: State): WorkItem {
  if (item.state === to) return item;
  const next = record({ ...item, state: to }, actor, at, { type: 'state_changed', from: item.state, to });
  return to === 'in_progress' ? beginSpell(next) : next;
}

export function assign(item: WorkItem, actor: Actor, to: string | undefined, at: string): WorkItem {
  if (item.assignee === to) return item;
  return record({ ...item, assignee: to }, actor, at, { type: 'assigned', from: item.assignee ?? null, to: to ?? null });
}

export function startWork(item: WorkItem, actor: Actor, at: string): WorkItem {
  return setState(clearHighlightFor(item, actor), actor, at, 'in_progress');
}

/** R15: the highlight clears when the owner acts on the item. */
export function clearHighlightFor(item: WorkItem, actor: Actor): WorkItem {
  return item.highlighted && item.assignee === actor.id ? { ...item, highlighted: false } : item;
}

/** R46: a supervisor role holds for the queues its resource names (all of them, when it names none). */
export function supervises(actor: Actor, item: WorkItem): boolean {
  if (actor.kind === 'admin') return true;
  if (!actor.roles.includes('supervisor')) return false;
  return actor.queues === undefined || (item.queue !== undefined && actor.queues.includes(item.queue));
}

export function requireResource(actor: Actor, verb: string): void {
  if (actor.kind === 'human' || actor.kind === 'robot' || actor.kind === 'admin') return;
  throw new Refusal('forbidden', `Only a human or robot resource may ${verb} a work item.`);
}

/** R10: an item assigned to someone else is refused to others unless they supervise. */
export function guardOwner(item: WorkItem, actor: Actor): void {
  if (!item.assignee || item.assignee === actor.id || supervises(actor, item)) return;
  throw new Refusal('assigned_to_other', `${item.ref} is assigned to ${item.assignee}; ask them or a supervisor.`, {
    assignee: item.assignee,
  });
}

/**
 * R10: a human who starts updating a todo item takes it, in the same step, unless it is someone
 * else's (a supervisor's update changes neither state nor assignee) or a case needing attention
 * (R29: it stays todo until its owner resets, reworks or relaunches). Every updating command
 * passes here first; it also clears the highlight when the owner acts (R15).
 */
export function touch(item: WorkItem, actor: Actor, command: string, at: string): WorkItem {
  if (item.state === 'closed') throw invalidTransition('closed', command);
  requireResource(actor, command === 'addNote' ? 'add a note to' : 'update');
  guardOwner(item, actor);
  const next = clearHighlightFor(item, actor);
  return mayTake(next, actor) && !needsAttention(next) ? take(next, actor, at) : next;
}

/** R10: whether `actor` takes this item by updating it: a todo item, theirs or nobody's, by a human. */
export function mayTake(item: WorkItem, actor: Actor): boolean {
  return item.state === 'todo' && actor.kind === 'human' && (!item.assignee || item.assignee === actor.id);
}

/** Assigned to `actor` (if it had no assignee) and in progress. */
export function take(item: WorkItem, actor: Actor, at: string): WorkItem {
  return startWork(assign(item, actor, item.assignee ?? actor.id, at), actor, at);
}

/** R29, R43: a case whose failed action (or imported flag) waits for its owner's decision. */
export function needsAttention(item: WorkItem): boolean {
  return item.flow?.attention !== undefined || item.importedAttention !== undefined;
}

/** R13: a robot does not take back an item it handed to humans. */
export function guardNeedsHuman(item: WorkItem, actor: Actor, command: string): void {
  if (item.needsHuman && actor.kind === 'robot') throw invalidTransition(item.state, command, 'a robot rejected it, so it needs a human');
}

export function definedOnly<T extends object>(fields: T): Partial<T> {
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) as Partial<T>;
}
