// Cases and their actions as workflows (R19, R25-R29, R32) on the time-skipping test server, with
// the real activities and PostgreSQL: a case launches each stage's actions as work items of their
// own, hears of their closing by Signal, and tells them when it is cancelled.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CaseProcess } from '../../workflows/domain/item/types.js';
import type { WorkItemView } from '../../workflows/domain/item/view.js';
import { alice, WorkflowHarness, type ItemHandle } from '../support/workflow-harness.js';

const ONBOARDING: CaseProcess = {
  id: 'onboarding',
  version: 3,
  name: 'Onboard a supplier',
  autoResolve: false,
  stages: [
    { name: 'Check', actions: [{ type: 'review', name: 'Verify documents' }, { type: 'review', name: 'Check sanctions', robot: true }] },
    { name: 'Set up', actions: [{ type: 'task', name: 'Create supplier record' }] },
  ],
};

let h: WorkflowHarness;

beforeAll(async () => {
  h = await WorkflowHarness.start();
});
afterAll(async () => {
  await h?.stop();
});

/** The case once `count` actions are launched (launches are the case's own work, after its commands). */
function launched(kase: ItemHandle, count: number): Promise<WorkItemView> {
  return h.until(kase, (v) => (v.actions?.length ?? 0) >= count && v.childRefs.length >= count, `${count} actions launched`);
}

/** Alice takes an action and resolves it (an action closes at once, R25). */
async function finish(ref: string, method: 'complete' | 'unable_to_complete' = 'complete', reason?: string): Promise<WorkItemView> {
  return h.command(h.handleOf(ref), alice, { type: 'resolve', method, ...(reason ? { reason } : {}) });
}

describe('a case launches its stages\' actions (R26, R27)', () => {
  it('R26, R27: a submitted case launches its first stage as actions in todo, each its own work item naming the case', async () => {
    const kase = await h.kase(ONBOARDING);
    const v = await launched(kase, 2);
    expect(v).toMatchObject({ state: 'todo', stage: { index: 0, name: 'Check' }, processVersion: 3, flowComplete: false });
    expect(v.actions).toMatchObject([
      { name: 'Verify documents', type: 'review', stageIndex: 0, state: 'todo' },
      { name: 'Check sanctions', type: 'review', stageIndex: 0, state: 'todo' },
    ]);
    expect(v.childRefs).toEqual(v.actions!.map((a) => a.ref));
    const action = await h.view(h.handleOf(v.childRefs[1]));
    expect(action).toMatchObject({ kind: 'action', state: 'todo', parentRef: v.ref, title: 'Check sanctions', actionType: 'review', stageIndex: 0, robot: true });
    expect(action.ref).toMatch(/^A-\d{6}$/);
    // Operators see them as related workflows in the Temporal UI: the action is the case's child.
    expect((await h.handleOf(action.ref).describe()).parentExecution?.workflowId).toBe(v.ref);
  });

  it('R26: each stage starts when the one before is complete; the owner resolves the case once its flow is complete', async () => {
    const kase = await h.kase(ONBOARDING);
    await h.command(kase, alice, { type: 'pickUp' });
    const first = await launched(kase, 2);
    const closed = await finish(first.childRefs[0]);
    expect(closed).toMatchObject({ state: 'closed', resolutionMethod: 'complete' });
    await finish(first.childRefs[1]);
    const second = await launched(kase, 3);
    expect(second.stage).toEqual({ index: 1, name: 'Set up' });
    await finish(second.childRefs[2]);
    const done = await h.until(kase, (v) => v.flowComplete === true, 'the flow complete');
    expect(done.state).toBe('in_progress');
    expect(done.stage).toBeUndefined();
    expect(done.timeline.map((e) => e.type)).toContain('flow_complete');
    await h.command(kase, alice, { type: 'resolve', method: 'complete' });
    expect(await h.result(kase)).toMatchObject({ state: 'closed', resolutionMethod: 'complete' });
  });

  it('R26: a process with autoResolve resolves its case when the last action completes', async () => {
    const kase = await h.kase({ ...ONBOARDING, id: 'quick', autoResolve: true, stages: [ONBOARDING.stages[1]] });
    const v = await launched(kase, 1);
    await finish(v.childRefs[0]);
    expect(await h.result(kase)).toMatchObject({ state: 'closed', resolutionMethod: 'complete', flowComplete: true });
  });
});

describe('the SLA of a case and its actions (R36-R40)', () => {
  it('R36, R40: a case of a category with a due-date rule has its clock from submission, and each action is measured by the same rule', async () => {
    const category = { id: 'onboarding-sla', requireResolutionCommunication: true, feedbackWindowMs: 86_400_000, sla: { targetMs: 2 * 86_400_000, addWaitingTime: true, stopOn: [], atRiskShare: 0.8 } };
    const kase = await h.kase(ONBOARDING, { category });
    const v = await launched(kase, 2);
    expect(v.sla).toMatchObject({ target: 2 * 86_400_000, clockRunning: true, breached: false, dueAt: expect.any(String) });
    const action = await h.view(h.handleOf(v.childRefs[0]));
    expect(action).toMatchObject({ categoryId: 'onboarding-sla', sla: { target: 2 * 86_400_000, clockRunning: true } });
    // The rest of the category is the case's: the action resolves without a resolution communication, straight to closed.
    expect(await finish(v.childRefs[0])).toMatchObject({ state: 'closed', resolutionMethod: 'complete' });
  });
});

