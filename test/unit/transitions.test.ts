// Pure, table-driven checks of the state machine in workflows/domain/rules/. Each test
// names the rule it proves. The workflow-level stories are in test/workflows/ticket-lifecycle.test.ts;
// these cover the pairs and edges those stories do not.

import { describe, expect, it } from 'vitest';
import { COMMAND_TYPES, type Command, type CommandType } from '../../workflows/domain/item/commands.js';
import { applyCommand, createWorkItem, nextDeadline, onDeadline, receiveEmail } from '../../workflows/domain/rules/transitions.js';
import type { Actor, State, WorkItem } from '../../workflows/domain/item/types.js';
import {
  admin,
  after,
  alice,
  bob,
  caseInput,
  closedTicket,
  DAY,
  draftTicket,
  email,
  HOUR,
  inProgressTicket,
  LENIENT,
  MINUTE,
  NO_WINDOW,
  refusalOf,
  resolvedTicket,
  robbie,
  run,
  sam,
  STRICT,
  T0,
  todoTicket,
  waitingTicket,
} from './fixtures.js';

const NOW = new Date('2026-03-02T12:00:00Z');

/** A ticket in each state; from todo on it is alice's (robbie's for the robot rows). */
const IN_STATE: Record<State, () => WorkItem> = {
  draft: () => draftTicket(),
  todo: () => todoTicket(),
  in_progress: () => inProgressTicket(),
  waiting: () => waitingTicket(),
  resolved: () => resolvedTicket(),
  closed: () => closedTicket(),
};

const SAMPLE_COMMANDS: Record<CommandType, Command> = {
  edit: { type: 'edit', fields: { title: 'Changed' } },
  submit: { type: 'submit' },
  pickUp: { type: 'pickUp' },
  assign: { type: 'assign', resourceId: 'bob', resourceKind: 'human' },
  unassign: { type: 'unassign' },
  setState: { type: 'setState', state: 'in_progress' },
  reject: { type: 'reject', reason: 'Cannot read it' },
  wait: { type: 'wait', wait: { type: 'more_info', days: 2 } },
  cancelWait: { type: 'cancelWait' },
  addNote: { type: 'addNote', text: 'Late note' },
  sendEmail: { type: 'sendEmail', to: ['ann@example.com'], subject: 'Hello', body: 'Again' },
  resolve: { type: 'resolve', method: 'customer_communication' },
  reopen: { type: 'reopen' },
  cancel: { type: 'cancel', reason: 'Withdrawn' },
  rework: { type: 'rework', fromStage: 0 },
  reset: { type: 'reset' },
  launchAction: { type: 'launchAction', action: { type: 'review', name: 'Second look' } },
  launchCase: { type: 'launchCase', processId: 'onboarding', shortDescription: 'Onboard the supplier', ref: 'C-000100' },
  split: { type: 'split', tickets: [{ title: 'Invoice 42', description: 'The first request' }, { title: 'Invoice 43', description: 'The second request' }], refs: ['T-000100', 'T-000101'] },
  merge: { type: 'merge', into: 'T-000002' },
  takeMerged: { type: 'takeMerged', ref: 'T-000002', mergedTimeline: '[]', entries: 0 },
  moveQueue: { type: 'moveQueue', queue: 'hr' },
};

