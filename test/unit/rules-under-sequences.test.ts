// Ordinary sequences of commands where the rules once broke the spec, each on the pure rules:
// a resolved draft reopened (R8), a supervisor's update (R10), a rule changed after a breach
// (R39), send-and-resolve on a case (R24), a hand-over during a wait on other work (R12), a
// reopened case whose flow had completed (R29), a merge refused (R30), a split's notices (R31),
// imported waits (R43), and the rework, reset, attention and robot cases of R13 and R29.

import { describe, expect, it } from 'vitest';
import { actionClosedNotice, actionLaunched, applyCommand, caseCancelledNotice, caseStarted, childChangedNotice, createWorkItem, onDeadline, receiveEmail, splitPartStarted } from '../../workflows/domain/rules/transitions.js';
import { mapLegacyStatus } from '../../workflows/domain/legacy/status-mapping.js';
import { REF_IN_SUBJECT } from '../../api/inbound-email.js';
import { importProblems } from '../../workflows/domain/legacy/imported-item.js';
import { toView } from '../../workflows/domain/item/view.js';
import type { CategorySnapshot, WorkItem } from '../../workflows/domain/item/types.js';
import type { Command } from '../../workflows/domain/item/commands.js';
import type { SlaRule } from '../../workflows/domain/sla/sla.js';
import {
  admin,
  after,
  alice,
  bob,
  caseInput,
  caseNeedingAttention,
  email,
  HOUR,
  inProgressTicket,
  launchPending,
  LENIENT,
  MINUTE,
  ONBOARDING,
  refusalOf,
  robbie,
  runningCase,
  sam,
  T0,
  ticketInput,
  todoTicket,
} from './fixtures.js';

const CASE = { process: ONBOARDING };
const at = (minutes: number) => after(minutes * MINUTE);
const PARTS = [
  { title: 'Invoice 42', description: 'First' },
  { title: 'Invoice 43', description: 'Second' },
];

describe('R8: a draft resolved and reopened', () => {
  const draft = () => createWorkItem(ticketInput({ fields: {}, submit: false }), T0);

  it('R8: reopened by hand, a resolved draft goes back to draft, assigned to whoever reopened it; submit is its way to a queue', () => {
    const resolved = applyCommand(draft(), alice, { type: 'resolve', method: 'customer_communication' }, at(1));
    expect(resolved.state).toBe('resolved');
    const reopened = applyCommand(resolved, bob, { type: 'reopen' }, at(2));
    expect(reopened).toMatchObject({ state: 'draft', assignee: 'bob' });
    expect(refusalOf(() => applyCommand(reopened, bob, { type: 'submit' }, at(3)))).toMatchObject({ code: 'validation_failed' });
  });

  it('R29, R21, R43: an imported case that needs attention, resolved and then reopened by an email, stays todo with its owner until they act on the problem', () => {
    const imported = { legacyRef: 'L-9', legacyStatus: 'Needs attention', mapped: mapLegacyStatus('case', 'Needs attention'), timeline: [], assignee: 'alice' };
    const kase = createWorkItem(caseInput({ process: ONBOARDING, category: LENIENT, imported }), T0);
    const resolved = applyCommand(kase, alice, { type: 'resolve', method: 'complete' }, at(1), CASE);
    const { item, outcome } = receiveEmail(resolved, email(), at(2));
    expect(outcome).toBe('reopened');
    expect(item).toMatchObject({ state: 'todo', assignee: 'alice', highlighted: true });
  });

  it('R8, R21: reopened by an email, it goes back to draft with its creator', () => {
    const resolved = applyCommand(draft(), alice, { type: 'resolve', method: 'customer_communication' }, at(1));
    const { item, outcome } = receiveEmail(resolved, email(), at(2));
    expect(outcome).toBe('reopened');
    expect(item).toMatchObject({ state: 'draft', assignee: 'alice' });
  });

  it('R8, R26: a draft case resolved and reopened is submitted again, and its flow starts then', () => {
    const kase = createWorkItem(caseInput({ process: ONBOARDING, category: LENIENT }), T0);
    const resolved = applyCommand(kase, alice, { type: 'resolve', method: 'complete' }, at(1), CASE);
    const reopened = applyCommand(resolved, alice, { type: 'reopen' }, at(2), CASE);
    expect(reopened.state).toBe('draft');
    const submitted = applyCommand(reopened, alice, { type: 'submit' }, at(3), CASE);
    expect(submitted.flow?.pending.map((p) => p.name)).toEqual(['Verify documents', 'Check sanctions']);
  });
});

