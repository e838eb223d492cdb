// A case and its actions as work items (R19, R25-R29, R32), on the pure rules: what a notice from
// an action, or a case command, does to the case's state, attention, timeline and resolution.

import { describe, expect, it } from 'vitest';
import { actionClosedNotice, applyCommand, caseCancelledNotice, createWorkItem } from '../../workflows/domain/rules/transitions.js';
import type { WorkItem } from '../../workflows/domain/item/types.js';
import { after, alice, bob, caseInput, caseNeedingAttention, launchPending, LENIENT, MINUTE, ONBOARDING, refusalOf, runningCase, T0 } from './fixtures.js';

const CASE = { process: ONBOARDING };
const at = (minutes: number) => after(minutes * MINUTE);

function closeAction(kase: WorkItem, ref: string, minute: number, method: 'complete' | 'unable_to_complete' = 'complete', reason?: string): WorkItem {
  return actionClosedNotice(kase, ONBOARDING, { ref, method, ...(reason ? { reason } : {}) }, at(minute));
}

function entryTypes(item: WorkItem): string[] {
  return item.timeline.map((e) => e.type);
}

describe('the flow of a case, as a work item', () => {
  it('R26: submitting a case starts its first stage, whose actions wait to be launched', () => {
    const kase = createWorkItem(caseInput({ process: ONBOARDING, submit: true }), T0);
    expect(kase).toMatchObject({ state: 'todo', stage: { index: 0, name: 'Check' }, processId: 'onboarding', processVersion: 1 });
    expect(kase.flow!.pending.map((p) => p.name)).toEqual(['Verify documents', 'Check sanctions']);
    expect(entryTypes(kase)).toContain('stage_started');
  });

  it('R27: a launched action is one of the case\'s children, on its timeline', () => {
    const kase = runningCase();
    expect(kase.childRefs).toEqual(['A-000001', 'A-000002']);
    expect(kase.flow!.pending).toEqual([]);
    expect(kase.timeline.filter((e) => e.type === 'action_launched')).toMatchObject([
      { ref: 'A-000001', name: 'Verify documents', stageIndex: 0 },
      { ref: 'A-000002', name: 'Check sanctions', stageIndex: 0 },
    ]);
  });

  it('R26: when every action of a stage is complete the next stage starts; after the last the flow is complete and the owner resolves', () => {
    let kase = closeAction(runningCase(), 'A-000001', 3);
    expect(kase.stage).toEqual({ index: 0, name: 'Check' });
    kase = closeAction(kase, 'A-000002', 4);
    expect(kase.stage).toEqual({ index: 1, name: 'Set up' });
    expect(kase.flow!.pending.map((p) => p.name)).toEqual(['Create supplier record']);
    expect(() => applyCommand(kase, alice, { type: 'resolve', method: 'complete' }, at(5), CASE)).toThrow(/flow is not complete: stage 1 \(Set up\)/);
    kase = closeAction(launchPending(kase, at(5)), 'A-000003', 6);
    expect(kase).toMatchObject({ state: 'in_progress', flow: { complete: true } });
    expect(kase.stage).toBeUndefined();
    expect(entryTypes(kase)).toContain('flow_complete');
    const resolved = applyCommand(kase, alice, { type: 'resolve', method: 'complete' }, at(7), CASE);
    expect(resolved).toMatchObject({ state: 'closed', resolutionMethod: 'complete' });
  });

  it('R26: a process that says autoResolve resolves its case when the flow completes (into the category\'s feedback window)', () => {
    const auto = { ...ONBOARDING, autoResolve: true, stages: [ONBOARDING.stages[1]] };
    let kase = createWorkItem(caseInput({ process: auto, submit: true, category: LENIENT }), T0);
    kase = launchPending(kase, at(1));
    kase = actionClosedNotice(kase, auto, { ref: 'A-000001', method: 'complete' }, at(2));
    expect(kase).toMatchObject({ state: 'resolved', resolutionMethod: 'complete', feedbackWindowEndsAt: expect.any(String) });
  });

  it('R21: a case resolved into its feedback window reopens, and its owner resolves it again', () => {
    let kase = runningCase({ category: LENIENT });
    for (const [i, ref] of ['A-000001', 'A-000002'].entries()) kase = closeAction(kase, ref, 3 + i);
    kase = closeAction(launchPending(kase, at(5)), 'A-000003', 6);
    kase = applyCommand(kase, alice, { type: 'resolve', method: 'complete' }, at(7), CASE);
    expect(kase).toMatchObject({ state: 'resolved', feedbackWindowEndsAt: expect.any(String) });
    kase = applyCommand(kase, alice, { type: 'reopen' }, at(8), CASE);
    expect(kase).toMatchObject({ state: 'in_progress', highlighted: true, flow: { complete: true } });
    expect(applyCommand(kase, alice, { type: 'resolve', method: 'complete' }, at(9), CASE).state).toBe('resolved');
  });

  it('R25: a repeated notice of the same closing changes nothing', () => {
    const once = closeAction(runningCase(), 'A-000001', 3);
    expect(closeAction(once, 'A-000001', 4)).toBe(once);
  });
});