describe('refused transitions', () => {
  const rows: Array<[string, State, Actor, Command]> = [
    ['R2, R4', 'todo', alice, { type: 'submit' }],
    ['R2, R4', 'in_progress', alice, { type: 'submit' }],
    ['R2, R4', 'waiting', alice, { type: 'submit' }],
    ['R2, R4', 'resolved', alice, { type: 'submit' }],
    ['R2, R10', 'draft', alice, { type: 'pickUp' }],
    ['R2, R10', 'in_progress', alice, { type: 'pickUp' }],
    ['R2, R10', 'waiting', alice, { type: 'pickUp' }],
    ['R2, R10', 'resolved', alice, { type: 'pickUp' }],
    ['R2, R12', 'draft', alice, { type: 'assign', resourceId: 'bob', resourceKind: 'human' }],
    ['R2, R12', 'resolved', alice, { type: 'assign', resourceId: 'bob', resourceKind: 'human' }],
    ['R2, R12', 'draft', alice, { type: 'unassign' }],
    ['R2, R12', 'resolved', alice, { type: 'unassign' }],
    ['R11', 'draft', alice, { type: 'setState', state: 'todo' }],
    ['R11', 'draft', alice, { type: 'setState', state: 'in_progress' }],
    ['R11', 'todo', alice, { type: 'setState', state: 'todo' }],
    ['R11', 'in_progress', alice, { type: 'setState', state: 'in_progress' }],
    ['R11, R18', 'waiting', alice, { type: 'setState', state: 'in_progress' }],
    ['R11', 'waiting', alice, { type: 'setState', state: 'todo' }],
    ['R11, R21', 'resolved', alice, { type: 'setState', state: 'in_progress' }],
    ['R11', 'resolved', alice, { type: 'setState', state: 'todo' }],
    ['R13', 'draft', robbie, { type: 'reject', reason: 'x' }],
    ['R13', 'waiting', robbie, { type: 'reject', reason: 'x' }],
    ['R13', 'resolved', robbie, { type: 'reject', reason: 'x' }],
    ['R14', 'draft', alice, { type: 'wait', wait: { type: 'more_info' } }],
    ['R14', 'waiting', alice, { type: 'wait', wait: { type: 'more_info' } }],
    ['R14', 'resolved', alice, { type: 'wait', wait: { type: 'until', until: '2026-04-01T00:00:00Z' } }],
    ['R14', 'in_progress', alice, { type: 'wait', wait: { type: 'pause' } }],
    ['R18', 'draft', alice, { type: 'cancelWait' }],
    ['R18', 'todo', alice, { type: 'cancelWait' }],
    ['R18', 'in_progress', alice, { type: 'cancelWait' }],
    ['R18', 'resolved', alice, { type: 'cancelWait' }],
    ['R21', 'resolved', alice, { type: 'resolve', method: 'customer_communication' }],
    ['R21, R24', 'resolved', alice, { type: 'sendEmail', to: ['a@example.com'], subject: 's', body: 'b', resolve: true }],
    ['R21', 'draft', alice, { type: 'reopen' }],
    ['R21', 'todo', alice, { type: 'reopen' }],
    ['R21', 'in_progress', alice, { type: 'reopen' }],
    ['R21', 'waiting', alice, { type: 'reopen' }],
  ];

  it.each(rows.map(([rule, state, actor, command]) => [rule, command.type, state, actor, command] as const))(
    '%s: %s from %s is invalid_transition with details.from = the state',
    (_rule, type, state, actor, command) => {
      const item = IN_STATE[state]();
      expect(item.state).toBe(state);
      const r = refusalOf(() => applyCommand(item, actor, command, NOW));
      expect(r.code).toBe('invalid_transition');
      expect(r.details).toEqual({ from: state, command: type });
    },
  );

  it('R2, R14: a robot cannot start a wait on a todo item it has not taken (from todo)', () => {
    const r = refusalOf(() => applyCommand(todoTicket(), robbie, { type: 'wait', wait: { type: 'more_info' } }, NOW));
    expect(r.code).toBe('invalid_transition');
    expect(r.details).toEqual({ from: 'todo', command: 'wait' });
  });

  it('R14, R18, R31, R33: split and case_launched waits are neither cancelled nor resolved by hand', () => {
    for (const type of ['split', 'case_launched'] as const) {
      const item: WorkItem = { ...waitingTicket(), wait: { type } };
      for (const command of [SAMPLE_COMMANDS.cancelWait, SAMPLE_COMMANDS.resolve]) {
        const r = refusalOf(() => applyCommand(item, alice, command, NOW));
        expect(r.code, `${command.type} on ${type}`).toBe('invalid_transition');
        expect(r.details).toEqual({ from: 'waiting', command: command.type });
      }
    }
  });

  it.each(COMMAND_TYPES.map((type) => [type]))('R2, R21: %s on a closed item is invalid_transition from closed', (type) => {
    const item = closedTicket();
    expect(item.state).toBe('closed');
    for (const actor of [alice, sam, admin, robbie]) {
      const r = refusalOf(() => applyCommand(item, actor, SAMPLE_COMMANDS[type], NOW));
      expect(r.code, actor.id).toBe('invalid_transition');
      expect(r.details).toEqual({ from: 'closed', command: type });
    }
  });
});

