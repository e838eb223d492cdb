// A case and its actions, as the item's rules (R19, R25-R29, R32): the flow (case/flow.ts) decides
// which actions run and when a stage is done; this module says what that does to the case as a
// work item (its state, attention, timeline, resolution) and what the items tell each other.
//
// - R26: a case's flow starts when it is submitted; each stage's actions are launched by the
//   case's workflow (`pending` launches, `actionLaunched`). An action's closing reaches its case
//   as a notice; the last stage done completes the flow, and a process with `autoResolve`
//   resolves the case (`complete`), else its owner does.
// - R29: an action closed `unable_to_complete` sends the case back to `todo`, highlighted, with
//   the attention (reason, action). `reset` takes it to `in_progress` and accepts the failure;
//   `rework` launches again from a stage, or chosen completed actions; `launchAction` launches by
//   hand or relaunches (R28), on a case in progress or needing attention.
// - R19: `cancel` closes a case at once (method `cancelled`) and tells each open action to close.
// - R25: an action resolves straight to closed, and tells its case.

import type { Command } from '../item/commands.js';
import { invalidTransition, Refusal } from '../item/refusal.js';
import { asChange, record } from '../item/timeline.js';
import { reconcileSla } from '../sla/sla-transitions.js';
import { SYSTEM, type Actor, type CaseLaunch, type ItemNotice, type ResolutionMethod, type WorkItem } from '../item/types.js';
import { launchedCaseNotice } from './launch-case.js';
import { splitPartNotice } from './split.js';
import { actionClosed, launchByHand, launched, NEW_FLOW, relaunch, reset, reworkActions, reworkFromStage, startFlow, type CaseFlow } from '../case/flow.js';
import type { ProcessDefinition } from '../case/process-definition.js';
import { settleResolution } from './resolution.js';
import { endWait } from './waits.js';
import { assign, guardNeedsHuman, needsAttention, setState, touch } from './steps.js';

/** R26: a submitted case starts its flow with the first stage. */
export function beginFlow(item: WorkItem, process: ProcessDefinition | undefined, at: string): WorkItem {
  if (item.kind !== 'case' || !process || item.flow?.stageIndex !== undefined) return item;
  return followFlow(item, { ...item, flow: startFlow(item.flow ?? NEW_FLOW, process) }, process, SYSTEM, new Date(at));
}

/** The case launched a pending action as `ref`; a repeat is harmless. */
export function actionLaunched(item: WorkItem, launchId: number, ref: string, now: Date): WorkItem {
  const flow = item.flow;
  const pending = flow?.pending.find((p) => p.launchId === launchId);
  if (!flow || !pending) {
    if (!flow || flow.actions.some((a) => a.ref === ref) || item.notices?.some((n) => n.to === ref)) return item; // a repeat
    // Cancelled, or withdrawn by a rework, while the action was being started: it closes too.
    const notice: ItemNotice = item.state === 'closed'
      ? { type: 'caseCancelled', to: ref, caseRef: item.ref, reason: item.resolutionReason ?? 'the case was cancelled' }
      : { type: 'caseCancelled', to: ref, caseRef: item.ref, reason: `case ${item.ref} was reworked`, method: 'withdrawn' };
    return asChange(item, { ...item, notices: [...(item.notices ?? []), notice] });
  }
  const at = now.toISOString();
  const next: WorkItem = { ...item, flow: launched(flow, launchId, ref), childRefs: item.childRefs.includes(ref) ? item.childRefs : [...item.childRefs, ref] };
  return asChange(item, record(next, SYSTEM, at, { type: 'action_launched', ref, name: pending.name, actionType: pending.type, stageIndex: pending.stageIndex, byHand: pending.byHand }));
}

/** R25, R26, R29: one of the case's actions closed. A repeat, or a notice to a closed case, changes nothing. */
export function actionClosedNotice(item: WorkItem, process: ProcessDefinition | undefined, notice: { ref: string; method: ResolutionMethod; reason?: string }, now: Date): WorkItem {
  if (item.kind !== 'case' || !item.flow || !process || item.state === 'closed') return item;
  if (notice.method !== 'complete' && notice.method !== 'unable_to_complete') return item; // closed because the case was cancelled
  const at = now.toISOString();
  const taken = actionClosed(item.flow, process, { ref: notice.ref, method: notice.method, reason: notice.reason });
  if (taken.flow === item.flow) return item;
  let next = record({ ...item, flow: taken.flow }, SYSTEM, at, { type: 'action_closed', ref: notice.ref, method: notice.method, ...(notice.reason ? { reason: notice.reason } : {}) });
  if (taken.needsAttention) next = needAttention(next, taken.flow, at);
  return asChange(item, reconcileSla(noticesOf(item, followFlow(item, next, process, SYSTEM, now)), at));
}