describe('a case that needs attention (R29)', () => {
  it('R29: an action closed unable_to_complete sends the case back to todo, highlighted, naming the action and the reason', () => {
    const kase = caseNeedingAttention();
    expect(kase).toMatchObject({ state: 'todo', highlighted: true, flow: { attention: { actionRef: 'A-000001', reason: 'Documents expired' } } });
    expect(kase.timeline.at(-2)).toMatchObject({ type: 'needs_attention', actionRef: 'A-000001', reason: 'Documents expired' });
  });

  it('R29: a paused case that needs attention stops waiting', () => {
    const paused = applyCommand(runningCase(), alice, { type: 'wait', wait: { type: 'pause', reason: 'Supplier on holiday' } }, at(3), CASE);
    const kase = closeAction(paused, 'A-000001', 4, 'unable_to_complete', 'Documents expired');
    expect(kase).toMatchObject({ state: 'todo', wait: undefined, highlighted: true });
  });

  it('R29: reset takes the case to in_progress, clears the attention, and lets the flow go on', () => {
    let kase = applyCommand(caseNeedingAttention(), alice, { type: 'reset' }, at(4), CASE);
    expect(kase).toMatchObject({ state: 'in_progress', highlighted: false, assignee: 'alice' });
    expect(kase.flow!.attention).toBeUndefined();
    kase = closeAction(kase, 'A-000002', 5);
    expect(kase.stage).toEqual({ index: 1, name: 'Set up' });
  });

  it('R29: reset is refused on a case that needs no attention', () => {
    expect(refusalOf(() => applyCommand(runningCase(), alice, { type: 'reset' }, at(3), CASE))).toMatchObject({ code: 'invalid_transition' });
  });

  it('R28, R29: relaunching the failed action supersedes the failure once its copy is launched', () => {
    let kase = applyCommand(caseNeedingAttention(), alice, { type: 'launchAction', relaunch: 'A-000001' }, at(4), CASE);
    expect(kase.flow!.pending).toMatchObject([{ name: 'Verify documents', byHand: true }]);
    kase = launchPending(kase, at(5));
    expect(kase.flow!.attention).toBeUndefined();
    expect(kase.childRefs).toEqual(['A-000001', 'A-000002', 'A-000003']);
  });

  it('R29: rework from stage 0 launches the stage\'s actions anew', () => {
    const kase = applyCommand(caseNeedingAttention(), alice, { type: 'rework', fromStage: 0 }, at(4), CASE);
    expect(kase.flow!.pending.map((p) => p.name)).toEqual(['Verify documents', 'Check sanctions']);
    expect(kase.timeline.filter((e) => e.type === 'reworked')).toMatchObject([{ fromStage: 0 }]);
  });

  it('R29: rework is refused on a case neither in progress nor needing attention (a paused one, one not picked up)', () => {
    const paused = applyCommand(runningCase(), alice, { type: 'wait', wait: { type: 'pause' } }, at(3), CASE);
    expect(refusalOf(() => applyCommand(paused, alice, { type: 'rework', fromStage: 0 }, at(4), CASE))).toMatchObject({ code: 'invalid_transition', details: { from: 'waiting', command: 'rework' } });
    const todo = launchPending(createWorkItem(caseInput({ process: ONBOARDING, submit: true }), T0), at(1));
    expect(refusalOf(() => applyCommand(todo, alice, { type: 'rework', fromStage: 0 }, at(2), CASE))).toMatchObject({ code: 'invalid_transition', details: { from: 'todo' } });
  });

  it('R28: relaunch takes a closed action of this case only', () => {
    expect(refusalOf(() => applyCommand(runningCase(), alice, { type: 'launchAction', relaunch: 'A-999999' }, at(3), CASE))).toMatchObject({ code: 'invalid_request' });
    expect(refusalOf(() => applyCommand(runningCase(), alice, { type: 'launchAction', relaunch: 'A-000001' }, at(3), CASE)).message).toMatch(/still open/);
  });

  it('R29: rework names a stage up to the current one', () => {
    const r = refusalOf(() => applyCommand(caseNeedingAttention(), alice, { type: 'rework', fromStage: 1 }, at(4), CASE));
    expect(r).toMatchObject({ code: 'invalid_request' });
    expect(r.message).toMatch(/0 to 0/);
  });

  it('R28: an action is launched by hand on a case in progress, never on a case waiting to be picked up', () => {
    const todo = launchPending(createWorkItem(caseInput({ process: ONBOARDING, submit: true }), T0), at(1));
    expect(refusalOf(() => applyCommand(todo, alice, { type: 'launchAction', action: { type: 'review', name: 'Second look' } }, at(2), CASE))).toMatchObject({ code: 'invalid_transition' });
    const kase = applyCommand(runningCase(), alice, { type: 'launchAction', action: { type: 'review', name: 'Second look' } }, at(3), CASE);
    expect(kase.flow!.pending).toMatchObject([{ name: 'Second look', stageIndex: 0, byHand: true }]);
  });

  it('R10: the case\'s owner, or a supervisor, acts on it', () => {
    expect(refusalOf(() => applyCommand(caseNeedingAttention(), bob, { type: 'reset' }, at(4), CASE))).toMatchObject({ code: 'assigned_to_other' });
  });
});

