// A case's flow through its process (R26-R29), as pure functions: which actions to launch when,
// when a stage is done, when the flow is complete, and what the owner may do when the case needs
// attention. Actions to launch wait in `pending` (part of the case's state, so a launch cut short
// by a crash or a continue-as-new is taken up again); the case launches each one, under an id
// that makes a repeat harmless, and reports it with `launched`. Nothing here knows about
// workflows, how refs are allocated, or time.
//
// The rules, as built:
// - R26: the flow starts with stage 0; a stage's actions are launched together. The stage is
//   done when, for every action of the stage (each name, counting its copies as one), the latest
//   copy is closed `complete`, or closed `unable_to_complete` and acknowledged by a reset (R29).
//   Then the next stage starts; after the last one the flow is complete.
// - R27: the case shows every action it ever launched, in launch order.
// - R28: an action launched by hand joins the current stage (the stage waits for it too); a
//   relaunch is a new copy of a closed action of this case, and the old copy stays closed.
// - R29: an action of the current stage closed `unable_to_complete` puts the case in need of
//   attention, naming the action and its reason, for as long as it is the latest copy of its
//   action and not accepted. The owner reworks (from an earlier stage, or chosen completed
//   actions of the current stage, launched anew), relaunches the failed action (its new copy
//   supersedes it) or launches others, or resets: a reset accepts the failed actions as they are,
//   so the flow goes on. Rework from a stage withdraws the open actions of the stages after it
//   (the flow launches those stages anew when it reaches them). A flow that had completed runs
//   again when it is reworked or an action is launched on it by hand.

import { Refusal } from '../item/refusal.js';
import { actionKey, type ProcessAction, type ProcessDefinition } from './process-definition.js';

export interface FlowAction {
  /** Its ref once the case has launched it (the case allocates refs when it launches). */
  ref: string;
  name: string;
  type: string;
  robot?: boolean;
  processId?: string;
  stageIndex: number;
  /** Launched by hand or as a copy, not by its stage (R28). */
  byHand: boolean;
  state: 'open' | 'closed';
  resolutionMethod?: 'complete' | 'unable_to_complete' | 'withdrawn';
  reason?: string;
  /** A failure the owner accepted with a reset (R29). */
  accepted?: boolean;
}

export interface CaseFlow {
  /** The stage running, from 0; undefined before the flow starts. */
  stageIndex?: number;
  actions: FlowAction[];
  /** Actions asked for and not launched yet, in order. */
  pending: PendingLaunch[];
  /** Launches asked for so far: the next one's `launchId`. */
  launchCount: number;
  complete: boolean;
  /** R29: the action whose failure needs the owner, and why (derived from the actions). */
  attention?: { actionRef: string; reason: string };
}

/** An action to launch: what it is, and where it belongs. */
export type ActionLaunch = Omit<FlowAction, 'ref' | 'state' | 'resolutionMethod' | 'reason' | 'accepted'>;

/** An action asked for: the case gives it a ref (once per `launchId`), starts it, and reports it. */
export interface PendingLaunch extends ActionLaunch {
  launchId: number;
}

export const NEW_FLOW: CaseFlow = { actions: [], pending: [], launchCount: 0, complete: false };

/** R26: the flow starts with the first stage. */
export function startFlow(flow: CaseFlow, process: ProcessDefinition): CaseFlow {
  if (flow.stageIndex !== undefined) return flow;
  return enterStage(flow, process, 0);
}

/** The case launched a pending action as `ref`: it is now part of the flow, open. A repeat is harmless. */
export function launched(flow: CaseFlow, launchId: number, ref: string): CaseFlow {
  const pending = flow.pending.find((p) => p.launchId === launchId);
  if (!pending) return flow;
  const { launchId: _, ...action } = pending;
  return withAttention({
    ...flow,
    pending: flow.pending.filter((p) => p.launchId !== launchId),
    actions: [...flow.actions, { ...action, ref, state: 'open' }],
  });
}

/**
 * An action of the case closed (R25). A failure needs the owner (R29); a completion may finish
 * the stage, and then the next stage starts or the flow completes (R26). A repeat is harmless.
 */