describe('R10: a supervisor updates an item assigned to someone else', () => {
  const bobs = () => applyCommand(todoTicket(), sam, { type: 'assign', resourceId: 'bob', resourceKind: 'human' }, at(1));

  it('R10: a supervisor\'s note, edit or email changes neither the state nor the assignee of bob\'s todo item', () => {
    for (const command of [
      { type: 'addNote', text: 'Please look at this today.' },
      { type: 'edit', fields: { title: 'Invoice 42 (urgent)' } },
      { type: 'sendEmail', to: ['ann@example.com'], subject: 'Update', body: 'We are on it.' },
    ] satisfies Command[]) {
      const next = applyCommand(bobs(), sam, command, at(2));
      expect(next, command.type).toMatchObject({ state: 'todo', assignee: 'bob' });
      expect(next.timeline.some((e) => e.type === 'state_changed' && e.to === 'in_progress'), command.type).toBe(false);
    }
  });

  it('R10, R22: bob\'s spell is not restarted by a supervisor\'s note', () => {
    const working = applyCommand(bobs(), bob, { type: 'pickUp' }, at(2));
    const noted = applyCommand(working, sam, { type: 'addNote', text: 'FYI' }, at(3));
    expect(noted.spell.startSeq).toBe(working.spell.startSeq);
  });
});

describe('R39: a breach is recorded once per clock', () => {
  const oneHour: SlaRule = { targetMs: HOUR, addWaitingTime: false, stopOn: [], atRiskShare: 1 };
  const category = (id: string, sla?: SlaRule): CategorySnapshot => ({ ...LENIENT, id, ...(sla ? { sla } : {}) });
  const breaches = (item: WorkItem) => item.timeline.filter((e) => e.type === 'sla_breached').length;
  const breached = () => onDeadline(todoTicket({ category: category('fast', oneHour) }), after(2 * HOUR));

  it('R39: a longer target after the breach moves the due date, and records no second breach', () => {
    let item = breached();
    expect(breaches(item)).toBe(1);
    item = applyCommand(item, alice, { type: 'edit', fields: {}, category: category('slow', { ...oneHour, targetMs: 3 * HOUR }) }, after(2 * HOUR + MINUTE));
    item = onDeadline(item, after(5 * HOUR));
    expect(breaches(item)).toBe(1);
    expect(toView(item, after(5 * HOUR)).sla).toMatchObject({ breached: true });
  });

  it('R39: no rule, then a rule again, is the same clock: one breach', () => {
    let item = applyCommand(breached(), alice, { type: 'edit', fields: {}, category: category('none') }, after(2 * HOUR + MINUTE));
    item = applyCommand(item, alice, { type: 'edit', fields: {}, category: category('fast', oneHour) }, after(2 * HOUR + 2 * MINUTE));
    item = onDeadline(item, after(6 * HOUR));
    expect(breaches(item)).toBe(1);
  });
});

describe('R24, R26: send-and-resolve on a case', () => {
  it('R24, R26: sendEmail with resolve is refused while the case\'s flow has actions to finish, as resolve is', () => {
    const r = refusalOf(() => applyCommand(runningCase(), alice, { type: 'sendEmail', to: ['ann@example.com'], subject: 'Done', body: 'All done.', resolve: true }, at(5), CASE));
    expect(r).toMatchObject({ code: 'invalid_transition' });
    expect(r.message).toMatch(/flow is not complete/);
  });
});

describe('R12: a hand-over during a wait on other work', () => {
  const split = () => applyCommand(inProgressTicket(), alice, { type: 'split', tickets: PARTS, refs: ['T-000100', 'T-000101'] }, at(10));

  it('R12, R31: assigning a split ticket to bob keeps its split wait; its parts still resolve it', () => {
    let t = applyCommand(split(), alice, { type: 'assign', resourceId: 'bob', resourceKind: 'human' }, at(11));
    expect(t).toMatchObject({ state: 'waiting', wait: { type: 'split' }, assignee: 'bob' });
    expect(refusalOf(() => applyCommand(t, bob, { type: 'resolve', method: 'customer_communication' }, at(12)))).toMatchObject({ code: 'invalid_transition' });
    t = childChangedNotice(t, { ref: 'T-000100', state: 'resolved' }, at(13));
    t = childChangedNotice(t, { ref: 'T-000101', state: 'resolved' }, at(14));
    expect(t).toMatchObject({ state: 'resolved', resolutionMethod: 'split_completed' });
  });

  it('R12, R33: unassigning a ticket waiting on its launched case keeps the wait', () => {
    const launched = applyCommand(inProgressTicket(), alice, { type: 'launchCase', processId: 'onboarding', shortDescription: 'Onboard', ref: 'C-000100' }, at(10));
    const t = applyCommand(launched, alice, { type: 'unassign' }, at(11));
    expect(t).toMatchObject({ state: 'waiting', wait: { type: 'case_launched' } });
    expect(t.assignee).toBeUndefined();
  });
});

