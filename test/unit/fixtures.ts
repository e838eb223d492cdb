// Shared builders for the pure unit tests in test/unit: actors, categories, fixed times and
// tickets in each state, built only through createWorkItem and applyCommand.

import type { Command } from '../../workflows/domain/item/commands.js';
import { Refusal } from '../../workflows/domain/item/refusal.js';
import { actionClosedNotice, actionLaunched, applyCommand, createWorkItem } from '../../workflows/domain/rules/transitions.js';
import type { Actor, CaseProcess, CategorySnapshot, EditableFields, InboundEmail, WorkItem, WorkItemInput } from '../../workflows/domain/item/types.js';

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/** The fixed instant every builder starts from; each later step is one minute after the one before. */
export const T0 = new Date('2026-03-02T09:00:00Z');
export function after(ms: number, from: Date = T0): Date {
  return new Date(from.getTime() + ms);
}

export const alice: Actor = { id: 'alice', kind: 'human', roles: [] };
export const bob: Actor = { id: 'bob', kind: 'human', roles: [] };
export const sam: Actor = { id: 'sam', kind: 'human', roles: ['supervisor'] };
export const robbie: Actor = { id: 'robbie', kind: 'robot', roles: [] };
export const admin: Actor = { id: 'admin', kind: 'admin', roles: [] };

/** No resolution communication required, five-day feedback window. */
export const LENIENT: CategorySnapshot = { id: 'general', requireResolutionCommunication: false, feedbackWindowMs: 5 * DAY };
/** Resolution communication required, five-day feedback window. */
export const STRICT: CategorySnapshot = { id: 'strict', requireResolutionCommunication: true, feedbackWindowMs: 5 * DAY };
/** No feedback window: resolving closes at once. */
export const NO_WINDOW: CategorySnapshot = { id: 'instant', requireResolutionCommunication: false, feedbackWindowMs: 0 };

export const TICKET_FIELDS: EditableFields = {
  title: 'Invoice 42 unpaid',
  description: 'Supplier says invoice 42 was never paid.',
  primaryContact: 'ann@example.com',
  requester: 'ann@example.com',
};

export function ticketInput(overrides: Partial<WorkItemInput> = {}): WorkItemInput {
  return { ref: 'T-000001', kind: 'ticket', createdBy: alice, fields: { ...TICKET_FIELDS }, category: LENIENT, submit: false, ...overrides };
}

export function caseInput(overrides: Partial<WorkItemInput> = {}): WorkItemInput {
  return { ref: 'C-000001', kind: 'case', createdBy: alice, fields: { shortDescription: 'Onboard supplier' }, submit: false, ...overrides };
}

/** Two stages: two checks, then one set-up action. */
export const ONBOARDING: CaseProcess = {
  id: 'onboarding',
  version: 1,
  name: 'Onboard a supplier',
  autoResolve: false,
  stages: [
    { name: 'Check', actions: [{ type: 'review', name: 'Verify documents' }, { type: 'review', name: 'Check sanctions' }] },
    { name: 'Set up', actions: [{ type: 'task', name: 'Create supplier record' }] },
  ],
};

/** A case of ONBOARDING submitted at T0 and picked up by alice, its first stage launched as A-000001, A-000002. */
export function runningCase(overrides: Partial<WorkItemInput> = {}): WorkItem {
  let item = run(createWorkItem(caseInput({ process: ONBOARDING, submit: true, ...overrides }), T0), [[alice, { type: 'pickUp' }]]);
  return launchPending(item, after(2 * MINUTE));
}

/** Reports every pending launch of the case as launched, numbering actions after its children. */
export function launchPending(kase: WorkItem, at: Date): WorkItem {
  let item = kase;
  for (const p of kase.flow?.pending ?? []) item = actionLaunched(item, p.launchId, `A-${String(item.childRefs.length + 1).padStart(6, '0')}`, at);
  return item;
}

/** runningCase after A-000001 closed unable_to_complete: back in todo, needing attention (R29). */
export function caseNeedingAttention(): WorkItem {
  return actionClosedNotice(runningCase(), ONBOARDING, { ref: 'A-000001', method: 'unable_to_complete', reason: 'Documents expired' }, after(3 * MINUTE));
}

/** Applies the steps one minute apart, starting one minute after `start`. */
export function run(item: WorkItem, steps: Array<[Actor, Command]>, start: Date = after(0, new Date(item.updatedAt))): WorkItem {
  let next = item;
  steps.forEach(([actor, command], i) => {
    next = applyCommand(next, actor, command, after((i + 1) * MINUTE, start));
  });
  return next;
}

export function draftTicket(overrides: Partial<WorkItemInput> = {}): WorkItem {
  return createWorkItem(ticketInput(overrides), T0);
}
export function todoTicket(overrides: Partial<WorkItemInput> = {}): WorkItem {
  return createWorkItem(ticketInput({ submit: true, ...overrides }), T0);
}
export function inProgressTicket(overrides: Partial<WorkItemInput> = {}, by: Actor = alice): WorkItem {
  return run(todoTicket(overrides), [[by, { type: 'pickUp' }]]);
}
/** In progress with alice, then waiting for more information for three days. */
export function waitingTicket(overrides: Partial<WorkItemInput> = {}, closeIfNoResponse = false): WorkItem {
  return run(inProgressTicket(overrides), [[alice, { type: 'wait', wait: { type: 'more_info', days: 3, closeIfNoResponse } }]]);
}
/** Resolved by alice inside the five-day feedback window of LENIENT. */
export function resolvedTicket(overrides: Partial<WorkItemInput> = {}): WorkItem {
  return run(inProgressTicket(overrides), [[alice, { type: 'resolve', method: 'customer_communication' }]]);
}
/** Closed at once as spam. */
export function closedTicket(overrides: Partial<WorkItemInput> = {}): WorkItem {
  return run(inProgressTicket(overrides), [[alice, { type: 'resolve', method: 'rejected_spam' }]]);
}

export function email(overrides: Partial<InboundEmail> = {}): InboundEmail {
  return {
    messageId: '<m1@example.com>',
    from: 'ann@example.com',
    to: ['support@example.com'],
    subject: 'Re: [T-000001] Invoice 42',
    body: 'Here are the details.',
    receivedAt: T0.toISOString(),
    ...overrides,
  };
}

/** The Refusal the call throws; fails the test when it returns or throws something else. */
export function refusalOf(fn: () => unknown): Refusal {
  let result: unknown;
  try {
    result = fn();
  } catch (error) {
    if (error instanceof Refusal) return error;
    throw error;
  }
  throw new Error(`expected a Refusal, but the call returned ${JSON.stringify(result)?.slice(0, 200)}`);
}

/** Freezes the value and everything reachable from it. */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const key of Reflect.ownKeys(value)) deepFreeze((value as Record<string | symbol, unknown>)[key]);
  }
  return value;
}