export function actionClosed(
  flow: CaseFlow,
  process: ProcessDefinition,
  closed: { ref: string; method: 'complete' | 'unable_to_complete'; reason?: string },
): { flow: CaseFlow; needsAttention: boolean } {
  const action = flow.actions.find((a) => a.ref === closed.ref);
  if (!action || action.state === 'closed') return { flow, needsAttention: false };
  const next = withAttention({
    ...flow,
    actions: flow.actions.map((a) => (a.ref === closed.ref ? { ...a, state: 'closed', resolutionMethod: closed.method, ...(closed.reason ? { reason: closed.reason } : {}) } : a)),
  });
  if (next.attention?.actionRef === closed.ref) return { flow: next, needsAttention: true };
  return { flow: advance(next, process), needsAttention: false };
}

/** R29: reset clears the attention and accepts every failed action so far; the flow goes on. */
export function reset(flow: CaseFlow, process: ProcessDefinition): CaseFlow {
  const next = withAttention({ ...flow, actions: flow.actions.map((a) => (a.resolutionMethod === 'unable_to_complete' ? { ...a, accepted: true } : a)) });
  return advance(next, process);
}

/**
 * R29: rework from an earlier (or the current) stage: its actions are launched anew, and the
 * open actions of the stages after it are withdrawn (their refs are returned, to be told).
 */
export function reworkFromStage(flow: CaseFlow, process: ProcessDefinition, fromStage: number): { flow: CaseFlow; withdrawn: string[] } {
  const current = flow.stageIndex;
  if (current === undefined) throw new Refusal('invalid_request', 'The case has no stage running to rework from.');
  if (!Number.isInteger(fromStage) || fromStage < 0 || fromStage > current) {
    throw new Refusal('invalid_request', `Rework from a stage of this case up to the current one: 0 to ${current} (${process.stages[current].name}).`);
  }
  const withdrawn = flow.actions.filter((a) => a.state === 'open' && a.stageIndex > fromStage).map((a) => a.ref);
  const kept: CaseFlow = {
    ...flow,
    actions: flow.actions.map((a) => (withdrawn.includes(a.ref) ? { ...a, state: 'closed', resolutionMethod: 'withdrawn' } : a)),
    // Launches not started yet of the stage reworked and after it would be second copies.
    pending: flow.pending.filter((p) => p.stageIndex < fromStage),
  };
  return { flow: enterStage(kept, process, fromStage), withdrawn };
}

/** R29: rework chosen completed actions of the current stage: each is launched anew. */
export function reworkActions(flow: CaseFlow, refs: string[]): CaseFlow {
  const current = flow.stageIndex;
  if (current === undefined) throw new Refusal('invalid_request', 'The case has no stage running to rework.');
  const chosen = refs.map((ref) => {
    const action = flow.actions.find((a) => a.ref === ref);
    if (!action) throw new Refusal('invalid_request', `${ref} is not an action of this case.`);
    if (action.stageIndex !== current || action.state !== 'closed' || action.resolutionMethod !== 'complete') {
      throw new Refusal('invalid_request', `${ref} is not a completed action of the current stage (${current}); rework takes those.`);
    }
    return action;
  });
  return ask(flow, chosen.map((a) => launchOf(a, a.stageIndex, true)));
}

/** R28: an action launched by hand joins the current stage. */
export function launchByHand(flow: CaseFlow, action: Pick<ProcessAction, 'type' | 'name' | 'robot' | 'processId'>): CaseFlow {
  const current = flow.stageIndex;
  if (current === undefined) throw new Refusal('invalid_request', 'The case has no stage running to launch an action in.');
  return ask(flow, [launchOf(action, current, true)]);
}

/** R28: a relaunch is a new copy of a closed action of this case; the old one stays closed. */
export function relaunch(flow: CaseFlow, ref: string): CaseFlow {
  const action = flow.actions.find((a) => a.ref === ref);
  if (!action) throw new Refusal('invalid_request', `${ref} is not an action of this case; relaunch takes one of its own.`);
  if (action.state !== 'closed') throw new Refusal('invalid_request', `${ref} is still open; only a closed action is relaunched.`);
  return ask(flow, [launchOf(action, action.stageIndex, true)]);
}