describe('R10: taking a todo item on update', () => {
  const updates: Array<[string, Command]> = [
    ['an edit', { type: 'edit', fields: { requester: 'zed@example.com' } }],
    ['a note', { type: 'addNote', text: 'On it' }],
    ['an email', { type: 'sendEmail', to: ['ann@example.com'], subject: 'Hello', body: 'Looking into it' }],
  ];

  it.each(updates)('R10: %s by a human assigns the todo item to that human and makes it in_progress', (_, command) => {
    const before = todoTicket();
    const next = applyCommand(before, bob, command, NOW);
    expect(next.state).toBe('in_progress');
    expect(next.assignee).toBe('bob');
    const added = next.timeline.slice(before.timeline.length);
    expect(added.slice(0, 2)).toMatchObject([
      { type: 'assigned', from: null, to: 'bob', by: 'bob' },
      { type: 'state_changed', from: 'todo', to: 'in_progress', by: 'bob' },
    ]);
    expect(next.spell.startSeq).toBe(before.timelineLength + 2); // the state_changed entry
  });

  it.each(updates)('R10: %s by a robot leaves the todo item unassigned and todo', (_, command) => {
    const before = todoTicket();
    const next = applyCommand(before, robbie, command, NOW);
    expect(next.state).toBe('todo');
    expect(next.assignee).toBeUndefined();
    expect(next.timeline.slice(before.timeline.length).map((e) => e.type)).not.toContain('assigned');
  });

  it('R10: an update of a draft does not take it', () => {
    const next = applyCommand(draftTicket(), bob, { type: 'addNote', text: 'Drafting' }, NOW);
    expect(next.state).toBe('draft');
    expect(next.assignee).toBeUndefined();
  });

  it('R10, R12: a todo item handed to bob is refused to alice, and bob updating it takes it in progress', () => {
    const handed = run(inProgressTicket(), [[alice, { type: 'unassign', toResourceId: 'bob', toResourceKind: 'human' }]]);
    expect(handed).toMatchObject({ state: 'todo', assignee: 'bob' });
    const r = refusalOf(() => applyCommand(handed, alice, { type: 'edit', fields: { title: 'x' } }, NOW));
    expect(r.code).toBe('assigned_to_other');
    expect(r.details).toEqual({ assignee: 'bob' });
    const next = applyCommand(handed, bob, { type: 'edit', fields: { title: 'Taken' } }, NOW);
    expect(next).toMatchObject({ state: 'in_progress', assignee: 'bob' });
    expect(next.fields.title).toBe('Taken');
  });
});

describe('R12: assignment sets the state back to todo', () => {
  it('R12: assigning a waiting item to another resource ends the wait as reassigned and sets todo', () => {
    const waiting = waitingTicket();
    expect(waiting.wait?.type).toBe('more_info');
    const next = applyCommand(waiting, alice, { type: 'assign', resourceId: 'bob', resourceKind: 'human' }, NOW);
    expect(next.state).toBe('todo');
    expect(next.assignee).toBe('bob');
    expect(next.wait).toBeUndefined();
    expect(next.waitEndedReason).toBe('reassigned');
    expect(next.highlighted).toBe(false);
    expect(nextDeadline(next)).toBeUndefined();
    expect(next.timeline.slice(waiting.timeline.length).map((e) => [e.type, e.reason ?? e.to])).toEqual([
      ['wait_ended', 'reassigned'],
      ['state_changed', 'in_progress'],
      ['assigned', 'bob'],
      ['state_changed', 'todo'],
    ]);
  });

  it('R12: unassigning a waiting item to the queue ends the wait as reassigned, todo and unassigned', () => {
    const next = applyCommand(waitingTicket(), alice, { type: 'unassign' }, NOW);
    expect(next).toMatchObject({ state: 'todo', waitEndedReason: 'reassigned' });
    expect(next.assignee).toBeUndefined();
    expect(next.wait).toBeUndefined();
  });

  it('R12: assigning an in_progress item to a robot sets it back to todo for that robot', () => {
    const next = applyCommand(inProgressTicket(), alice, { type: 'assign', resourceId: 'robbie', resourceKind: 'robot' }, NOW);
    expect(next).toMatchObject({ state: 'todo', assignee: 'robbie' });
  });

  it('R12, R13: an item a robot rejected is not assigned to a robot again', () => {
    const rejected = run(inProgressTicket({}, robbie), [[robbie, { type: 'reject', reason: 'Unreadable' }]]);
    for (const command of [
      { type: 'assign', resourceId: 'robbie', resourceKind: 'robot' },
      { type: 'unassign', toResourceId: 'robbie', toResourceKind: 'robot' },
    ] as Command[]) {
      const r = refusalOf(() => applyCommand(rejected, alice, command, NOW));
      expect(r.code, command.type).toBe('invalid_transition');
      expect(r.details).toEqual({ from: 'todo', command: command.type });
    }
  });
});

