// R26-R29: a case's flow through its process, as pure functions: stages launched in order, a
// stage done when each of its actions is complete, attention when one cannot be completed, and
// the owner's ways out (rework, relaunch, launch by hand, reset).

import { describe, expect, it } from 'vitest';
import {
  actionClosed,
  launchByHand,
  launched,
  NEW_FLOW,
  relaunch,
  reset,
  reworkActions,
  reworkFromStage,
  stageDone,
  startFlow,
  type CaseFlow,
} from '../../workflows/domain/case/flow.js';
import type { ProcessDefinition } from '../../workflows/domain/case/process-definition.js';
import { Refusal } from '../../workflows/domain/item/refusal.js';

const PROCESS: ProcessDefinition = Object.freeze({
  name: 'Supplier onboarding',
  stages: [
    { name: 'Collect', actions: [{ type: 'review', name: 'Documents' }, { type: 'check', name: 'VAT number', robot: true }] },
    { name: 'Set up', actions: [{ type: 'review', name: 'Open account' }] },
    { name: 'Close', actions: [{ type: 'review', name: 'Welcome letter' }] },
  ],
}) as ProcessDefinition;

/** Launches every pending action as the case would: ref A-<launch id>. */
const launchAll = (flow: CaseFlow): CaseFlow => flow.pending.reduce((f, p) => launched(f, p.launchId, `A-${p.launchId}`), flow);
const refOf = (flow: CaseFlow, name: string): string => flow.actions.filter((a) => a.name === name).at(-1)!.ref;
const complete = (flow: CaseFlow, name: string): CaseFlow => actionClosed(flow, PROCESS, { ref: refOf(flow, name), method: 'complete' }).flow;
const started = (): CaseFlow => launchAll(startFlow(NEW_FLOW, PROCESS));

describe('R26: stages run in order', () => {
  it('R26: the first stage launches all its actions, in order, as pending launches with their own ids', () => {
    const flow = startFlow(NEW_FLOW, PROCESS);
    expect(flow.stageIndex).toBe(0);
    expect(flow.pending.map((p) => [p.launchId, p.name, p.stageIndex, p.robot ?? false])).toEqual([
      [0, 'Documents', 0, false],
      [1, 'VAT number', 0, true],
    ]);
    expect(startFlow(flow, PROCESS)).toBe(flow); // starting again asks for nothing more
  });

  it('R26: a launch reported twice is one action (a repeat after a crash is harmless)', () => {
    const once = launched(startFlow(NEW_FLOW, PROCESS), 0, 'A-000100');
    expect(launched(once, 0, 'A-000100')).toBe(once);
    expect(once.actions.map((a) => a.ref)).toEqual(['A-000100']);
    expect(once.pending.map((p) => p.launchId)).toEqual([1]);
  });

  it('R26: the next stage starts only when every action of the stage is closed complete; after the last, the flow is complete', () => {
    let flow = started();
    flow = complete(flow, 'Documents');
    expect(flow.stageIndex).toBe(0);
    expect(flow.pending).toEqual([]);
    flow = complete(flow, 'VAT number');
    expect(flow.stageIndex).toBe(1);
    expect(flow.pending.map((p) => p.name)).toEqual(['Open account']);
    flow = complete(launchAll(flow), 'Open account');
    flow = complete(launchAll(flow), 'Welcome letter');
    expect(flow.complete).toBe(true);
    expect(flow.pending).toEqual([]);
  });

  it('R26: a stage with launches still pending is not done, even when its earlier copies completed', () => {
    let flow = complete(complete(started(), 'Documents'), 'VAT number');
    flow = reworkFromStage(launchAll(flow), PROCESS, 0).flow;
    expect(flow.stageIndex).toBe(0);
    expect(stageDone(flow, 0)).toBe(false);
  });

  it('R25, R26: a closing reported twice, or for an action not of this case, changes nothing', () => {
    const flow = complete(started(), 'Documents');
    expect(actionClosed(flow, PROCESS, { ref: refOf(flow, 'Documents'), method: 'complete' }).flow).toBe(flow);
    expect(actionClosed(flow, PROCESS, { ref: 'A-999999', method: 'complete' }).flow).toBe(flow);
  });
});

describe('R27: the case shows every action it launched', () => {
  it('R27: actions are listed in launch order with their stage and state, copies included', () => {
    let flow = complete(started(), 'Documents');
    flow = launchAll(relaunch(flow, refOf(flow, 'Documents')));
    expect(flow.actions.map((a) => [a.ref, a.name, a.stageIndex, a.state, a.byHand])).toEqual([
      ['A-0', 'Documents', 0, 'closed', false],
      ['A-1', 'VAT number', 0, 'open', false],
      ['A-2', 'Documents', 0, 'open', true],
    ]);
  });
});