/** R19: a case is cancelled, and closes at once; its open actions are told to close, and why. */
export function cancelCase(item: WorkItem, actor: Actor, command: Extract<Command, { type: 'cancel' }>, now: Date): WorkItem {
  requireCase(item, 'cancel');
  if (!command.reason?.trim()) throw new Refusal('validation_failed', 'Cancelling a case needs a reason.', { missing: ['reason'] });
  if (item.state === 'resolved') throw invalidTransition(item.state, 'cancel', 'it is resolved already');
  guardNeedsHuman(item, actor, 'cancel');
  const at = now.toISOString();
  const working = item.state === 'draft' ? item : touch(item, actor, 'cancel', at);
  const open = (item.flow?.actions ?? []).filter((a) => a.state === 'open');
  let next = record(working, actor, at, { type: 'case_cancelled', reason: command.reason, openActions: open.map((a) => a.ref) });
  if (next.flow) next = { ...next, flow: { ...next.flow, pending: [] } };
  next = settleResolution(next, actor, 'cancelled', command.reason, now);
  const notices: ItemNotice[] = open.map((a) => ({ type: 'caseCancelled', to: a.ref, caseRef: item.ref, reason: command.reason }));
  return { ...next, notices: [...(next.notices ?? []), ...notices] };
}

/**
 * R29: the owner accepts the failure: the case is in progress again (with its owner; a case
 * nobody holds, reset by an admin, goes back to the queue), and the flow goes on.
 */
export function resetCase(item: WorkItem, actor: Actor, process: ProcessDefinition | undefined, now: Date): WorkItem {
  requireCase(item, 'reset');
  const at = now.toISOString();
  if (item.importedAttention && !item.flow?.attention) {
    // R43: a case imported as needing attention: the owner clears the flag it came with.
    const { importedAttention: _, ...rest } = touch(item, actor, 'reset', at);
    return resumed(record({ ...rest, highlighted: false }, actor, at, { type: 'reset' }), actor, at);
  }
  if (!item.flow?.attention || !process) throw invalidTransition(item.state, 'reset', 'only a case that needs attention is reset');
  let next = touch(item, actor, 'reset', at);
  next = record({ ...next, highlighted: false, flow: reset(next.flow!, process) }, actor, at, { type: 'reset', actionRef: item.flow.attention.actionRef });
  if (next.state === 'waiting') next = endWait(next, actor, at, 'cancelled', false);
  return followFlow(item, resumed(next, actor, at), process, actor, now);
}

/** R29: a case whose attention is cleared goes on in progress with its owner (a human who acts takes it), or waits in the queue. */
function resumed(item: WorkItem, actor: Actor, at: string): WorkItem {
  if (needsAttention(item) || item.state !== 'todo') return item;
  const owned = item.assignee || actor.kind !== 'human' ? item : assign(item, actor, actor.id, at);
  return owned.assignee ? setState(owned, actor, at, 'in_progress') : owned;
}

/** R29: rework from a stage (its actions launched anew, later stages' open actions withdrawn), or chosen completed actions of the current stage. */
export function reworkCase(item: WorkItem, actor: Actor, command: Extract<Command, { type: 'rework' }>, process: ProcessDefinition | undefined, now: Date): WorkItem {
  requireCase(item, 'rework');
  const flow = runningFlow(item, 'rework');
  if (!process) throw invalidTransition(item.state, 'rework', 'the case follows no process');
  const at = now.toISOString();
  if (item.state !== 'in_progress' && !flow.attention) throw invalidTransition(item.state, 'rework', 'a case is reworked while in progress or needing attention');
  const working = touch(item, actor, 'rework', at);
  if ('fromStage' in command) {
    const { flow: reworked, withdrawn } = reworkFromStage(flow, process, command.fromStage);
    let next = record({ ...working, flow: reworked }, actor, at, { type: 'reworked', fromStage: command.fromStage, ...(withdrawn.length ? { withdrawn } : {}) });
    const reason = `case ${item.ref} was reworked from stage ${command.fromStage}`;
    next = { ...next, notices: [...(next.notices ?? []), ...withdrawn.map((ref): ItemNotice => ({ type: 'caseCancelled', to: ref, caseRef: item.ref, reason, method: 'withdrawn' }))] };
    return resumed(withStage(next, process, actor, at, true), actor, at);
  }
  const next = record({ ...working, flow: reworkActions(flow, command.actions) }, actor, at, { type: 'reworked', actions: command.actions });
  return resumed(flow.complete ? withStage(next, process, actor, at, true) : next, actor, at);
}