describe('a case\'s SLA (R36-R38)', () => {
  const WITH_SLA = { id: 'onboarding-sla', requireResolutionCommunication: false, feedbackWindowMs: 0, sla: { targetMs: 2 * 86_400_000, addWaitingTime: true, stopOn: [], atRiskShare: 0.8 } };

  it('R36, R38: a case of a category with a due-date rule has its clock from submission; a pause stops it, and needing attention ends the pause', () => {
    const kase = runningCase({ category: WITH_SLA });
    expect(kase.sla).toBeDefined();
    const paused = applyCommand(kase, alice, { type: 'wait', wait: { type: 'pause', reason: 'Supplier on holiday' } }, at(3), CASE);
    expect(paused.sla!.stops).toEqual([{ from: at(3).toISOString(), reason: 'pause' }]);
    const failed = closeAction(paused, 'A-000001', 63, 'unable_to_complete', 'Documents expired');
    expect(failed.state).toBe('todo');
    expect(failed.sla!.stops).toEqual([{ from: at(3).toISOString(), to: at(63).toISOString(), reason: 'pause' }]);
  });
});

describe('cancelling a case (R19)', () => {
  it('R19, R20: cancel closes the case at once and tells each open action to close, saying why', () => {
    const kase = applyCommand(closeAction(runningCase(), 'A-000001', 3), alice, { type: 'cancel', reason: 'Supplier withdrew' }, at(4), CASE);
    expect(kase).toMatchObject({ state: 'closed', resolutionMethod: 'cancelled', resolutionReason: 'Supplier withdrew' });
    expect(kase.notices).toEqual([{ type: 'caseCancelled', to: 'A-000002', caseRef: 'C-000001', reason: 'Supplier withdrew' }]);
  });

  it('R19: cancel needs a reason, and only a case is cancelled', () => {
    expect(refusalOf(() => applyCommand(runningCase(), alice, { type: 'cancel', reason: ' ' }, at(3), CASE))).toMatchObject({ code: 'validation_failed', details: { missing: ['reason'] } });
    const ticket = createWorkItem({ ...caseInput(), ref: 'T-000001', kind: 'ticket' }, T0);
    expect(refusalOf(() => applyCommand(ticket, alice, { type: 'cancel', reason: 'No' }, at(1)))).toMatchObject({ code: 'invalid_request' });
  });

  it('R19: an action of a cancelled case closes as cancelled, naming the case and the reason; a repeat changes nothing', () => {
    const action = createWorkItem({ ref: 'A-000002', kind: 'action', createdBy: alice, fields: { title: 'Check sanctions' }, submit: false, parentRef: 'C-000001' }, T0);
    expect(action.state).toBe('todo');
    const closed = caseCancelledNotice(action, { caseRef: 'C-000001', reason: 'Supplier withdrew' }, at(1));
    expect(closed).toMatchObject({ state: 'closed', resolutionMethod: 'cancelled', resolutionReason: 'case C-000001 was cancelled: Supplier withdrew', version: 2 });
    expect(caseCancelledNotice(closed, { caseRef: 'C-000001', reason: 'again' }, at(2))).toBe(closed);
  });
});