describe('R28: actions launched by hand', () => {
  it('R28: an action launched by hand joins the current stage, and the stage waits for it', () => {
    let flow = launchAll(launchByHand(started(), { type: 'review', name: 'Extra check' }));
    flow = complete(complete(flow, 'Documents'), 'VAT number');
    expect(flow.stageIndex).toBe(0);
    flow = complete(flow, 'Extra check');
    expect(flow.stageIndex).toBe(1);
  });

  it('R28: a relaunch is a new copy of a closed action; the old copy stays closed; an open one is refused', () => {
    const flow = complete(started(), 'Documents');
    const again = launchAll(relaunch(flow, refOf(flow, 'Documents')));
    expect(again.actions.filter((a) => a.name === 'Documents').map((a) => a.state)).toEqual(['closed', 'open']);
    expect(() => relaunch(flow, refOf(flow, 'VAT number'))).toThrow(/still open/);
    expect(() => relaunch(flow, 'A-424242')).toThrow(/not an action of this case/);
  });

  it('R28: nothing is launched by hand on a case whose flow has not started or is complete', () => {
    expect(() => launchByHand(NEW_FLOW, { type: 'review', name: 'x' })).toThrow(Refusal);
  });
});

describe('R29: a case that needs attention', () => {
  const failed = (): CaseFlow =>
    actionClosed(complete(started(), 'Documents'), PROCESS, { ref: 'A-1', method: 'unable_to_complete', reason: 'VAT number invalid' }).flow;

  it('R29: an action closed unable_to_complete puts the case in need of attention, naming it and why; the stage does not move on', () => {
    const step = actionClosed(complete(started(), 'Documents'), PROCESS, { ref: 'A-1', method: 'unable_to_complete', reason: 'VAT number invalid' });
    expect(step.needsAttention).toBe(true);
    expect(step.flow.attention).toEqual({ actionRef: 'A-1', reason: 'VAT number invalid' });
    expect(step.flow.stageIndex).toBe(0);
    expect(step.flow.pending).toEqual([]);
  });

  it('R29: relaunching the failed action supersedes it: the attention clears, and its completion moves the flow on', () => {
    let flow = launchAll(relaunch(failed(), 'A-1'));
    expect(flow.attention).toBeUndefined();
    flow = complete(flow, 'VAT number');
    expect(flow.stageIndex).toBe(1);
  });

  it('R29: reset accepts the failure as it is: the attention clears and the next stage starts', () => {
    const flow = reset(failed(), PROCESS);
    expect(flow.attention).toBeUndefined();
    expect(flow.stageIndex).toBe(1);
    expect(flow.actions.find((a) => a.ref === 'A-1')).toMatchObject({ resolutionMethod: 'unable_to_complete', accepted: true });
  });

  it('R29: rework from an earlier stage launches that stage anew; the later failure no longer holds the case', () => {
    let flow = launchAll(complete(complete(started(), 'Documents'), 'VAT number'));
    flow = actionClosed(flow, PROCESS, { ref: refOf(flow, 'Open account'), method: 'unable_to_complete', reason: 'bank refused' }).flow;
    expect(flow.attention?.reason).toBe('bank refused');
    flow = reworkFromStage(flow, PROCESS, 0).flow;
    expect(flow.attention).toBeUndefined();
    expect(flow.pending.map((p) => [p.name, p.stageIndex])).toEqual([
      ['Documents', 0],
      ['VAT number', 0],
    ]);
    flow = complete(complete(launchAll(flow), 'Documents'), 'VAT number');
    expect(flow.stageIndex).toBe(1);
    expect(flow.pending.map((p) => p.name)).toEqual(['Open account']);
  });

  it('R29: rework of chosen completed actions of the current stage launches their copies; anything else is refused', () => {
    const flow = failed();
    const reworked = reworkActions(flow, ['A-0']);
    expect(reworked.pending.map((p) => [p.name, p.byHand])).toEqual([['Documents', true]]);
    expect(() => reworkActions(flow, ['A-1'])).toThrow(/not a completed action of the current stage/);
    expect(() => reworkActions(flow, ['A-777'])).toThrow(/not an action of this case/);
  });

  it('R29: rework names a stage of this case up to the current one', () => {
    const flow = failed();
    expect(() => reworkFromStage(flow, PROCESS, 1)).toThrow(/0 to 0/);
    expect(() => reworkFromStage(flow, PROCESS, -1)).toThrow(Refusal);
    expect(() => reworkFromStage(NEW_FLOW, PROCESS, 0)).toThrow(/no stage running/);
  });
});

it('R26-R29: no flow function changes the flow it is given', () => {
  const flow = Object.freeze(started()) as CaseFlow;
  const before = JSON.stringify(flow);
  complete(flow, 'Documents');
  reset(flow, PROCESS);
  launchByHand(flow, { type: 'review', name: 'x' });
  reworkFromStage(flow, PROCESS, 0);
  expect(JSON.stringify(flow)).toBe(before);
});