describe('R13: reject', () => {
  it.each([
    ['a human', alice],
    ['a supervisor', sam],
    ['an admin', admin],
  ])('R13: reject by %s is forbidden', (_, actor) => {
    const item = inProgressTicket({}, actor);
    const r = refusalOf(() => applyCommand(item, actor, { type: 'reject', reason: 'Not mine' }, NOW));
    expect(r.code).toBe('forbidden');
  });

  it('R13: a robot rejecting an unassigned todo item marks it as needing a human, with the reason', () => {
    const before = todoTicket();
    const next = applyCommand(before, robbie, { type: 'reject', reason: 'Language not supported' }, NOW);
    expect(next).toMatchObject({ state: 'todo', needsHuman: true });
    expect(next.assignee).toBeUndefined();
    expect(next.timeline.slice(before.timeline.length)).toMatchObject([
      { at: NOW.toISOString(), by: 'robbie', type: 'rejected_by_robot', reason: 'Language not supported' },
    ]);
  });
});

describe('R14: waiting', () => {
  it('R14: closeIfNoResponse without days is invalid_request', () => {
    const r = refusalOf(() => applyCommand(inProgressTicket(), alice, { type: 'wait', wait: { type: 'more_info', closeIfNoResponse: true } }, NOW));
    expect(r.code).toBe('invalid_request');
  });

  it('R14: days on the wait for a ticket set wait.endsAt to now + days', () => {
    const next = applyCommand(inProgressTicket(), alice, { type: 'wait', wait: { type: 'more_info', days: 3, closeIfNoResponse: true } }, NOW);
    const endsAt = '2026-03-05T12:00:00.000Z';
    expect(next.state).toBe('waiting');
    expect(next.wait).toEqual({ type: 'more_info', days: 3, closeIfNoResponse: true, endsAt });
    expect(next.timeline.at(-1)).toMatchObject({
      at: NOW.toISOString(),
      by: 'alice',
      type: 'wait_started',
      waitType: 'more_info',
      days: 3,
      closeIfNoResponse: true,
      endsAt,
    });
  });

  it('R14: fractional days are kept exactly (1.5 days = 36 hours)', () => {
    const next = applyCommand(inProgressTicket(), alice, { type: 'wait', wait: { type: 'more_info', days: 1.5 } }, NOW);
    expect(next.wait?.endsAt).toBe(after(36 * HOUR, NOW).toISOString());
  });

  it('R14: more_info without days has no end time', () => {
    const next = applyCommand(inProgressTicket(), alice, { type: 'wait', wait: { type: 'more_info' } }, NOW);
    expect(next.wait).toEqual({ type: 'more_info', endsAt: undefined });
    expect(nextDeadline(next)).toBeUndefined();
  });

  it('R14: only a ticket waits a number of days; a case is refused with invalid_request', () => {
    const kase = run(createWorkItem(caseInput({ submit: true }), T0), [[alice, { type: 'pickUp' }]]);
    expect(kase.state).toBe('in_progress');
    const r = refusalOf(() => applyCommand(kase, alice, { type: 'wait', wait: { type: 'more_info', days: 2 } }, NOW));
    expect(r.code).toBe('invalid_request');
    const paused = applyCommand(kase, alice, { type: 'wait', wait: { type: 'pause', reason: 'Supplier on holiday' } }, NOW);
    expect(paused).toMatchObject({ state: 'waiting', wait: { type: 'pause', reason: 'Supplier on holiday' } });
  });

  it('R14, R17: an until wait that is not a date is invalid_request; a future one ends at that instant', () => {
    const item = inProgressTicket();
    expect(refusalOf(() => applyCommand(item, alice, { type: 'wait', wait: { type: 'until', until: 'next Tuesday' } }, NOW)).code).toBe('invalid_request');
    expect(refusalOf(() => applyCommand(item, alice, { type: 'wait', wait: { type: 'until', until: NOW.toISOString() } }, NOW)).code).toBe('invalid_request');
    const next = applyCommand(item, alice, { type: 'wait', wait: { type: 'until', until: '2026-03-10T08:30:15+01:00' } }, NOW);
    expect(next.wait?.endsAt).toBe('2026-03-10T07:30:15.000Z');
  });
});