/** R28: an action launched by hand joins the current stage; a relaunch copies a closed action. */
export function launchActionByHand(item: WorkItem, actor: Actor, command: Extract<Command, { type: 'launchAction' }>, process: ProcessDefinition | undefined, now: Date): WorkItem {
  requireCase(item, 'launchAction');
  const flow = runningFlow(item, 'launchAction');
  if (item.state !== 'in_progress' && !flow.attention) {
    throw invalidTransition(item.state, 'launchAction', 'actions are launched by hand on a case in progress or needing attention');
  }
  const at = now.toISOString();
  const working = touch(item, actor, 'launchAction', at);
  let next: WorkItem;
  if ('relaunch' in command) next = record({ ...working, flow: relaunch(flow, command.relaunch) }, actor, at, { type: 'launch_requested', relaunch: command.relaunch });
  else {
    const { type: actionType, ...rest } = command.action;
    next = record({ ...working, flow: launchByHand(flow, command.action) }, actor, at, { type: 'launch_requested', actionType, ...rest });
  }
  // A flow that had completed runs again (R29): its stage shows again.
  return resumed(flow.complete && process ? withStage(next, process, actor, at, true) : next, actor, at);
}

/**
 * R25, R32: what a change tells the item that started this one (once: the notice is sent by this
 * item's workflow, after the change is in its history). An action tells its case when it closes;
 * a case tells the item that started it when it is submitted and when it resolves.
 */
export function noticesOf(before: WorkItem | undefined, after: WorkItem): WorkItem {
  if (!after.parentRef) return after;
  let notice: ItemNotice | undefined;
  if (after.kind === 'action' && before?.state !== 'closed' && after.state === 'closed' && after.resolutionMethod) {
    notice = { type: 'actionClosed', to: after.parentRef, ref: after.ref, method: after.resolutionMethod, ...(after.resolutionReason ? { reason: after.resolutionReason } : {}) };
  } else if ((after.kind === 'case' && starterHears(before?.state, after.state)) || (after.kind === 'ticket' && resolvedNow(before?.state, after.state))) {
    notice = { type: 'childChanged', to: after.parentRef, ref: after.ref, state: after.state, ...(after.resolutionMethod ? { resolutionMethod: after.resolutionMethod } : {}) };
  }
  return notice ? { ...after, notices: [...(after.notices ?? []), notice] } : after;
}

/** The starter hears of the submission (draft -> anything) and of the resolution (-> resolved, or closed at once). */
function starterHears(before: WorkItem['state'] | undefined, after: WorkItem['state']): boolean {
  if (before === after) return false;
  if ((before === undefined || before === 'draft') && after !== 'draft') return true;
  return (after === 'resolved' || after === 'closed') && before !== 'resolved';
}

/** A ticket's parent (the ticket it was split from, R31) hears only of its resolution. */
function resolvedNow(before: WorkItem['state'] | undefined, after: WorkItem['state']): boolean {
  const done = (s: WorkItem['state'] | undefined) => s === 'resolved' || s === 'closed';
  return done(after) && !done(before);
}

/** R26, R33: the item started the case it asked for, as `ref`. */
export function caseStarted(item: WorkItem, ref: string, now: Date): WorkItem {
  if (item.startedCase?.ref === ref) return item;
  const { caseToLaunch: _, ...rest } = item;
  const next: WorkItem = { ...rest, startedCase: { ref }, childRefs: item.childRefs.includes(ref) ? item.childRefs : [...item.childRefs, ref] };
  return asChange(item, record(next, SYSTEM, now.toISOString(), { type: 'case_started', ref }));
}

/** R26: a start_case action whose process is gone cannot do its work. */
export function caseNotStarted(item: WorkItem, reason: string, now: Date): WorkItem {
  if (item.state === 'closed') return item;
  return asChange(item, noticesOf(item, settleResolution(item, SYSTEM, 'unable_to_complete', reason, now)));
}

