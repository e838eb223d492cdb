// The work item's behaviour as pure functions: (item, event, time) -> next item. The workflow
// calls them from Update validators (to refuse) and handlers (to apply); unit tests call them
// directly. Nothing here does I/O or reads the clock.

import type { Command, WaitSpec } from './commands.js';
import { missingForSubmit } from './required-fields.js';
import { invalidTransition, Refusal } from './refusal.js';
import { nextSlaDeadlineOf, reconcileSla, slaMarkAt } from './sla-transitions.js';
import { hasSeen, remember } from './seen-messages.js';
import { asChange, beginSpell, record, tagResolution, type NewEntry } from './timeline.js';
import {
  SYSTEM,
  type Actor,
  type InboundEmail,
  type InboundOutcome,
  type ResolutionMethod,
  type State,
  type WaitEndReason,
  type WorkItem,
  type WorkItemInput,
} from './types.js';

const DAY_MS = 86_400_000;
const MAIL_DOMAIN = 'work-items.invalid';

/** Resolution methods a person may choose, by kind (R19); the others are set by the system. */
export const MANUAL_METHODS: Record<WorkItem['kind'], ResolutionMethod[]> = {
  ticket: ['customer_communication', 'no_customer_response', 'rejected', 'rejected_spam'],
  action: ['complete', 'unable_to_complete'],
  case: ['complete', 'cancelled'],
};

/** Methods that close at once, with no feedback window (R20). */
const CLOSES_AT_ONCE: ResolutionMethod[] = ['rejected_spam', 'rejected_unknown_address', 'cancelled'];

/** Methods that need no resolution communication even when the category asks for it (R22). */
const NO_COMMUNICATION_NEEDED: ResolutionMethod[] = ['rejected_spam', 'rejected_unknown_address', 'merged', 'split_completed'];

// ---------------------------------------------------------------------------------------------
// Creation

export function createWorkItem(input: WorkItemInput, now: Date): WorkItem {
  const at = now.toISOString();
  let item: WorkItem = {
    ref: input.ref,
    kind: input.kind,
    state: input.kind === 'action' ? 'todo' : 'draft', // R4
    highlighted: false,
    queue: input.queue,
    needsHuman: false,
    fields: { ...input.fields },
    category: input.category,
    processId: input.processId,
    parentRef: input.parentRef,
    childRefs: [],
    linkedRefs: [...(input.linkedRefs ?? [])],
    timeline: [],
    timelineLength: 0,
    resolutionTags: [],
    spell: { startSeq: 0 },
    seenMessageIds: [],
    outbox: [],
    createdAt: at,
    updatedAt: at,
    version: 0,
  };
  item = record(item, input.createdBy, at, { type: 'created', kind: input.kind, linkedRefs: item.linkedRefs });
  if (input.initialEmail) {
    item = remember(item, input.initialEmail.messageId);
    item = record(item, { ...SYSTEM, id: input.initialEmail.from }, at, emailInEntry(input.initialEmail, 'attached'));
  }
  if (input.closeAs) {
    item = { ...item, resolutionMethod: input.closeAs, resolvedAt: at };
    item = record(item, SYSTEM, at, { type: 'resolved', method: input.closeAs });
    return close(item, SYSTEM, at);
  }
  if (input.submit && item.state === 'draft') item = submitted(item, input.createdBy, at);
  return { ...reconcileSla(item, at), version: 1 };
}

// ---------------------------------------------------------------------------------------------
// Commands

/**
 * Applies one command. Throws a Refusal, and changes nothing, when the command is not allowed.
 * The input item is never mutated.
 */
export function applyCommand(current: WorkItem, actor: Actor, command: Command, now: Date): WorkItem {
  const caughtUp = catchUp(current, now);
  return asChange(caughtUp, reconcileSla(decideCommand(caughtUp, actor, command, now), now.toISOString()));
}