describe('R16, R17: deadlines of waits', () => {
  it('R16: onDeadline before the deadline changes nothing', () => {
    const waiting = waitingTicket();
    const deadline = nextDeadline(waiting)!;
    expect(onDeadline(waiting, new Date(deadline - 1))).toBe(waiting);
    expect(onDeadline(waiting, T0)).toBe(waiting);
  });

  it('R16: onDeadline on an item with nothing to wait for changes nothing', () => {
    for (const item of [draftTicket(), todoTicket(), inProgressTicket(), closedTicket(), run(inProgressTicket(), [[alice, { type: 'wait', wait: { type: 'more_info' } }]])]) {
      expect(onDeadline(item, after(365 * DAY)), item.state).toBe(item);
    }
  });

  it('R15, R16: when the days pass the ticket is in_progress, highlighted, ended as days_elapsed, recorded at the deadline', () => {
    const waiting = waitingTicket();
    const endsAt = waiting.wait!.endsAt!;
    const next = onDeadline(waiting, after(5 * MINUTE, new Date(endsAt)));
    expect(next).toMatchObject({ state: 'in_progress', highlighted: true, waitEndedReason: 'days_elapsed', assignee: 'alice', updatedAt: endsAt });
    expect(next.wait).toBeUndefined();
    expect(next.timeline.slice(waiting.timeline.length)).toMatchObject([
      { at: endsAt, by: 'system', type: 'wait_ended', waitType: 'more_info', reason: 'days_elapsed' },
      { at: endsAt, by: 'system', type: 'state_changed', from: 'waiting', to: 'in_progress' },
    ]);
  });

  it('R16: with closeIfNoResponse the ticket closes as no_customer_response at the deadline', () => {
    const waiting = waitingTicket({}, true);
    const endsAt = waiting.wait!.endsAt!;
    const next = onDeadline(waiting, new Date(endsAt));
    expect(next).toMatchObject({ state: 'closed', resolutionMethod: 'no_customer_response', resolvedAt: endsAt, closedAt: endsAt, highlighted: false });
    expect(next.feedbackWindowEndsAt).toBeUndefined();
    expect(nextDeadline(next)).toBeUndefined();
  });
});

describe('R19: resolution methods by kind', () => {
  it.each(['unable_to_complete', 'cancelled', 'complete', 'merged', 'split_completed', 'rejected_unknown_address'] as const)(
    'R19: a ticket refuses %s as invalid_request, with or without a reason',
    (method) => {
      for (const reason of [undefined, 'a reason']) {
        const r = refusalOf(() => applyCommand(inProgressTicket(), alice, { type: 'resolve', method, reason }, NOW));
        expect(r.code).toBe('invalid_request');
      }
    },
  );

  it('R19: a case cancelled without a reason is validation_failed listing the reason', () => {
    const kase = createWorkItem(caseInput({ submit: true }), T0);
    const r = refusalOf(() => applyCommand(kase, alice, { type: 'resolve', method: 'cancelled' }, NOW));
    expect(r.code).toBe('validation_failed');
    expect(r.details).toEqual({ missing: ['reason'] });
  });

  it('R19: an action closed as unable_to_complete without a reason is validation_failed', () => {
    const action = createWorkItem({ ref: 'A-000001', kind: 'action', createdBy: alice, fields: { title: 'Call supplier' }, submit: false }, T0);
    expect(action.state).toBe('todo');
    const r = refusalOf(() => applyCommand(action, alice, { type: 'resolve', method: 'unable_to_complete', reason: '' }, NOW));
    expect(r.code).toBe('validation_failed');
    expect(r.details).toEqual({ missing: ['reason'] });
  });
});

