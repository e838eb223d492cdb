// One work item = one workflow: its handlers and its main loop (the machinery is ItemRun, in
// item-run.ts). Commands and inbound email arrive as Updates whose synchronous validators refuse
// what the rules forbid (so a refusal never reaches history), and answer with the item's state
// after them (the API stores it before it replies); other items' notices arrive as Signals. A
// handler only runs a pure rule (domain/rules/transitions.ts) and hands the item it made to the
// run; every command to Temporal (the timer, stores, launches, notices, deliveries, search
// attributes, continue-as-new, completion) comes from the main loop, once the handlers and the
// outcomes of an activation have all run. The two Queries are for diagnostics only.
//
// What the item carries stays small whatever its age: its timeline lives in PostgreSQL, and the
// workflow keeps only the entries not stored yet. The run's result is the closed item.

import { ApplicationFailure, setHandler } from '@temporalio/workflow';
import { COMMAND_TYPES, type CommandRequest, type CommandType } from './domain/item/commands.js';
import { Refusal } from './domain/item/refusal.js';
import type { WorkItem, WorkItemInput } from './domain/item/types.js';
import { toView } from './domain/item/view.js';
import { actionClosedNotice, applyCommand, caseCancelledNotice, childChangedNotice, receiveEmail, type RuleContext } from './domain/rules/transitions.js';
import { actionClosedSignal, caseCancelledSignal, childChangedSignal, commandUpdates, inboundEmailUpdate, itemQuery, viewQuery } from './definitions.js';
import { ItemRun } from './item-run.js';

export async function workItem(input: WorkItemInput): Promise<WorkItem> {
  const run = new ItemRun(input);

  // Diagnostics. A query may come long after the workflow's last task: the view's SLA figures are as of the caller's time.
  setHandler(itemQuery, () => run.item);
  setHandler(viewQuery, (asOf) => toView(run.item, new Date(Math.max(Date.now(), Date.parse(asOf ?? '') || 0))));

  // Commands (R2-R33): one Update each, refused by its validator or answered with the item.
  for (const type of COMMAND_TYPES) {
    setHandler(commandUpdates[type], (request: CommandRequest) => run.answered(decide(run.item, type, request, run.context)), {
      validator: (request: CommandRequest) => {
        run.refuseWhileBusy();
        void decide(run.item, type, request, run.context);
      },
    });
  }

  // Inbound email (R7, R16, R21, R34, R35): never refused; the answer says what it did.
  setHandler(inboundEmailUpdate, (email) => {
    const { item, outcome } = receiveEmail(run.item, email, new Date());
    return { outcome, item: run.answered(item) };
  });

  // Notices from other items (R19, R25, R26, R29, R31, R33): the receiver ignores a repeat.
  setHandler(actionClosedSignal, (notice) => run.changed(actionClosedNotice(run.item, run.context.process, notice, new Date())));
  setHandler(caseCancelledSignal, (notice) => run.changed(caseCancelledNotice(run.item, notice, new Date())));
  setHandler(childChangedSignal, (notice) => run.changed(childChangedNotice(run.item, notice, new Date())));

  for (;;) {
    await run.changes();
    const next = run.settle();
    if (next === 'complete') return run.item;
    if (next === 'continueAsNew') return run.continueAsNew();
  }
}

/** Runs a command through the rules; a refusal becomes a failure the caller reads (code, details). */
function decide(item: WorkItem, type: CommandType, request: CommandRequest, context: RuleContext): WorkItem {
  if (request.command.type !== type) {
    throw ApplicationFailure.nonRetryable(`Update ${type} carried a ${request.command.type} command.`, 'invalid_request');
  }
  try {
    return applyCommand(item, request.actor, request.command, new Date(), context);
  } catch (error) {
    if (error instanceof Refusal) {
      throw ApplicationFailure.create({ type: error.code, message: error.message, details: [error.details], nonRetryable: true });
    }
    throw error;
  }
}