describe('R29: a case whose flow had completed', () => {
  /** ONBOARDING run to the end, resolved, then reopened by alice. */
  function reopenedCase(): WorkItem {
    let kase = runningCase({ category: LENIENT });
    for (const ref of ['A-000001', 'A-000002']) kase = actionClosedNotice(kase, ONBOARDING, { ref, method: 'complete' }, at(3));
    kase = launchPending(kase, at(4));
    kase = actionClosedNotice(kase, ONBOARDING, { ref: 'A-000003', method: 'complete' }, at(5));
    expect(kase.flow?.complete).toBe(true);
    kase = applyCommand(kase, alice, { type: 'resolve', method: 'complete' }, at(6), CASE);
    return applyCommand(kase, alice, { type: 'reopen' }, at(7), CASE);
  }

  it('R28, R29: an action is launched by hand on it; the flow runs again until the action closes', () => {
    let kase = applyCommand(reopenedCase(), alice, { type: 'launchAction', action: { type: 'task', name: 'Fix record' } }, at(8), CASE);
    expect(kase.flow).toMatchObject({ complete: false });
    expect(refusalOf(() => applyCommand(kase, alice, { type: 'resolve', method: 'complete' }, at(9), CASE))).toMatchObject({ code: 'invalid_transition' });
    kase = launchPending(kase, at(9));
    kase = actionClosedNotice(kase, ONBOARDING, { ref: 'A-000004', method: 'complete' }, at(10));
    expect(kase.flow?.complete).toBe(true);
  });

  it('R29: it is reworked from a stage, and relaunches', () => {
    expect(applyCommand(reopenedCase(), alice, { type: 'rework', fromStage: 0 }, at(8), CASE).flow).toMatchObject({ stageIndex: 0, complete: false });
    expect(applyCommand(reopenedCase(), alice, { type: 'launchAction', relaunch: 'A-000003' }, at(8), CASE).flow?.pending).toMatchObject([{ name: 'Create supplier record' }]);
  });
});

describe('R30: a refused merge changes nothing', () => {
  it('R30, R10: a merge refused for the ticket\'s own rules is refused before the target hears of it (the ticket decides first)', () => {
    const bobs = applyCommand(inProgressTicket({}, bob), bob, { type: 'addNote', text: 'mine' }, at(5));
    expect(refusalOf(() => applyCommand(bobs, alice, { type: 'merge', into: 'T-000002' }, at(6)))).toMatchObject({ code: 'assigned_to_other' });
  });

  it('R30: the target takes a merged ticket once; a retried merge changes nothing more', () => {
    const target = todoTicket({ ref: 'T-000002' });
    const took = applyCommand(target, alice, { type: 'takeMerged', ref: 'T-000001', mergedTimeline: 'x', entries: 3 }, at(1));
    expect(took.timeline.filter((e) => e.type === 'merged_in')).toHaveLength(1);
    expect(applyCommand(took, alice, { type: 'takeMerged', ref: 'T-000001', mergedTimeline: 'x', entries: 3 }, at(2))).toBe(took);
  });

  it('R30: the merged ticket says where it went', () => {
    expect(applyCommand(inProgressTicket(), alice, { type: 'merge', into: 'T-000002' }, at(5))).toMatchObject({ state: 'closed', mergedInto: 'T-000002' });
  });
});