describe('R20, R21: closing', () => {
  it('R20: rejected_spam closes immediately even with a feedback window', () => {
    const item = inProgressTicket({ category: LENIENT });
    const next = applyCommand(item, alice, { type: 'resolve', method: 'rejected_spam' }, NOW);
    expect(next).toMatchObject({ state: 'closed', resolutionMethod: 'rejected_spam', resolvedAt: NOW.toISOString(), closedAt: NOW.toISOString() });
    expect(next.feedbackWindowEndsAt).toBeUndefined();
    expect(nextDeadline(next)).toBeUndefined();
  });

  it('R20: a cancelled case closes at once even with a feedback window', () => {
    const kase = createWorkItem(caseInput({ submit: true, category: LENIENT }), T0);
    const next = applyCommand(kase, alice, { type: 'resolve', method: 'cancelled', reason: 'Supplier withdrew' }, NOW);
    expect(next).toMatchObject({ state: 'closed', resolutionMethod: 'cancelled', resolutionReason: 'Supplier withdrew', closedAt: NOW.toISOString() });
  });

  it('R21: a zero feedback window closes at once', () => {
    const next = applyCommand(inProgressTicket({ category: NO_WINDOW }), alice, { type: 'resolve', method: 'customer_communication' }, NOW);
    expect(next).toMatchObject({ state: 'closed', resolvedAt: NOW.toISOString(), closedAt: NOW.toISOString() });
    expect(next.timeline.slice(-4).map((e) => [e.type, e.to ?? e.method ?? null])).toEqual([
      ['resolved', 'customer_communication'],
      ['state_changed', 'resolved'],
      ['closed', null],
      ['state_changed', 'closed'],
    ]);
  });

  it('R21: a resolved ticket stays resolved with its window end set to resolvedAt + window', () => {
    const next = applyCommand(inProgressTicket({ category: LENIENT }), alice, { type: 'resolve', method: 'customer_communication' }, NOW);
    expect(next).toMatchObject({ state: 'resolved', resolvedAt: NOW.toISOString(), feedbackWindowEndsAt: after(5 * DAY, NOW).toISOString() });
    expect(next.closedAt).toBeUndefined();
  });

  it('R21: onDeadline at the end of the feedback window closes the item, and not a millisecond before', () => {
    const resolved = applyCommand(inProgressTicket({ category: LENIENT }), alice, { type: 'resolve', method: 'customer_communication' }, NOW);
    const end = after(5 * DAY, NOW);
    expect(onDeadline(resolved, new Date(end.getTime() - 1))).toBe(resolved);
    const closed = onDeadline(resolved, end);
    expect(closed).toMatchObject({ state: 'closed', closedAt: end.toISOString(), resolutionMethod: 'customer_communication', highlighted: false });
    expect(closed.feedbackWindowEndsAt).toBeUndefined();
    expect(closed.timeline.slice(resolved.timeline.length)).toMatchObject([
      { at: end.toISOString(), by: 'system', type: 'closed' },
      { at: end.toISOString(), by: 'system', type: 'state_changed', from: 'resolved', to: 'closed' },
    ]);
  });
});

