// The domain functions are pure: they never mutate the item, the command or the email they are
// given (the workflow keeps the previous item to answer queries and to refuse atomically), and
// every change (an accepted command, a taken email, a deadline) raises `version` by exactly one and
// adds at least one timeline entry (the read model orders rows by version).

import { describe, expect, it } from 'vitest';
import { COMMAND_TYPES, type Command, type CommandType } from '../../workflows/domain/item/commands.js';
import { Refusal } from '../../workflows/domain/item/refusal.js';
import { applyCommand, createWorkItem, onDeadline, receiveEmail, type RuleContext } from '../../workflows/domain/rules/transitions.js';
import type { Actor, WorkItem } from '../../workflows/domain/item/types.js';
import {
  after,
  alice,
  bob,
  caseInput,
  caseNeedingAttention,
  closedTicket,
  DAY,
  HOUR,
  deepFreeze,
  draftTicket,
  email,
  inProgressTicket,
  MINUTE,
  NO_WINDOW,
  ONBOARDING,
  resolvedTicket,
  robbie,
  run,
  sam,
  runningCase,
  STRICT,
  todoTicket,
  waitingTicket,
} from './fixtures.js';

interface Scenario {
  name: string;
  before: () => WorkItem;
  actor: Actor;
  command: Command;
  context?: RuleContext;
}

const CASE = { process: ONBOARDING };

/** Before any fixture's deadline (waits end after 3 days, feedback windows after 5). */
const SOON = after(HOUR);
/** After every fixture's deadline. */
const LATER = after(10 * DAY);

/** At least one scenario per command type; every one of them is accepted. */
const ACCEPTED: Scenario[] = [
  { name: 'edit a draft', before: () => draftTicket(), actor: alice, command: { type: 'edit', fields: { title: 'New title' } } },
  { name: 'edit a todo item (a human takes it)', before: () => todoTicket(), actor: bob, command: { type: 'edit', fields: { requester: 'zed@example.com' } } },
  { name: 'submit a draft', before: () => draftTicket(), actor: alice, command: { type: 'submit' } },
  { name: 'submit a draft case', before: () => createWorkItem(caseInput(), after(0)), actor: alice, command: { type: 'submit' } },
  { name: 'pickUp a todo item', before: () => todoTicket(), actor: alice, command: { type: 'pickUp' } },
  { name: 'assign an in_progress item to another human', before: () => inProgressTicket(), actor: alice, command: { type: 'assign', resourceId: 'bob', resourceKind: 'human' } },
  { name: 'assign a waiting item (ends the wait)', before: () => waitingTicket(), actor: alice, command: { type: 'assign', resourceId: 'bob', resourceKind: 'human' } },
  { name: 'unassign to the queue', before: () => inProgressTicket(), actor: alice, command: { type: 'unassign' } },
  { name: 'setState todo -> in_progress', before: () => todoTicket(), actor: alice, command: { type: 'setState', state: 'in_progress' } },
  { name: 'setState in_progress -> todo', before: () => inProgressTicket(), actor: alice, command: { type: 'setState', state: 'todo' } },
  { name: 'reject by a robot', before: () => inProgressTicket({}, robbie), actor: robbie, command: { type: 'reject', reason: 'Attachment unreadable' } },
  { name: 'wait more_info with days', before: () => inProgressTicket(), actor: alice, command: { type: 'wait', wait: { type: 'more_info', days: 2, closeIfNoResponse: true } } },
  { name: 'wait until', before: () => inProgressTicket(), actor: alice, command: { type: 'wait', wait: { type: 'until', until: '2026-04-01T12:00:00Z' } } },
  { name: 'cancelWait', before: () => waitingTicket(), actor: alice, command: { type: 'cancelWait' } },
  { name: 'addNote on an in_progress item', before: () => inProgressTicket(), actor: alice, command: { type: 'addNote', text: 'Checked the ledger.' } },
  { name: 'addNote on a todo item (a human takes it)', before: () => todoTicket(), actor: bob, command: { type: 'addNote', text: 'Mine.', isResolution: true } },
  { name: 'sendEmail from an empty draft (fills it)', before: () => draftTicket({ fields: {} }), actor: alice, command: { type: 'sendEmail', to: ['ann@example.com'], subject: 'Your question', body: 'Which invoice?' } },
  { name: 'sendEmail and resolve (strict category)', before: () => inProgressTicket({ category: STRICT }), actor: alice, command: { type: 'sendEmail', to: ['ann@example.com'], subject: 'Paid', body: 'We paid it.', resolve: true } },
  { name: 'resolve into the feedback window', before: () => inProgressTicket(), actor: alice, command: { type: 'resolve', method: 'customer_communication' } },
  { name: 'resolve a strict ticket after a note (tags the note)', before: () => run(inProgressTicket({ category: STRICT }), [[alice, { type: 'addNote', text: 'Paid on 3 March.' }]]), actor: alice, command: { type: 'resolve', method: 'rejected' } },
  { name: 'resolve with no window (closes at once)', before: () => inProgressTicket({ category: NO_WINDOW }), actor: alice, command: { type: 'resolve', method: 'customer_communication' } },
  { name: 'resolve a waiting item', before: () => waitingTicket(), actor: alice, command: { type: 'resolve', method: 'customer_communication' } },
  { name: 'resolve a draft', before: () => draftTicket(), actor: alice, command: { type: 'resolve', method: 'customer_communication' } },
  { name: 'reopen a resolved item', before: () => resolvedTicket(), actor: alice, command: { type: 'reopen' } },
  { name: 'submit a case of a process (its flow starts)', before: () => createWorkItem(caseInput({ process: ONBOARDING }), after(0)), actor: alice, command: { type: 'submit' }, context: CASE },
  { name: 'cancel a running case', before: () => runningCase(), actor: alice, command: { type: 'cancel', reason: 'Supplier withdrew' }, context: CASE },
  { name: 'rework a case from its first stage', before: () => caseNeedingAttention(), actor: alice, command: { type: 'rework', fromStage: 0 }, context: CASE },
  { name: 'reset a case needing attention', before: () => caseNeedingAttention(), actor: alice, command: { type: 'reset' }, context: CASE },
  { name: 'launch an action by hand', before: () => runningCase(), actor: alice, command: { type: 'launchAction', action: { type: 'review', name: 'Second look' } }, context: CASE },
  { name: 'launch a case from a ticket in progress (R33)', before: () => inProgressTicket(), actor: alice, command: { type: 'launchCase', processId: 'onboarding', shortDescription: 'Onboard the supplier', ref: 'C-000100' } },
  { name: 'split a ticket in progress (R31)', before: () => inProgressTicket(), actor: alice, command: { type: 'split', tickets: [{ title: 'Invoice 42', description: 'First' }, { title: 'Invoice 43', description: 'Second' }], refs: ['T-000100', 'T-000101'] } },
  { name: 'merge a ticket in progress into another (R30)', before: () => inProgressTicket(), actor: alice, command: { type: 'merge', into: 'T-000002' } },
  { name: 'take a merged ticket\'s timeline (R30)', before: () => inProgressTicket(), actor: bob, command: { type: 'takeMerged', ref: 'T-000002', mergedTimeline: '[]', entries: 0 } },
  { name: 'move an item to another queue (R46)', before: () => inProgressTicket({ queue: 'finance' }), actor: sam, command: { type: 'moveQueue', queue: 'hr' } },
  { name: 'relaunch a failed action', before: () => caseNeedingAttention(), actor: alice, command: { type: 'launchAction', relaunch: 'A-000001' }, context: CASE },
];