/** R26: the case a start_case action started was submitted: the action completes. */
export function childChangedNotice(item: WorkItem, notice: { ref: string; state: WorkItem['state'] }, now: Date): WorkItem {
  if (item.kind === 'ticket') return item.wait?.type === 'split' ? splitPartNotice(item, notice, now) : launchedCaseNotice(item, notice, now);
  if (item.kind !== 'action' || item.action?.type !== 'start_case' || item.state === 'closed' || notice.state === 'draft') return item;
  const at = now.toISOString();
  const heard = record(item, SYSTEM, at, { type: 'child_changed', ref: notice.ref, state: notice.state });
  return asChange(item, reconcileSla(noticesOf(item, settleResolution(heard, SYSTEM, 'complete', undefined, now)), at));
}

/** The case an item is to start now (a start_case action when it is born, a ticket's launch), if any. */
export function caseToStart(item: WorkItem): CaseLaunch | undefined {
  if (item.state === 'closed') return undefined;
  if (item.caseToLaunch) return item.caseToLaunch;
  if (item.kind !== 'action' || item.action?.type !== 'start_case' || !item.action.processId || item.startedCase) return undefined;
  return { processId: item.action.processId, shortDescription: item.fields.title ?? item.action.processId, launchId: 0 };
}

/** R19, R29: an action of a cancelled case closes as `cancelled`, one a rework withdrew as `withdrawn`, saying why. A repeat changes nothing. */
export function caseCancelledNotice(item: WorkItem, notice: { caseRef: string; reason: string; method?: 'withdrawn' }, now: Date): WorkItem {
  if (item.kind !== 'action' || item.state === 'closed') return item;
  // No notice back: the case that asked is closed, or reworked past this action (R29).
  const method = notice.method ?? 'cancelled';
  const reason = method === 'withdrawn' ? notice.reason : `case ${notice.caseRef} was cancelled: ${notice.reason}`;
  return asChange(item, reconcileSla(settleResolution(item, SYSTEM, method, reason, now), now.toISOString()));
}

/** After a change of the flow: the stage that started, the flow that completed (and auto-resolve). */
function followFlow(before: WorkItem, item: WorkItem, process: ProcessDefinition, actor: Actor, now: Date): WorkItem {
  const at = now.toISOString();
  const flow = item.flow!;
  let next = flow.stageIndex !== before.flow?.stageIndex ? withStage(item, process, actor, at, false) : item;
  if (flow.complete && !before.flow?.complete) {
    next = record({ ...next, stage: undefined }, SYSTEM, at, { type: 'flow_complete' });
    if (process.autoResolve && (next.state === 'todo' || next.state === 'in_progress' || next.state === 'waiting')) {
      next = settleResolution(next, SYSTEM, 'complete', undefined, now);
    }
  }
  return next;
}

function withStage(item: WorkItem, process: ProcessDefinition, actor: Actor, at: string, again: boolean): WorkItem {
  const index = item.flow!.stageIndex!;
  const stage = { index, name: process.stages[index].name };
  return record({ ...item, stage }, actor, at, { type: 'stage_started', index, name: stage.name, ...(again ? { again: true } : {}) });
}

/** R29: back to todo, highlighted, naming the action and its reason. */
function needAttention(item: WorkItem, flow: CaseFlow, at: string): WorkItem {
  const attention = flow.attention!;
  let next = record({ ...item, highlighted: true }, SYSTEM, at, { type: 'needs_attention', actionRef: attention.actionRef, reason: attention.reason });
  if (next.state === 'waiting') next = { ...endWait(next, SYSTEM, at, 'cancelled', true), highlighted: true };
  return next.state === 'in_progress' ? setState(next, SYSTEM, at, 'todo') : next;
}

function requireCase(item: WorkItem, command: string): void {
  if (item.kind !== 'case') throw new Refusal('invalid_request', `Only a case takes ${command}; ${item.ref} is a ${item.kind}.`);
}

function runningFlow(item: WorkItem, command: string): CaseFlow {
  const flow = item.flow;
  if (!flow || flow.stageIndex === undefined) throw invalidTransition(item.state, command, 'the case has not started its flow (submit it first)');
  if (item.state !== 'todo' && item.state !== 'in_progress' && item.state !== 'waiting') throw invalidTransition(item.state, command);
  return flow;
}
