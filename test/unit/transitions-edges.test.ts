// The edges of the pure rules, where two of them meet: a deadline that passed before a command,
// the owner guard on reopen, the highlight on reassignment, the resolution spell across a
// reopen or a wait. Each test names the rule it proves and says what used to go wrong.

import { describe, expect, it } from 'vitest';
import { applyCommand, onDeadline, receiveEmail } from '../../workflows/domain/rules/transitions.js';
import { admin, after, alice, bob, email, HOUR, inProgressTicket, refusalOf, resolvedTicket, robbie, run, STRICT, todoTicket, waitingTicket } from './fixtures.js';
import type { SlaRule } from '../../workflows/domain/sla/sla.js';

describe('where rules meet', () => {
  // R13: "marked as needing a human so that robots do not take it again". pickUp and
  // assign/unassign to a robot refuse a needsHuman item, but setState todo -> in_progress by a
  // robot assigns the robot and starts work.
  // Fix (transitions.ts, case 'setState'): before assigning, refuse like pickUp does:
  //   if (item.needsHuman && actor.kind === 'robot')
  //     throw invalidTransition(item.state, 'setState', 'a robot rejected it, so it needs a human');
  it('R13: a robot cannot take a rejected (needsHuman) item by setting it in_progress', () => {
    const rejected = run(inProgressTicket({}, robbie), [[robbie, { type: 'reject', reason: 'Unreadable' }]]);
    expect(rejected).toMatchObject({ state: 'todo', needsHuman: true });
    expect(rejected.assignee).toBeUndefined();
    const r = refusalOf(() => applyCommand(rejected, robbie, { type: 'setState', state: 'in_progress' }, after(HOUR)));
    expect(r.code).toBe('invalid_transition');
    expect(r.details).toEqual({ from: 'todo', command: 'setState' });
  });

  // R21: "Inside the window an inbound email reopens it ... When the window ends with no reply the
  // item becomes closed. Any email that arrives for a closed item starts a new work item." The pure
  // functions take `now` but ignore it here: an email (or a reopen) arriving after
  // feedbackWindowEndsAt, before onDeadline has run (e.g. a signal or update handled in the same
  // workflow activation as the timer, or ahead of it), reopens an item whose window is over.
  // Fix: at the top of receiveEmail and applyCommand, catch up on an overdue deadline
  // first — `const due = nextDeadline(before); if (due !== undefined && due <= now.getTime()) before = onDeadline(before, now);`
  // — then carry on (the item is closed, so the email gives outcome 'closed' and a reopen is refused).
  it('R21: an email after the feedback window has ended does not reopen the item', () => {
    const resolved = resolvedTicket();
    const windowEnd = Date.parse(resolved.feedbackWindowEndsAt!);
    const r = receiveEmail(resolved, email({ messageId: '<late@example.com>' }), new Date(windowEnd + HOUR));
    expect(r.outcome).toBe('closed');
    expect(r.item.state).toBe('closed');
  });

  it('R21: a reopen by hand after the feedback window has ended is refused', () => {
    const resolved = resolvedTicket();
    const windowEnd = Date.parse(resolved.feedbackWindowEndsAt!);
    const r = refusalOf(() => applyCommand(resolved, alice, { type: 'reopen' }, new Date(windowEnd + HOUR)));
    expect(r.code).toBe('invalid_transition');
  });

  // R22, R24: send-and-resolve from a waiting item, in a category that requires resolution
  // communication, is refused with resolution_communication_required although the resolution
  // email is sent in that very call. sendEmail records email_out while the item is still waiting;
  // resolve() then ends the wait, and endWait -> setState('in_progress') moves spellStart past
  // the email, so markResolutionCommunication no longer sees it. (Same for a note with
  // isResolution: true added while waiting, then resolve.)
  // Fix (transitions.ts, resolve()): keep the spell when the wait ends as part of resolving:
  //   if (item.state === 'waiting') item = { ...endWait(item, actor, at, 'resolved', false), spellStart: item.spellStart };
  it('R22, R24: send-and-resolve from a waiting item counts its own resolution email', () => {
    const waiting = waitingTicket({ category: STRICT });
    expect(waiting.state).toBe('waiting');
    const next = applyCommand(waiting, alice, { type: 'sendEmail', to: ['ann@example.com'], subject: 'Paid', body: 'We paid invoice 42.', resolve: true }, after(HOUR));
    expect(next).toMatchObject({ state: 'resolved', resolutionMethod: 'customer_communication' });
    expect(next.timeline.filter((e) => e.type === 'email_out')).toMatchObject([{ subject: 'Paid', isResolution: true }]);
  });

  it('R10, R21: reopening an item assigned to someone else is refused to other humans', () => {
    const resolved = resolvedTicket();
    expect(resolved.assignee).toBe('alice');
    expect(refusalOf(() => applyCommand(resolved, bob, { type: 'reopen' }, after(HOUR, new Date(resolved.updatedAt)))).code).toBe('assigned_to_other');
  });

  it('R15: the owner assigning a highlighted item away clears the highlight', () => {
    const waiting = waitingTicket();
    const ended = receiveEmail(waiting, email(), after(HOUR, new Date(waiting.updatedAt))).item;
    expect(ended.highlighted).toBe(true);
    const next = applyCommand(ended, alice, { type: 'assign', resourceId: 'bob', resourceKind: 'human' }, after(2 * HOUR, new Date(waiting.updatedAt)));
    expect(next).toMatchObject({ highlighted: false, assignee: 'bob', state: 'todo' });
  });

  it('R16: closing for no customer response passes through resolved on the timeline', () => {
    const waiting = waitingTicket({}, true);
    const closed = onDeadline(waiting, new Date(Date.parse(waiting.wait!.endsAt!) + 1));
    const moves = closed.timeline.filter((e) => e.type === 'state_changed').slice(-3).map((e) => `${e.from}->${e.to}`);
    expect(moves).toEqual(['waiting->in_progress', 'in_progress->resolved', 'resolved->closed']);
    expect(closed.resolutionMethod).toBe('no_customer_response');
  });

  it('R22: after a reopen, the earlier resolution note does not count again, whoever resolves', () => {
    const todo = todoTicket({ category: STRICT });
    let item = run(todo, [
      [admin, { type: 'addNote', text: 'Answered by phone', isResolution: true }],
      [admin, { type: 'resolve', method: 'customer_communication' }],
    ]);
    expect(item.state).toBe('resolved');
    item = receiveEmail(item, email(), after(2 * HOUR, new Date(item.updatedAt))).item;
    expect(item.state).toBe('todo'); // no assignee: back to the queue
    const r = refusalOf(() => applyCommand(item, admin, { type: 'resolve', method: 'customer_communication' }, after(3 * HOUR, new Date(item.updatedAt))));
    expect(r.code).toBe('resolution_communication_required');
  });

  it('R38: a ticket resolved from a stopping wait shows no "Waiting: Paused" banner', () => {
    const sla: SlaRule = { targetMs: 10 * HOUR, addWaitingTime: true, stopOn: ['more_info'], atRiskShare: 0.75 };
    const waiting = waitingTicket({ category: { ...STRICT, requireResolutionCommunication: false, sla } });
    expect(waiting.sla).toBeDefined();
    const resolved = applyCommand(waiting, alice, { type: 'resolve', method: 'customer_communication' }, after(HOUR, new Date(waiting.updatedAt)));
    expect(resolved.state).toBe('resolved');
    expect(resolved.sla!.stops.at(-1)).toMatchObject({ reason: 'resolved' });
  });

  it('R42: one command is one change: version rises by one however many entries it writes', () => {
    const todo = todoTicket();
    const next = applyCommand(todo, alice, { type: 'addNote', text: 'mine' }, after(HOUR, new Date(todo.updatedAt)));
    expect(next.timeline.length - todo.timeline.length).toBe(3); // assigned, state_changed, note
    expect(next.version).toBe(todo.version + 1);
  });
});