describe('an action as a work item (R13, R14, R25)', () => {
  const action = () => createWorkItem({ ref: 'A-000001', kind: 'action', createdBy: alice, fields: { title: 'Verify documents' }, submit: false, parentRef: 'C-000001' }, T0);

  it('R14: an action waits for more information (from a third party) or until a date, never a number of days, never paused', () => {
    const working = applyCommand(action(), alice, { type: 'pickUp' }, at(1));
    expect(applyCommand(working, alice, { type: 'wait', wait: { type: 'more_info' } }, at(2))).toMatchObject({ state: 'waiting', wait: { type: 'more_info' } });
    expect(applyCommand(working, alice, { type: 'wait', wait: { type: 'until', until: at(60 * 24).toISOString() } }, at(2))).toMatchObject({ state: 'waiting', wait: { type: 'until' } });
    expect(refusalOf(() => applyCommand(working, alice, { type: 'wait', wait: { type: 'more_info', days: 3 } }, at(2)))).toMatchObject({ code: 'invalid_request' });
    expect(refusalOf(() => applyCommand(working, alice, { type: 'wait', wait: { type: 'pause' } }, at(2)))).toMatchObject({ code: 'invalid_transition' });
  });

  it('R25: an action goes from todo straight to closed, and unable_to_complete needs a reason', () => {
    expect(refusalOf(() => applyCommand(action(), alice, { type: 'resolve', method: 'unable_to_complete' }, at(1)))).toMatchObject({ code: 'validation_failed', details: { missing: ['reason'] } });
    const closed = applyCommand(action(), alice, { type: 'resolve', method: 'complete' }, at(1));
    expect(closed).toMatchObject({ state: 'closed', resolutionMethod: 'complete' });
    expect(refusalOf(() => applyCommand(closed, alice, { type: 'reopen' }, at(2)))).toMatchObject({ code: 'invalid_transition' });
  });

  it('R13: a robot takes an action and hands it to humans', () => {
    const robbie = { id: 'robbie', kind: 'robot' as const, roles: [] };
    const taken = applyCommand(action(), robbie, { type: 'pickUp' }, at(1));
    expect(applyCommand(taken, robbie, { type: 'reject', reason: 'Unreadable scan' }, at(2))).toMatchObject({ state: 'todo', needsHuman: true, assignee: undefined });
  });
});

describe('an action tells its case (R25, R32)', () => {
  it('R25: an action resolved closes at once and leaves a notice for its case, with the method and reason', () => {
    const action = createWorkItem({ ref: 'A-000001', kind: 'action', createdBy: alice, fields: { title: 'Verify documents' }, submit: false, parentRef: 'C-000001' }, T0);
    const closed = applyCommand(action, alice, { type: 'resolve', method: 'unable_to_complete', reason: 'Documents expired' }, at(1));
    expect(closed).toMatchObject({ state: 'closed', resolutionMethod: 'unable_to_complete' });
    expect(closed.notices).toEqual([{ type: 'actionClosed', to: 'C-000001', ref: 'A-000001', method: 'unable_to_complete', reason: 'Documents expired' }]);
  });
});