describe('a case that needs attention (R29)', () => {
  it('R29: an action closed unable_to_complete sends its case back to todo with the reason; a relaunch supersedes it and the flow goes on', async () => {
    const kase = await h.kase(ONBOARDING);
    await h.command(kase, alice, { type: 'pickUp' });
    const first = await launched(kase, 2);
    await finish(first.childRefs[0], 'unable_to_complete', 'Documents expired');
    const attention = await h.until(kase, (v) => v.attention !== undefined, 'attention');
    expect(attention).toMatchObject({ state: 'todo', highlighted: true, attention: { actionRef: first.childRefs[0], reason: 'Documents expired' } });
    expect(attention.actions![0]).toMatchObject({ state: 'closed', resolutionMethod: 'unable_to_complete', reason: 'Documents expired' });

    await h.command(kase, alice, { type: 'launchAction', relaunch: first.childRefs[0] });
    const relaunched = await launched(kase, 3);
    expect(relaunched.attention).toBeUndefined();
    expect(relaunched.actions![2]).toMatchObject({ name: 'Verify documents', stageIndex: 0, byHand: true, state: 'todo' });
    await finish(relaunched.childRefs[2]);
    await finish(relaunched.childRefs[1]);
    const next = await launched(kase, 4);
    expect(next.stage).toEqual({ index: 1, name: 'Set up' });
  });

  it('R29: reset accepts the failure: the case is in progress again and the next stage starts when the rest completes', async () => {
    const kase = await h.kase(ONBOARDING);
    const first = await launched(kase, 2);
    await finish(first.childRefs[1], 'unable_to_complete', 'Registry offline');
    await h.until(kase, (v) => v.attention !== undefined, 'attention');
    const reset = await h.command(kase, alice, { type: 'reset' });
    expect(reset).toMatchObject({ state: 'in_progress', assignee: 'alice', highlighted: false });
    expect(reset.attention).toBeUndefined();
    await finish(first.childRefs[0]);
    expect((await launched(kase, 3)).stage).toEqual({ index: 1, name: 'Set up' });
  });
});

describe('cases started by other cases (R9, R26, R32)', () => {
  it('R26, R32: a start_case action starts a submitted case of its process, and completes when that case is submitted', async () => {
    await h.pool.query('INSERT INTO processes (id, version, definition) VALUES ($1, 1, $2)', ['supplier-check', JSON.stringify({ name: 'Supplier check', stages: [{ name: 'Look', actions: [{ type: 'review', name: 'Look up' }] }] })]);
    const kase = await h.kase({ ...ONBOARDING, id: 'with-check', stages: [{ name: 'Delegate', actions: [{ type: 'start_case', name: 'Check the supplier', processId: 'supplier-check' }] }] });
    const v = await launched(kase, 1);
    const action = await h.result(h.handleOf(v.childRefs[0]));
    expect(action).toMatchObject({ kind: 'action', actionType: 'start_case', state: 'closed', resolutionMethod: 'complete' });
    const started = action.childRefs[0];
    expect(started).toMatch(/^C-\d{6}$/);
    const child = await h.until(h.handleOf(started), (x) => (x.actions?.length ?? 0) === 1, 'the started case\'s first action');
    expect(child).toMatchObject({ kind: 'case', state: 'todo', parentRef: action.ref, shortDescription: 'Check the supplier', processId: 'supplier-check', stage: { index: 0, name: 'Look' } });
    expect(await h.until(kase, (x) => x.flowComplete === true, 'the starting case\'s flow complete')).toMatchObject({ flowComplete: true });
  });

  it('R26: a start_case action whose process is gone closes unable_to_complete, and its case needs attention', async () => {
    const kase = await h.kase({ ...ONBOARDING, id: 'with-missing', stages: [{ name: 'Delegate', actions: [{ type: 'start_case', name: 'Check elsewhere', processId: 'never-saved' }] }] });
    const v = await launched(kase, 1);
    expect(await h.result(h.handleOf(v.childRefs[0]))).toMatchObject({ state: 'closed', resolutionMethod: 'unable_to_complete', resolutionReason: 'no process never-saved to start a case of' });
    expect(await h.until(kase, (x) => x.attention !== undefined, 'attention')).toMatchObject({ attention: { actionRef: v.childRefs[0] } });
  });
});

describe('cancelling a case (R19, R32)', () => {
  it('R19: a cancelled case closes at once; each of its open actions closes as cancelled, saying why', async () => {
    const kase = await h.kase(ONBOARDING);
    const first = await launched(kase, 2);
    await finish(first.childRefs[0]);
    await h.until(kase, (v) => v.actions![0].state === 'closed', 'the first action closed');
    const cancelled = await h.command(kase, alice, { type: 'cancel', reason: 'Supplier withdrew' });
    expect(cancelled).toMatchObject({ state: 'closed', resolutionMethod: 'cancelled', resolutionReason: 'Supplier withdrew' });
    const open = await h.result(h.handleOf(first.childRefs[1]));
    expect(open).toMatchObject({ state: 'closed', resolutionMethod: 'cancelled', resolutionReason: `case ${first.ref} was cancelled: Supplier withdrew` });
    expect((await h.view(h.handleOf(first.childRefs[0]))).resolutionMethod).toBe('complete');
  });
});

it('R42: every case and action history recorded above replays without nondeterminism', async () => {
  const { replayed, children, errors } = await h.replayAll();
  expect(errors).toEqual([]);
  expect(children).toBeGreaterThan(10);
  expect(replayed).toBe(h.handles.length + children);
});