function decideCommand(before: WorkItem, actor: Actor, command: Command, now: Date): WorkItem {
  const at = now.toISOString();
  if (before.state === 'closed') throw invalidTransition('closed', command.type, 'a closed item is final');
  const item = before; // every step below builds a new object; nothing is mutated in place
  switch (command.type) {
    case 'edit': {
      const touched = touch(item, actor, command.type, at);
      const changed = Object.keys(command.fields).filter((k) => command.fields[k as keyof typeof command.fields] !== undefined);
      let next: WorkItem = { ...touched, fields: { ...touched.fields, ...definedOnly(command.fields) } };
      if (command.category !== undefined) {
        next = { ...next, category: command.category ?? undefined };
        changed.push('categoryId');
      }
      if (changed.length === 0) throw new Refusal('invalid_request', 'Nothing to change: name at least one field.');
      return record(next, actor, at, { type: 'edited', fields: changed });
    }
    case 'submit': {
      if (item.state !== 'draft') throw invalidTransition(item.state, 'submit', 'only a draft is submitted');
      const missing = missingForSubmit(item.kind, item.fields, item.category?.id);
      if (missing.length > 0) {
        throw new Refusal('validation_failed', `Cannot submit: fill in ${missing.join(', ')}.`, { missing });
      }
      return submitted(item, actor, at);
    }
    case 'pickUp': {
      if (item.state !== 'todo') throw invalidTransition(item.state, 'pickUp', 'only a todo item is picked up');
      requireResource(actor, 'pick up');
      guardOwner(item, actor);
      if (item.needsHuman && actor.kind === 'robot') {
        throw invalidTransition(item.state, 'pickUp', 'a robot rejected it, so it needs a human');
      }
      return startWork(assign(item, actor, actor.id, at), actor, at);
    }
    case 'assign':
    case 'unassign': {
      if (!['todo', 'in_progress', 'waiting'].includes(item.state)) {
        throw invalidTransition(item.state, command.type, 'only open, submitted items are (un)assigned');
      }
      requireResource(actor, 'assign');
      guardOwner(item, actor);
      const target = command.type === 'assign' ? command.resourceId : command.toResourceId;
      const targetKind = command.type === 'assign' ? command.resourceKind : command.toResourceKind;
      if (item.needsHuman && targetKind === 'robot') {
        throw invalidTransition(item.state, command.type, 'a robot rejected it, so it needs a human');
      }
      let next = clearHighlightFor(item, actor);
      if (next.state === 'waiting') next = endWait(next, actor, at, 'reassigned', false);
      next = assign(next, actor, target, at);
      return setState(next, actor, at, 'todo'); // R12
    }
    case 'setState': {
      if (command.state === item.state) throw invalidTransition(item.state, 'setState', `it is already ${item.state}`);
      if (!((item.state === 'todo' && command.state === 'in_progress') || (item.state === 'in_progress' && command.state === 'todo'))) {
        throw invalidTransition(item.state, 'setState', 'by hand only todo <-> in_progress (R11)');
      }
      requireResource(actor, 'change the state of');
      guardOwner(item, actor);
      if (command.state === 'in_progress' && item.needsHuman && actor.kind === 'robot') {
        throw invalidTransition(item.state, 'setState', 'a robot rejected it, so it needs a human');
      }
      if (command.state === 'in_progress') {
        const owned = item.assignee ? item : assign(item, actor, actor.id, at);
        return startWork(owned, actor, at);
      }
      return setState(clearHighlightFor(item, actor), actor, at, 'todo');
    }
    case 'reject': {
      if (actor.kind !== 'robot') throw new Refusal('forbidden', 'Only a robot rejects an item to hand it to humans (R13).');
      if (item.state !== 'todo' && item.state !== 'in_progress') throw invalidTransition(item.state, 'reject');
      guardOwner(item, actor);
      let next = assign(clearHighlightFor(item, actor), actor, undefined, at);
      next = setState({ ...next, needsHuman: true }, actor, at, 'todo');
      return record(next, actor, at, { type: 'rejected_by_robot', reason: command.reason });
    }
    case 'wait': {
      const working = touch(item, actor, 'wait', at);
      if (working.state !== 'in_progress') throw invalidTransition(working.state, 'wait', 'only an item in progress starts waiting');
      return startWait(working, actor, command.wait, now);
    }
    case 'cancelWait': {
      if (item.state !== 'waiting') throw invalidTransition(item.state, 'cancelWait', 'it is not waiting');
      if (item.wait?.type === 'split' || item.wait?.type === 'case_launched') {
        throw invalidTransition(item.state, 'cancelWait', `a ${item.wait.type} wait ends by itself`);
      }
      requireResource(actor, 'cancel the wait of');
      guardOwner(item, actor);
      return endWait(item, actor, at, 'cancelled', false); // R18
    }
    case 'addNote': {
      const next = touch(item, actor, 'addNote', at);
      return record(next, actor, at, { type: 'note', text: command.text, isResolution: command.isResolution === true });
    }
    case 'sendEmail': {
      let next = touch(item, actor, 'sendEmail', at);
      if (next.state === 'draft' && !next.fields.title && !next.fields.description) {
        next = { ...next, fields: { ...next.fields, title: command.subject, description: command.body } }; // R7
      }
      const messageId = `<${next.ref}.${next.timelineLength}@${MAIL_DOMAIN}>`;
      const isResolution = command.resolve === true;
      next = { ...next, outbox: [...next.outbox, { messageId, ref: next.ref, to: command.to, subject: command.subject, body: command.body, isResolution }] };
      next = record(next, actor, at, { type: 'email_out', messageId, to: command.to, subject: command.subject, body: command.body, isResolution });
      if (!isResolution) return next;
      return resolve(next, actor, command.resolutionMethod ?? defaultMethod(next), undefined, now, 'sendEmail'); // R24
    }
    case 'resolve':
      return resolve(item, actor, command.method, command.reason, now, 'resolve');
    case 'reopen': {
      if (item.state !== 'resolved') throw invalidTransition(item.state, 'reopen', 'only a resolved item inside its feedback window reopens');
      requireResource(actor, 'reopen');
      guardOwner(item, actor);
      return reopen(item, actor, at);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Inbound email (a Signal: it is never refused)

export function receiveEmail(
  current: WorkItem,
  email: InboundEmail,
  now: Date,
): { item: WorkItem; outcome: InboundOutcome | 'duplicate' | 'closed' } {
  if (hasSeen(current, email.messageId)) return { item: current, outcome: 'duplicate' };
  const before = catchUp(current, now);
  // A closed item is final (R21): the API starts a follow-up item instead.
  if (before.state === 'closed') return { item: before, outcome: 'closed' };
  const at = now.toISOString();
  const sender: Actor = { id: email.from, kind: 'system', roles: [] };
  let item: WorkItem = remember(before, email.messageId);
  let outcome: InboundOutcome = 'attached';
  if (item.state === 'draft' && !item.fields.title && !item.fields.description) {
    item = { ...item, fields: { ...item.fields, title: email.subject, description: email.body } }; // R7, R35
    outcome = 'filled_draft';
  } else if (item.state === 'waiting' && item.wait?.type === 'more_info') {
    outcome = 'ended_wait'; // R16
  } else if (item.state === 'resolved') {
    outcome = 'reopened'; // R21
  }
  item = record(item, sender, at, emailInEntry(email, outcome));
  if (outcome === 'ended_wait') item = endWait(item, sender, at, 'email_received', true);
  if (outcome === 'reopened') item = reopen(item, sender, at);
  return { item: asChange(before, reconcileSla(item, at)), outcome };
}

function emailInEntry(email: InboundEmail, outcome: InboundOutcome): NewEntry {
  return { type: 'email_in', messageId: email.messageId, from: email.from, to: email.to, subject: email.subject, body: email.body, outcome };
}

// ---------------------------------------------------------------------------------------------
// Durable timers: what the item waits for, and what happens when that time comes

/** The next instant at which the item changes by itself, if any: wait end, feedback window end, SLA mark. */
export function nextDeadline(item: WorkItem): number | undefined {
  const own = ownDeadline(item);
  const sla = nextSlaDeadlineOf(item);
  if (own === undefined) return sla;
  return sla === undefined ? own : Math.min(own, sla);
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
function catchUp(item: WorkItem, now: Date): WorkItem {
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

// ---------------------------------------------------------------------------------------------
// Building blocks

function setState(item: WorkItem, actor: Actor, at: string, to: State): WorkItem {
  if (item.state === to) return item;
  const next = record({ ...item, state: to }, actor, at, { type: 'state_changed', from: item.state, to });
  return to === 'in_progress' ? beginSpell(next) : next;
}

function assign(item: WorkItem, actor: Actor, to: string | undefined, at: string): WorkItem {
  if (item.assignee === to) return item;
  return record({ ...item, assignee: to }, actor, at, { type: 'assigned', from: item.assignee ?? null, to: to ?? null });
}

function startWork(item: WorkItem, actor: Actor, at: string): WorkItem {
  return setState(clearHighlightFor(item, actor), actor, at, 'in_progress');
}

function submitted(item: WorkItem, actor: Actor, at: string): WorkItem {
  let next = setState({ ...item, submittedAt: at }, actor, at, 'todo');
  next = record(next, actor, at, { type: 'submitted' });
  if (next.fields.description) {
    // R6: the description becomes the first note of the timeline.
    next = record(next, actor, at, { type: 'note', text: next.fields.description, isResolution: false, initialSubmission: true });
  }
  return next;
}

function clearHighlightFor(item: WorkItem, actor: Actor): WorkItem {
  return item.highlighted && item.assignee === actor.id ? { ...item, highlighted: false } : item;
}

function isSupervisor(actor: Actor): boolean {
  return actor.kind === 'admin' || actor.roles.includes('supervisor');
}

function requireResource(actor: Actor, verb: string): void {
  if (actor.kind === 'human' || actor.kind === 'robot' || actor.kind === 'admin') return;
  throw new Refusal('forbidden', `Only a human or robot resource may ${verb} a work item.`);
}

/** R10: an item assigned to someone else is refused to others unless they supervise. */
function guardOwner(item: WorkItem, actor: Actor): void {
  if (!item.assignee || item.assignee === actor.id || isSupervisor(actor)) return;
  throw new Refusal('assigned_to_other', `${item.ref} is assigned to ${item.assignee}; ask them or a supervisor.`, {
    assignee: item.assignee,
  });
}

/**
 * R10: a human who starts updating a todo item takes it, in the same step. Every updating
 * command passes here first; it also clears the highlight when the owner acts (R15).
 */
function touch(item: WorkItem, actor: Actor, command: string, at: string): WorkItem {
  if (item.state === 'closed') throw invalidTransition('closed', command);
  requireResource(actor, command === 'addNote' ? 'add a note to' : 'update');
  guardOwner(item, actor);
  let next = clearHighlightFor(item, actor);
  if (next.state === 'todo' && actor.kind === 'human') {
    next = startWork(assign(next, actor, next.assignee ?? actor.id, at), actor, at);
  }
  return next;
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
  const wait = { ...spec, endsAt };
  const next = setState({ ...item, wait, waitEndedReason: undefined }, actor, at, 'waiting');
  const { type: waitType, ...details } = spec;
  return record(next, actor, at, { type: 'wait_started', waitType, ...details, ...(endsAt ? { endsAt } : {}) });
}

function endWait(item: WorkItem, actor: Actor, at: string, reason: WaitEndReason, highlight: boolean): WorkItem {
  const waitType = item.wait?.type;
  let next: WorkItem = { ...item, wait: undefined, waitEndedReason: reason, highlighted: highlight };
  next = record(next, actor, at, { type: 'wait_ended', waitType, reason });
  return setState(next, actor, at, 'in_progress');
}

function defaultMethod(item: WorkItem): ResolutionMethod {
  return item.kind === 'ticket' ? 'customer_communication' : 'complete';
}

function resolve(before: WorkItem, actor: Actor, method: ResolutionMethod, reason: string | undefined, now: Date, command: string): WorkItem {
  const at = now.toISOString();
  if (!MANUAL_METHODS[before.kind].includes(method)) {
    throw new Refusal('invalid_request', `A ${before.kind} is not resolved as ${method}; choose one of ${MANUAL_METHODS[before.kind].join(', ')}.`);
  }
  if ((method === 'unable_to_complete' || method === 'cancelled') && !reason) {
    throw new Refusal('validation_failed', `Resolving as ${method} needs a reason.`, { missing: ['reason'] });
  }
  if (before.state === 'resolved') throw invalidTransition(before.state, command, 'it is resolved already');
  if (before.state === 'waiting' && (before.wait?.type === 'split' || before.wait?.type === 'case_launched')) {
    throw invalidTransition(before.state, command, `a ${before.wait.type} wait resolves by itself`);
  }
  let item = before.state === 'draft' ? before : touch(before, actor, command, at); // R8: a draft resolves as it is
  // Resolving ends a wait without starting a new spell: what was written before counts (R22, R24).
  if (item.state === 'waiting') item = { ...endWait(item, actor, at, 'resolved', false), spell: item.spell };
  item = markResolutionCommunication(item, method);
  item = { ...item, resolutionMethod: method, resolutionReason: reason, resolvedAt: at, highlighted: false };
  item = record(item, actor, at, { type: 'resolved', method, from: before.state, ...(reason ? { reason } : {}) });
  item = setState(item, actor, at, 'resolved');
  const windowMs = item.category?.feedbackWindowMs ?? 0;
  if (CLOSES_AT_ONCE.includes(method) || item.kind === 'action' || windowMs <= 0) return close(item, actor, at); // R20, R25
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

function reopen(item: WorkItem, actor: Actor, at: string): WorkItem {
  let next: WorkItem = { ...item, resolutionMethod: undefined, resolutionReason: undefined, resolvedAt: undefined, feedbackWindowEndsAt: undefined, highlighted: true };
  next = record(next, actor, at, { type: 'reopened' });
  next = beginSpell(next); // what was written before the resolution no longer counts (R22)
  return setState(next, actor, at, next.assignee ? 'in_progress' : 'todo'); // R21
}

function close(item: WorkItem, actor: Actor, at: string): WorkItem {
  const next = record({ ...item, closedAt: at, feedbackWindowEndsAt: undefined, highlighted: false }, actor, at, { type: 'closed' });
  return setState(next, actor, at, 'closed');
}

function definedOnly<T extends object>(fields: T): Partial<T> {
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) as Partial<T>;
}