describe('R31: a split counts its own parts only', () => {
  it('R31: a ticket split twice resolves only when each part of its current split has resolved', () => {
    let t = applyCommand(inProgressTicket(), alice, { type: 'split', tickets: PARTS, refs: ['T-000010', 'T-000011'] }, at(1));
    for (const p of t.partsToStart!) t = splitPartStarted(t, p.launchId, at(2));
    t = childChangedNotice(t, { ref: 'T-000010', state: 'resolved' }, at(3));
    t = childChangedNotice(t, { ref: 'T-000011', state: 'resolved' }, at(4));
    expect(t.state).toBe('resolved');
    t = applyCommand(t, alice, { type: 'reopen' }, at(5));
    t = applyCommand(t, alice, { type: 'split', tickets: PARTS, refs: ['T-000012', 'T-000013'] }, at(6));
    t = childChangedNotice(t, { ref: 'T-000010', state: 'resolved' }, at(7)); // an old part resolved again
    t = childChangedNotice(t, { ref: 'T-000012', state: 'resolved' }, at(8));
    expect(t).toMatchObject({ state: 'waiting', wait: { type: 'split' } });
    t = childChangedNotice(t, { ref: 'T-000013', state: 'closed' }, at(9));
    expect(t).toMatchObject({ state: 'resolved', resolutionMethod: 'split_completed' });
  });

  it('R31, R32: the split\'s answer names its new tickets; a ref the ticket already has is refused', () => {
    const t = applyCommand(inProgressTicket(), alice, { type: 'split', tickets: PARTS, refs: ['T-000010', 'T-000011'] }, at(1));
    expect(t.childRefs).toEqual(['T-000010', 'T-000011']);
    expect(refusalOf(() => applyCommand(inProgressTicket(), alice, { type: 'split', tickets: PARTS, refs: ['T-000010'] }, at(1)))).toMatchObject({ code: 'invalid_request' });
  });

  it('R33, R32: a launch-case answer names its case', () => {
    expect(applyCommand(inProgressTicket(), alice, { type: 'launchCase', processId: 'onboarding', shortDescription: 'Onboard', ref: 'C-000100' }, at(1)).childRefs).toEqual(['C-000100']);
  });
});

describe('R43: imported items', () => {
  const imported = (status: string, fields = {}) =>
    createWorkItem(ticketInput({ fields, imported: { legacyRef: 'L-1', legacyStatus: status, mapped: mapLegacyStatus('ticket', status), assignee: 'alice', timeline: [] } }), T0);

  it('R43: an imported split or case_launched wait is ended by its owner with cancel-wait', () => {
    for (const status of ['Resolved – split ticket', 'Resolved – new case launched']) {
      const item = imported(status);
      expect(item.state, status).toBe('waiting');
      expect(applyCommand(item, alice, { type: 'cancelWait' }, at(1)), status).toMatchObject({ state: 'in_progress', waitEndedReason: 'cancelled' });
      expect(refusalOf(() => applyCommand(item, bob, { type: 'cancelWait' }, at(1))), status).toMatchObject({ code: 'assigned_to_other' });
    }
  });

  it('R43, R5: an item past draft that lacks fields is imported as it is, its view listing them', () => {
    expect(importProblems({ legacyRef: 'L-2', kind: 'ticket', status: 'In progress (being processed)', assignee: 'alice' }).problems).toEqual([]);
    const view = toView(imported('In progress (being processed)'), at(1));
    expect(view).toMatchObject({ state: 'in_progress', missingFields: ['title', 'description', 'primaryContact', 'requester'] });
  });
});