describe('R22: resolution communication', () => {
  it('R22: rejected_spam needs no resolution communication even when the category requires it', () => {
    const item = inProgressTicket({ category: STRICT });
    const next = applyCommand(item, alice, { type: 'resolve', method: 'rejected_spam' }, NOW);
    expect(next.state).toBe('closed');
    expect(next.timeline.filter((e) => e.isResolution === true)).toEqual([]);
  });

  it('R22: the other manual ticket methods are refused without communication when the category requires it', () => {
    for (const method of ['customer_communication', 'no_customer_response', 'rejected'] as const) {
      const r = refusalOf(() => applyCommand(inProgressTicket({ category: STRICT }), alice, { type: 'resolve', method }, NOW));
      expect(r.code, method).toBe('resolution_communication_required');
    }
  });

  it('R6, R22: the initial submission note does not count as resolution communication', () => {
    const todo = todoTicket({ category: STRICT });
    expect(todo.timeline.filter((e) => e.type === 'note')).toMatchObject([{ initialSubmission: true }]);
    // An admin (not a human resource) does not take the item, so the submission note is inside the current spell.
    expect(todo.spell.startSeq).toBe(0);
    const r = refusalOf(() => applyCommand(todo, admin, { type: 'resolve', method: 'customer_communication' }, NOW));
    expect(r.code).toBe('resolution_communication_required');
  });

  it('R22, R23: a robot note in the same spell counts and is the one tagged, not the submission note', () => {
    const noted = run(todoTicket({ category: STRICT }), [[robbie, { type: 'addNote', text: 'Auto-reply sent with the payment date.' }]]);
    expect(noted.state).toBe('todo');
    const next = applyCommand(noted, robbie, { type: 'resolve', method: 'customer_communication' }, NOW);
    expect(next.state).toBe('resolved');
    const notes = next.timeline.filter((e) => e.type === 'note');
    expect(notes.map((e) => [e.text, e.isResolution])).toEqual([
      ['Supplier says invoice 42 was never paid.', false],
      ['Auto-reply sent with the payment date.', true],
    ]);
  });

  it('R8, R22: a draft resolves with a note written in the draft, tagged; without one it is refused', () => {
    const draft = draftTicket({ category: STRICT });
    expect(refusalOf(() => applyCommand(draft, alice, { type: 'resolve', method: 'customer_communication' }, NOW)).code).toBe(
      'resolution_communication_required',
    );
    const noted = run(draft, [[alice, { type: 'addNote', text: 'Answered on the phone.' }]]);
    const next = applyCommand(noted, alice, { type: 'resolve', method: 'customer_communication' }, NOW);
    expect(next.state).toBe('resolved');
    expect(next.timeline.find((e) => e.type === 'note')).toMatchObject({ text: 'Answered on the phone.', isResolution: true });
    expect(next.timeline.find((e) => e.type === 'resolved')).toMatchObject({ from: 'draft' });
  });
});

