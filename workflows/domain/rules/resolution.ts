// Resolving, reopening and closing (R19-R25): a method the kind allows (R19), a reason where the
// method needs one, the feedback window before closing (R20, R21; none for an action, R25, or
// for methods that close at once), the resolution communication a category may require and its
// tag on the timeline (R22, R23), and reopening inside the window (R21).

import { invalidTransition, Refusal } from '../item/refusal.js';
import { beginSpell, record, tagResolution } from '../item/timeline.js';
import type { Actor, ResolutionMethod, WorkItem } from '../item/types.js';
import { closesOnResolve, MANUAL_METHODS } from './kinds.js';
import { assign, guardNeedsHuman, guardOwner, needsAttention, requireResource, setState, touch } from './steps.js';
import { endWait, waitsOnOtherWork } from './waits.js';

/** Methods that close at once, with no feedback window (R20; R30: a merged ticket's thread goes on in its target). */
const CLOSES_AT_ONCE: ResolutionMethod[] = ['rejected_spam', 'rejected_unknown_address', 'cancelled', 'merged'];

/** Methods that need no resolution communication even when the category asks for it (R22). */
const NO_COMMUNICATION_NEEDED: ResolutionMethod[] = ['rejected_spam', 'rejected_unknown_address', 'merged', 'split_completed'];

export function resolve(before: WorkItem, actor: Actor, method: ResolutionMethod, reason: string | undefined, now: Date, command: string): WorkItem {
  const at = now.toISOString();
  if (!MANUAL_METHODS[before.kind].includes(method)) {
    throw new Refusal('invalid_request', `A ${before.kind} is not resolved as ${method}; choose one of ${MANUAL_METHODS[before.kind].join(', ')}.`);
  }
  if ((method === 'unable_to_complete' || method === 'cancelled') && !reason) {
    throw new Refusal('validation_failed', `Resolving as ${method} needs a reason.`, { missing: ['reason'] });
  }
  if (before.state === 'resolved') throw invalidTransition(before.state, command, 'it is resolved already');
  if (waitsOnOtherWork(before)) throw invalidTransition(before.state, command, `a ${before.wait!.type} wait resolves by itself`);
  guardNeedsHuman(before, actor, command);
  guardCaseResolution(before, method, command);
  const item = before.state === 'draft' ? before : touch(before, actor, command, at); // R8: a draft resolves as it is
  return settleResolution(markResolutionCommunication(item, method), actor, method, reason, now);
}

/** R19, R26: a case resolves `complete` once its flow is complete (or as a draft, R8), whichever command resolves it (R24). */
function guardCaseResolution(item: WorkItem, method: ResolutionMethod, command: string): void {
  if (item.kind !== 'case' || method !== 'complete' || !item.flow || item.flow.complete) return;
  const stage = item.stage ? `stage ${item.stage.index} (${item.stage.name})` : 'a stage';
  throw invalidTransition(item.state, command, `its flow is not complete: ${stage} still has actions to finish`);
}

/**
 * The resolution itself, once allowed: a wait ends, the method is recorded, and the item closes
 * at once (R20, R25) or opens its feedback window (R21). Also how the system resolves an item
 * (a case whose flow completes with autoResolve, an action of a cancelled case).
 */
export function settleResolution(before: WorkItem, actor: Actor, method: ResolutionMethod, reason: string | undefined, now: Date): WorkItem {
  const at = now.toISOString();
  let item = before;
  // Resolving ends a wait without starting a new spell: what was written before counts (R22, R24).
  if (item.state === 'waiting') item = { ...endWait(item, actor, at, 'resolved', false), spell: item.spell };
  const resolver = actor.kind === 'human' || actor.kind === 'robot' ? actor.id : undefined;
  item = { ...item, resolutionMethod: method, resolutionReason: reason, resolvedAt: at, resolvedBy: resolver, highlighted: false };
  item = record(item, actor, at, { type: 'resolved', method, from: before.state, ...(reason ? { reason } : {}) });
  item = setState(item, actor, at, 'resolved');
  const windowMs = item.category?.feedbackWindowMs ?? 0;
  if (CLOSES_AT_ONCE.includes(method) || closesOnResolve(item.kind) || windowMs <= 0) return close(item, actor, at); // R20, R25
  return { ...item, feedbackWindowEndsAt: new Date(now.getTime() + windowMs).toISOString() };
}

/**
 * R22, R23: with a category that requires it, the resolution needs a note or an outbound email
 * from the current in_progress spell (or the draft); the latest one is tagged as the resolution.
 */
function markResolutionCommunication(item: WorkItem, method: ResolutionMethod): WorkItem {
  if (item.spell.resolutionSeq !== undefined) return item;
  const required = item.category?.requireResolutionCommunication === true && !NO_COMMUNICATION_NEEDED.includes(method);
  const candidate = item.spell.latestCommunicationSeq;
  if (candidate === undefined) {
    if (!required) return item;
    throw new Refusal(
      'resolution_communication_required',
      `Category ${item.category!.id} requires resolution communication: send a resolution email or add an internal resolution note first.`,
    );
  }
  if (!required) return item;
  return tagResolution(item, candidate);
}

/** R21: the `reopen` command, inside the feedback window. */
export function reopenByHand(item: WorkItem, actor: Actor, at: string): WorkItem {
  if (item.state !== 'resolved') throw invalidTransition(item.state, 'reopen', 'only a resolved item inside its feedback window reopens');
  requireResource(actor, 'reopen');
  guardOwner(item, actor);
  return reopen(item, actor, at);
}

/**
 * R21: back to its assignee in progress, or to the queue, highlighted. R8: an item never
 * submitted goes back to draft instead, assigned to the resource who reopened it (or its
 * creator, or who resolved it), since only a submit puts it in a queue.
 */
export function reopen(item: WorkItem, actor: Actor, at: string): WorkItem {
  let next: WorkItem = { ...item, resolutionMethod: undefined, resolutionReason: undefined, resolvedAt: undefined, resolvedBy: undefined, feedbackWindowEndsAt: undefined, highlighted: true };
  next = record(next, actor, at, { type: 'reopened' });
  next = beginSpell(next); // what was written before the resolution no longer counts (R22)
  if (!item.submittedAt) {
    // Its creator, when a resource created it; else the resource who resolved it.
    const owner = actor.kind === 'human' || actor.kind === 'robot' ? actor.id : (item.createdBy ?? item.resolvedBy);
    return setState(assign(next, actor, owner, at), actor, at, 'draft'); // R8
  }
  // R21; R29: a case that still needs attention waits in todo for its owner to act on the problem
  return setState(next, actor, at, next.assignee && !needsAttention(next) ? 'in_progress' : 'todo');
}

export function close(item: WorkItem, actor: Actor, at: string): WorkItem {
  const next = record({ ...item, closedAt: at, feedbackWindowEndsAt: undefined, highlighted: false }, actor, at, { type: 'closed' });
  return setState(next, actor, at, 'closed');
}