/** Commands the item refuses: the refusal must still leave the frozen input alone. */
const REFUSED: Scenario[] = [
  { name: 'submit a todo item', before: () => todoTicket(), actor: alice, command: { type: 'submit' } },
  { name: 'submit a draft with missing fields', before: () => draftTicket({ fields: { title: 'Only a title' } }), actor: alice, command: { type: 'submit' } },
  { name: 'edit with nothing to change (after taking a todo item)', before: () => todoTicket(), actor: alice, command: { type: 'edit', fields: {} } },
  { name: 'resolve a strict ticket without a note', before: () => inProgressTicket({ category: STRICT }), actor: alice, command: { type: 'resolve', method: 'customer_communication' } },
  { name: 'sendEmail and resolve a resolved item', before: () => resolvedTicket(), actor: alice, command: { type: 'sendEmail', to: ['a@example.com'], subject: 's', body: 'b', resolve: true } },
  { name: 'addNote on a closed item', before: () => closedTicket(), actor: alice, command: { type: 'addNote', text: 'too late' } },
];

function versionStep(before: WorkItem, next: WorkItem): { versions: number; entries: number } {
  return { versions: next.version - before.version, entries: next.timeline.length - before.timeline.length };
}

describe('applyCommand does not mutate its input', () => {
  it('every command type has at least one accepted scenario here', () => {
    const covered = new Set<CommandType>(ACCEPTED.map((s) => s.command.type));
    expect([...covered].sort()).toEqual([...COMMAND_TYPES].sort());
  });

  it.each(ACCEPTED.map((s) => [s.name, s] as const))('R42: %s — accepted on a deep-frozen item, input unchanged, one version per change', (_, s) => {
    const before = s.before();
    const snapshot = structuredClone(before);
    const frozen = deepFreeze(before);
    const command = deepFreeze(structuredClone(s.command));
    const next = applyCommand(frozen, s.actor, command, SOON, s.context);
    expect(frozen).toEqual(snapshot);
    expect(next).not.toBe(frozen);
    const step = versionStep(frozen, next);
    expect(step.entries).toBeGreaterThan(0);
    expect(step.versions).toBe(1);
    expect(next.updatedAt).toBe(SOON.toISOString());
  });

  it.each(REFUSED.map((s) => [s.name, s] as const))('%s — refused with a Refusal (not a TypeError), input unchanged', (_, s) => {
    const before = s.before();
    const snapshot = structuredClone(before);
    const frozen = deepFreeze(before);
    let thrown: unknown;
    try {
      applyCommand(frozen, s.actor, deepFreeze(structuredClone(s.command)), SOON, s.context);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(Refusal);
    expect(frozen).toEqual(snapshot);
  });

  it('R42: a whole lifecycle on frozen items raises version by one per command at every step', () => {
    let item = deepFreeze(draftTicket({ category: STRICT }));
    expect(item.version).toBe(1);
    const steps: Array<[Actor, Command]> = [
      [alice, { type: 'submit' }],
      [bob, { type: 'addNote', text: 'Looking.' }],
      [bob, { type: 'wait', wait: { type: 'more_info', days: 1 } }],
      [bob, { type: 'cancelWait' }],
      [bob, { type: 'assign', resourceId: 'alice', resourceKind: 'human' }],
      [alice, { type: 'setState', state: 'in_progress' }],
      [alice, { type: 'sendEmail', to: ['ann@example.com'], subject: 'Paid', body: 'Paid.', resolve: true }],
      [alice, { type: 'reopen' }],
      [alice, { type: 'addNote', text: 'Re-checked.', isResolution: true }],
      [alice, { type: 'resolve', method: 'customer_communication' }],
    ];
    steps.forEach(([actor, command], i) => {
      const next = deepFreeze(applyCommand(item, actor, command, after((i + 1) * MINUTE)));
      const step = versionStep(item, next);
      expect(step.versions, `${command.type}`).toBe(1);
      expect(step.entries, `${command.type}`).toBeGreaterThanOrEqual(1);
      item = next;
    });
    expect(item.version).toBe(1 + steps.length);
    expect(item.state).toBe('resolved');
  });
});

describe('receiveEmail does not mutate its input', () => {
  const cases: Array<[string, string, () => WorkItem]> = [
    ['an empty draft', 'filled_draft', () => draftTicket({ fields: {} })],
    ['an in_progress item', 'attached', () => inProgressTicket()],
    ['a more_info wait', 'ended_wait', () => waitingTicket()],
    ['a resolved item', 'reopened', () => resolvedTicket()],
  ];
  it.each(cases)('R35: an email to %s is taken on a deep-frozen item (%s), one version per change', (_, outcome, build) => {
    const before = build();
    const snapshot = structuredClone(before);
    const frozen = deepFreeze(before);
    const result = receiveEmail(frozen, deepFreeze(email()), SOON);
    expect(result.outcome).toBe(outcome);
    expect(frozen).toEqual(snapshot);
    const step = versionStep(frozen, result.item);
    expect(step.entries).toBeGreaterThan(0);
    expect(step.versions).toBe(1);
    expect(result.item.seenMessageIds).toEqual([...frozen.seenMessageIds, '<m1@example.com>']);
  });

  it('R21, R34: a duplicate or an email for a closed item returns the frozen item itself', () => {
    const seen = deepFreeze(receiveEmail(inProgressTicket(), email(), SOON).item);
    expect(receiveEmail(seen, email(), after(MINUTE, SOON))).toEqual({ item: seen, outcome: 'duplicate' });
    const closed = deepFreeze(closedTicket());
    const r = receiveEmail(closed, email({ messageId: '<m2@example.com>' }), SOON);
    expect(r.outcome).toBe('closed');
    expect(r.item).toBe(closed);
  });
});

describe('onDeadline does not mutate its input', () => {
  const cases: Array<[string, string, () => WorkItem]> = [
    ['a more_info wait whose days have passed', 'in_progress', () => waitingTicket()],
    ['a more_info wait with closeIfNoResponse', 'closed', () => waitingTicket({}, true)],
    ['an until wait that is due', 'in_progress', () => run(inProgressTicket(), [[alice, { type: 'wait', wait: { type: 'until', until: '2026-03-03T09:00:00Z' } }]])],
    ['a resolved item whose feedback window is over', 'closed', () => resolvedTicket()],
  ];
  it.each(cases)('R16, R17, R21: %s is handled on a deep-frozen item (-> %s), one version per change', (_, state, build) => {
    const before = build();
    const snapshot = structuredClone(before);
    const frozen = deepFreeze(before);
    const next = onDeadline(frozen, LATER);
    expect(next.state).toBe(state);
    expect(frozen).toEqual(snapshot);
    const step = versionStep(frozen, next);
    expect(step.entries).toBeGreaterThan(0);
    expect(step.versions).toBe(1);
  });

  it('R16: before the deadline the frozen item is returned as it is', () => {
    const frozen = deepFreeze(waitingTicket());
    expect(onDeadline(frozen, after(DAY))).toBe(frozen);
  });
});
