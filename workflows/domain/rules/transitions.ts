// The work item's behaviour as pure functions: (item, event, time) -> next item. The workflow
// calls them from Update validators (to refuse) and handlers (to apply); unit tests call them
// directly. Nothing here does I/O or reads the clock.
//
// This module is the way in: each command goes to the rule that owns it, in the module named
// for its concern (drafting, work, waits, email, resolution, deadlines; docs: README, "Where each
// rule lives").

import type { Command, CommandType } from '../item/commands.js';
import { invalidTransition } from '../item/refusal.js';
import { reconcileSla } from '../sla/sla-transitions.js';
import { asChange } from '../item/timeline.js';
import type { Actor, WorkItem } from '../item/types.js';
import type { ProcessDefinition } from '../case/process-definition.js';
import { cancelCase, launchActionByHand, noticesOf, resetCase, reworkCase } from './cases.js';
import { catchUp } from './deadlines.js';
import { launchCase } from './launch-case.js';
import { merge, takeMerged } from './merge.js';
import { split } from './split.js';
import { edit, submit } from './drafting.js';
import { sendEmail } from './email.js';
import { reopenByHand, resolve } from './resolution.js';
import { cancelWait, wait } from './waits.js';
import { addNote, moveQueue, pickUp, reassign, reject, setStateByHand } from './work.js';

export { createWorkItem } from './drafting.js';
export { nextDeadline, onDeadline } from './deadlines.js';
export { emailDelivered, receiveEmail, type DeliveryOutcome } from './email.js';
export { MANUAL_METHODS } from './kinds.js';
export { splitPartStarted } from './split.js';
export { actionClosedNotice, actionLaunched, caseCancelledNotice, caseNotStarted, caseStarted, caseToStart, childChangedNotice } from './cases.js';

/** What a rule may need beyond the item: a case's process, in the version it follows (R26). */
export interface RuleContext {
  process?: ProcessDefinition;
}

type Rule<T extends CommandType> = (item: WorkItem, actor: Actor, command: Extract<Command, { type: T }>, now: Date, context: RuleContext) => WorkItem;

/** Every command, and the rule that decides it. */
const RULES: { [T in CommandType]: Rule<T> } = {
  edit: (item, actor, command, now) => edit(item, actor, command, now.toISOString()),
  submit: (item, actor, _command, now, { process }) => submit(item, actor, now.toISOString(), process),
  pickUp: (item, actor, _command, now) => pickUp(item, actor, now.toISOString()),
  assign: (item, actor, command, now) => reassign(item, actor, command, now.toISOString()),
  unassign: (item, actor, command, now) => reassign(item, actor, command, now.toISOString()),
  setState: (item, actor, command, now) => setStateByHand(item, actor, command, now.toISOString()),
  reject: (item, actor, command, now) => reject(item, actor, command, now.toISOString()),
  wait: (item, actor, command, now) => wait(item, actor, command.wait, now),
  cancelWait: (item, actor, _command, now) => cancelWait(item, actor, now.toISOString()),
  addNote: (item, actor, command, now) => addNote(item, actor, command, now.toISOString()),
  sendEmail: (item, actor, command, now) => sendEmail(item, actor, command, now),
  resolve: (item, actor, command, now) => {
    if (item.kind === 'case' && command.method === 'cancelled') return cancelCase(item, actor, { type: 'cancel', reason: command.reason ?? '' }, now);
    return resolve(item, actor, command.method, command.reason, now, 'resolve');
  },
  reopen: (item, actor, _command, now) => reopenByHand(item, actor, now.toISOString()),
  cancel: (item, actor, command, now) => cancelCase(item, actor, command, now),
  rework: (item, actor, command, now, { process }) => reworkCase(item, actor, command, process, now),
  reset: (item, actor, _command, now, { process }) => resetCase(item, actor, process, now),
  launchAction: (item, actor, command, now, { process }) => launchActionByHand(item, actor, command, process, now),
  launchCase: (item, actor, command, now) => launchCase(item, actor, command, now.toISOString()),
  split: (item, actor, command, now) => split(item, actor, command, now.toISOString()),
  merge: (item, actor, command, now) => merge(item, actor, command, now),
  takeMerged: (item, actor, command, now) => takeMerged(item, actor, command, now.toISOString()),
  moveQueue: (item, actor, command, now) => moveQueue(item, actor, command, now.toISOString()),
};

/**
 * Applies one command. Throws a Refusal, and changes nothing, when the command is not allowed.
 * The input item is never mutated.
 */
export function applyCommand(current: WorkItem, actor: Actor, command: Command, now: Date, context: RuleContext = {}): WorkItem {
  const caughtUp = catchUp(current, now);
  if (caughtUp.state === 'closed') throw invalidTransition('closed', command.type, 'a closed item is final');
  const rule = RULES[command.type] as Rule<typeof command.type>;
  const next = noticesOf(caughtUp, rule(caughtUp, actor, command as never, now, context)); // R25, R32: tell the item that started this one
  return asChange(caughtUp, reconcileSla(next, now.toISOString()));
}