describe('R34, R35: inbound email', () => {
  it('R34: an email with a Message-ID already seen is a duplicate and returns the same object', () => {
    const first = receiveEmail(inProgressTicket(), email({ messageId: '<dup@example.com>' }), NOW);
    expect(first.outcome).toBe('attached');
    const again = receiveEmail(first.item, email({ messageId: '<dup@example.com>', body: 'different body' }), after(HOUR, NOW));
    expect(again.outcome).toBe('duplicate');
    expect(again.item).toBe(first.item);
  });

  it('R34: the email an item was born from is already seen', () => {
    const born = createWorkItem(ticketFromEmail(), T0);
    const r = receiveEmail(born, email({ messageId: '<origin@example.com>' }), NOW);
    expect(r).toEqual({ item: born, outcome: 'duplicate' });
  });

  it('R7, R35: an email to a draft with no title or description fills them (filled_draft) and it stays a draft', () => {
    const draft = draftTicket({ fields: {} });
    const r = receiveEmail(draft, email({ subject: 'Invoice 42', body: 'It was never paid.' }), NOW);
    expect(r.outcome).toBe('filled_draft');
    expect(r.item.state).toBe('draft');
    expect(r.item.fields).toEqual({ title: 'Invoice 42', description: 'It was never paid.' });
    expect(r.item.timeline.at(-1)).toMatchObject({ type: 'email_in', outcome: 'filled_draft', by: 'ann@example.com', at: NOW.toISOString() });
  });

  it.each([
    ['a title only', { title: 'Kept' }],
    ['a description only', { description: 'Kept too' }],
  ])('R7, R35: an email to a draft that has %s is attached and fills nothing', (_, fields) => {
    const draft = draftTicket({ fields });
    const r = receiveEmail(draft, email(), NOW);
    expect(r.outcome).toBe('attached');
    expect(r.item.fields).toEqual(fields);
  });

  it('R35: an email to an in_progress item is attached and changes only the timeline (and its bookkeeping: seen ids, the Message-ID a reply threads to, when it last received one)', () => {
    const before = inProgressTicket();
    const mail = email({ messageId: '<m9@example.com>', subject: 'More', body: 'Another detail.' });
    const r = receiveEmail(before, mail, NOW);
    expect(r.outcome).toBe('attached');
    expect(r.item).toEqual({
      ...before,
      timeline: [
        ...before.timeline,
        { seq: before.timelineLength + 1, at: NOW.toISOString(), by: 'ann@example.com', type: 'email_in', messageId: '<m9@example.com>', from: 'ann@example.com', to: ['support@example.com'], subject: 'More', body: 'Another detail.', outcome: 'attached' },
      ],
      timelineLength: before.timelineLength + 1,
      seenMessageIds: ['<m9@example.com>'],
      replyTo: '<m9@example.com>',
      lastEmailInAt: NOW.toISOString(),
      updatedAt: NOW.toISOString(),
      version: before.version + 1,
    });
  });

  it('R17, R35: an email during an until wait is attached and the wait goes on', () => {
    const waiting = run(inProgressTicket(), [[alice, { type: 'wait', wait: { type: 'until', until: '2026-03-09T09:00:00Z' } }]]);
    const r = receiveEmail(waiting, email(), NOW);
    expect(r.outcome).toBe('attached');
    expect(r.item).toMatchObject({ state: 'waiting', wait: { type: 'until', endsAt: '2026-03-09T09:00:00.000Z' } });
  });

  it('R21, R35: an email inside the feedback window of an unassigned item reopens it to todo, highlighted', () => {
    const resolved = run(todoTicket(), [[admin, { type: 'resolve', method: 'rejected' }]]);
    expect(resolved.state).toBe('resolved');
    expect(resolved.assignee).toBeUndefined();
    const r = receiveEmail(resolved, email(), NOW);
    expect(r.outcome).toBe('reopened');
    expect(r.item).toMatchObject({ state: 'todo', highlighted: true });
    expect(r.item.resolutionMethod).toBeUndefined();
    expect(r.item.feedbackWindowEndsAt).toBeUndefined();
    expect(nextDeadline(r.item)).toBeUndefined();
  });
});

describe('R42: nextDeadline', () => {
  it('R42: a waiting item with days has its wait end as deadline', () => {
    const waiting = waitingTicket();
    expect(nextDeadline(waiting)).toBe(Date.parse('2026-03-05T09:02:00Z'));
  });

  it('R42: an until wait has the until instant as deadline', () => {
    const waiting = run(inProgressTicket(), [[alice, { type: 'wait', wait: { type: 'until', until: '2026-03-09T09:00:00Z' } }]]);
    expect(nextDeadline(waiting)).toBe(Date.parse('2026-03-09T09:00:00Z'));
  });

  it('R42: a resolved item has the end of its feedback window as deadline', () => {
    const resolved = resolvedTicket();
    expect(resolved.resolvedAt).toBe('2026-03-02T09:02:00.000Z');
    expect(nextDeadline(resolved)).toBe(Date.parse('2026-03-07T09:02:00Z'));
  });

  it.each(['draft', 'todo', 'in_progress', 'closed'] as const)('R42: a %s item has no deadline', (state) => {
    const item = IN_STATE[state]();
    expect(item.state).toBe(state);
    expect(nextDeadline(item)).toBeUndefined();
  });

  it('R42: a stale wait end on an item that is no longer waiting is not a deadline', () => {
    const item: WorkItem = { ...inProgressTicket(), wait: { type: 'more_info', endsAt: '2026-03-03T00:00:00Z' } };
    expect(nextDeadline(item)).toBeUndefined();
  });
});

function ticketFromEmail() {
  return {
    ref: 'T-000002',
    kind: 'ticket' as const,
    createdBy: { id: 'ann@example.com', kind: 'system' as const, roles: [] },
    fields: { title: 'Invoice 42', description: 'It was never paid.' },
    submit: true,
    initialEmail: email({ messageId: '<origin@example.com>' }),
  };
}