/** True when every action of the stage is done: its latest copy complete, or failed and accepted. */
export function stageDone(flow: CaseFlow, stageIndex: number): boolean {
  if (flow.pending.some((p) => p.stageIndex === stageIndex)) return false;
  const latest = latestOfStage(flow, stageIndex);
  return latest.length > 0 && latest.every((a) => a.state === 'closed' && (a.resolutionMethod === 'complete' || a.accepted === true));
}

function advance(flow: CaseFlow, process: ProcessDefinition): CaseFlow {
  const current = flow.stageIndex;
  if (current === undefined || flow.complete || flow.attention || !stageDone(flow, current)) return flow;
  if (current + 1 >= process.stages.length) {
    // Complete only when every stage is: a relaunched copy of an earlier stage's action counts too.
    const allDone = process.stages.every((_, i) => i > current || stageDone(flow, i) || latestOfStage(flow, i).length === 0);
    return allDone ? { ...flow, complete: true } : flow;
  }
  return enterStage(flow, process, current + 1);
}

function enterStage(flow: CaseFlow, process: ProcessDefinition, stageIndex: number): CaseFlow {
  const launches = process.stages[stageIndex].actions.map((a) => launchOf(a, stageIndex, false));
  return ask({ ...flow, stageIndex, complete: false }, launches);
}

/**
 * Adds launches to the pending ones, each with the next launch id; a completed flow runs again
 * until they close (R29), and a copy asked for supersedes a failure at once.
 */
function ask(flow: CaseFlow, launches: ActionLaunch[]): CaseFlow {
  return withAttention({
    ...flow,
    complete: false,
    pending: [...flow.pending, ...launches.map((l, i) => ({ ...l, launchId: flow.launchCount + i }))],
    launchCount: flow.launchCount + launches.length,
  });
}

/** The latest copies of the current stage's actions, by slot. */
function latestOfStage(flow: CaseFlow, stageIndex: number): FlowAction[] {
  const latest = new Map<string, FlowAction>();
  for (const a of flow.actions) if (a.stageIndex === stageIndex) latest.set(slot(a), a);
  return [...latest.values()];
}

/** R29: the flow with its attention derived: the last failed, unaccepted latest copy of a stage so far. */
function withAttention(flow: CaseFlow): CaseFlow {
  const current = flow.stageIndex;
  const latest = current === undefined ? [] : flow.actions.filter((a) => a.stageIndex <= current && latestOfStage(flow, a.stageIndex).includes(a));
  // A copy asked for and not launched yet supersedes its slot's failure.
  const failed = latest.filter((a) => a.resolutionMethod === 'unable_to_complete' && !a.accepted && !flow.pending.some((p) => slot(p) === slot(a)));
  const last = failed.sort((a, b) => flow.actions.indexOf(a) - flow.actions.indexOf(b)).at(-1);
  const attention = last ? { actionRef: last.ref, reason: last.reason ?? 'unable to complete' } : undefined;
  if (attention?.actionRef === flow.attention?.actionRef) return flow;
  const { attention: _, ...rest } = flow;
  return attention ? { ...rest, attention } : rest;
}

/** Copies of one action share its slot: its stage and name. */
function slot(a: Pick<FlowAction, 'stageIndex' | 'name'>): string {
  return `${a.stageIndex}\u0000${actionKey(a.name)}`;
}

/** A launch of `action` (of the process, or a copy of a launched one) into a stage. */
function launchOf(a: Pick<ProcessAction, 'type' | 'name' | 'robot' | 'processId'>, stageIndex: number, byHand: boolean): ActionLaunch {
  return {
    type: a.type,
    name: a.name,
    ...(a.robot !== undefined ? { robot: a.robot } : {}),
    ...(a.processId !== undefined ? { processId: a.processId } : {}),
    stageIndex,
    byHand,
  };
}
