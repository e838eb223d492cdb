// R33: a ticket launches a case. It waits (`case_launched`) until that case is resolved or
// cancelled, then resolves as `customer_communication` (the case's work answered the customer),
// unless its category says otherwise: `launchedCaseResolution` may name `no_customer_response`
// or `rejected` instead. The case is started by the ticket's workflow,
// as its child; it names the ticket as its parent, and tells it when it resolves (R32).

import type { Command } from '../item/commands.js';
import { invalidTransition, Refusal } from '../item/refusal.js';
import { asChange, record } from '../item/timeline.js';
import { SYSTEM, type Actor, type State, type WorkItem } from '../item/types.js';
import { reconcileSla } from '../sla/sla-transitions.js';
import { settleResolution } from './resolution.js';
import { setState, touch } from './steps.js';

/** R33: the `launchCase` command: the ticket waits while its case is started and worked. */
export function launchCase(item: WorkItem, actor: Actor, command: Extract<Command, { type: 'launchCase' }>, at: string): WorkItem {
  if (item.kind !== 'ticket') throw new Refusal('invalid_request', `Only a ticket launches a case; ${item.ref} is a ${item.kind}.`);
  if (!command.shortDescription.trim()) throw new Refusal('validation_failed', 'Launching a case needs its short description.', { missing: ['shortDescription'] });
  if (command.ref === item.ref || item.childRefs.includes(command.ref)) throw new Refusal('invalid_request', `${command.ref} already belongs to ${item.ref}; a launch makes a new case.`);
  const working = touch(item, actor, 'launchCase', at);
  if (working.state !== 'in_progress') throw invalidTransition(working.state, 'launchCase', 'a ticket in progress launches a case');
  const launch = { ref: command.ref, processId: command.processId, shortDescription: command.shortDescription, launchId: item.childRefs.length };
  // R32: the case is the ticket's child from the command on, so its answer names it.
  // The case of an earlier launch (before a reopen) is no longer the one the ticket waits for.
  const { startedCase: _, ...current } = working;
  const withCase = { ...current, caseToLaunch: launch, childRefs: [...item.childRefs, command.ref] };
  let next = record(withCase, actor, at, { type: 'case_launch_requested', processId: command.processId, shortDescription: command.shortDescription, ref: command.ref });
  next = setState({ ...next, wait: { type: 'case_launched' }, waitEndedReason: undefined }, actor, at, 'waiting');
  return record(next, actor, at, { type: 'wait_started', waitType: 'case_launched', processId: command.processId });
}

/** R33: the launched case resolved (or was cancelled): the ticket's wait ends and it resolves. A repeat changes nothing. */
export function launchedCaseNotice(item: WorkItem, notice: { ref: string; state: State }, now: Date): WorkItem {
  const launched = item.caseToLaunch?.ref ?? item.startedCase?.ref;
  const waitsForIt = item.state === 'waiting' && item.wait?.type === 'case_launched' && launched === notice.ref;
  if (!waitsForIt || (notice.state !== 'resolved' && notice.state !== 'closed')) return item;
  const at = now.toISOString();
  const heard = record(item, SYSTEM, at, { type: 'child_changed', ref: notice.ref, state: notice.state });
  const method = item.category?.launchedCaseResolution ?? 'customer_communication';
  return asChange(item, reconcileSla(settleResolution(heard, SYSTEM, method, undefined, now), at));
}