describe('R29: rework, reset and attention', () => {
  it('R29: rework from an earlier stage withdraws the later stage\'s open actions, and tells them', () => {
    let kase = runningCase();
    for (const ref of ['A-000001', 'A-000002']) kase = actionClosedNotice(kase, ONBOARDING, { ref, method: 'complete' }, at(3));
    kase = launchPending(kase, at(4));
    kase = applyCommand(kase, alice, { type: 'rework', fromStage: 0 }, at(5), CASE);
    expect(kase.flow?.actions.find((a) => a.ref === 'A-000003')).toMatchObject({ state: 'closed', resolutionMethod: 'withdrawn' });
    expect(kase.notices).toEqual([expect.objectContaining({ type: 'caseCancelled', to: 'A-000003', method: 'withdrawn' })]);
    const action = createWorkItem({ ref: 'A-000003', kind: 'action', createdBy: alice, fields: { title: 'Create supplier record' }, submit: false, parentRef: 'C-000001', action: { type: 'task', stageIndex: 1 } }, at(4));
    expect(caseCancelledNotice(action, { caseRef: 'C-000001', reason: 'reworked', method: 'withdrawn' }, at(6))).toMatchObject({ state: 'closed', resolutionMethod: 'withdrawn' });
  });

  it('R29: a launch withdrawn while it was being started is told to close when it reports', () => {
    let kase = runningCase();
    for (const ref of ['A-000001', 'A-000002']) kase = actionClosedNotice(kase, ONBOARDING, { ref, method: 'complete' }, at(3));
    const launchId = kase.flow!.pending[0]!.launchId;
    kase = applyCommand(kase, alice, { type: 'rework', fromStage: 0 }, at(4), CASE);
    kase = actionLaunched(kase, launchId, 'A-000003', at(5));
    expect(kase.notices).toEqual([expect.objectContaining({ to: 'A-000003', method: 'withdrawn' })]);
  });

  it('R29, R3: an admin\'s reset of a case nobody holds clears the attention and leaves it in the queue', () => {
    const unassigned = applyCommand(caseNeedingAttention(), alice, { type: 'unassign' }, at(4), CASE);
    const reset = applyCommand(unassigned, admin, { type: 'reset' }, at(5), CASE);
    expect(reset.flow?.attention).toBeUndefined();
    expect(reset).toMatchObject({ state: 'todo' });
    expect(reset.assignee).toBeUndefined();
  });

  it('R29, R10: the owner\'s note on a case needing attention leaves it todo with its attention', () => {
    const noted = applyCommand(caseNeedingAttention(), alice, { type: 'addNote', text: 'Asked the supplier for new documents.' }, at(4), CASE);
    expect(noted.state).toBe('todo');
    expect(noted.flow?.attention).toBeDefined();
  });

  it('R29: the owner pauses a case needing attention; ending the pause leaves it todo while the attention stands', () => {
    const paused = applyCommand(caseNeedingAttention(), alice, { type: 'wait', wait: { type: 'pause' } }, at(4), CASE);
    expect(paused).toMatchObject({ state: 'waiting', wait: { type: 'pause' } });
    expect(applyCommand(paused, alice, { type: 'cancelWait' }, at(5), CASE).state).toBe('todo');
  });
});

describe('R13: an item a robot handed to humans', () => {
  it('R13: a robot cannot resolve (or merge) an item marked as needing a human', () => {
    const handed = applyCommand(applyCommand(todoTicket(), robbie, { type: 'pickUp' }, at(1)), robbie, { type: 'reject', reason: 'cannot parse' }, at(2));
    expect(handed).toMatchObject({ state: 'todo', needsHuman: true });
    expect(refusalOf(() => applyCommand(handed, robbie, { type: 'resolve', method: 'rejected' }, at(3)))).toMatchObject({ code: 'invalid_transition' });
    expect(refusalOf(() => applyCommand(handed, robbie, { type: 'merge', into: 'T-000002' }, at(3)))).toMatchObject({ code: 'invalid_transition' });
  });
});

describe('R5: a submitted item keeps its required fields', () => {
  it('R5: an edit that would empty a field submission needed (or drop the category) is refused, naming it', () => {
    const r = refusalOf(() => applyCommand(inProgressTicket(), alice, { type: 'edit', fields: { title: ' ' }, category: null }, at(1)));
    expect(r).toMatchObject({ code: 'validation_failed', details: { missing: ['title', 'categoryId'] } });
  });
});

describe('R34: a ref in the subject', () => {
  it('R34, R1: refs past T-999999 match too; a short one does not', () => {
    expect(REF_IN_SUBJECT.exec('Re: [T-000123] Invoice')?.[1]).toBe('T-000123');
    expect(REF_IN_SUBJECT.exec('Re: [C-1000000] Onboarding')?.[1]).toBe('C-1000000');
    expect(REF_IN_SUBJECT.exec('Re: [T-123] Invoice')).toBeNull();
  });
});

describe('R33: a ticket that launches a case twice', () => {
  it('R33, R32: reopened and launching a second case, the ticket waits for that case: a resent notice of the first changes nothing', () => {
    let t = applyCommand(inProgressTicket(), alice, { type: 'launchCase', processId: 'onboarding', shortDescription: 'First', ref: 'C-000100' }, at(1));
    t = caseStarted(t, 'C-000100', at(2));
    t = childChangedNotice(t, { ref: 'C-000100', state: 'resolved' }, at(3));
    expect(t.state).toBe('resolved');
    t = applyCommand(t, alice, { type: 'reopen' }, at(4));
    t = applyCommand(t, alice, { type: 'launchCase', processId: 'onboarding', shortDescription: 'Second', ref: 'C-000101' }, at(5));
    expect(childChangedNotice(t, { ref: 'C-000100', state: 'resolved' }, at(6))).toBe(t);
    t = childChangedNotice(caseStarted(t, 'C-000101', at(7)), { ref: 'C-000101', state: 'closed' }, at(8));
    expect(t.state).toBe('resolved');
  });
});
