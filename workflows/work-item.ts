// One work item = one workflow. Commands arrive as Updates whose synchronous validators refuse
// what the rules forbid (so a refusal never reaches history); inbound email is a Signal; the
// view is a Query. Waits and the feedback window are one durable timer, re-armed only when the
// item's next deadline moves. Every change is mirrored to the read model by a local activity.

import {
  allHandlersFinished,
  ApplicationFailure,
  CancellationScope,
  condition,
  makeContinueAsNewFunc,
  proxyLocalActivities,
  setHandler,
  sleep,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { WorkItemActivities } from '../activities/read-model-types.js';
import { COMMAND_TYPES, type CommandRequest, type CommandType } from './domain/commands.js';
import { Refusal } from './domain/refusal.js';
import { applyCommand, createWorkItem, nextDeadline, onDeadline, receiveEmail } from './domain/transitions.js';
import type { WorkItem, WorkItemInput, WorkItemSummary } from './domain/types.js';
import { toSummary, toView, type WorkItemView } from './domain/view.js';
import { commandUpdates, inboundEmailSignal, viewQuery } from './definitions.js';
import { searchAttributesOf } from './search-attributes.js';

const { syncSummary, deliverEmails } = proxyLocalActivities<WorkItemActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '200 ms', maximumInterval: '10 seconds' },
});

const DEFAULT_CONTINUE_AS_NEW_AFTER = 4000;

interface ArmedTimer {
  at: number;
  fired: boolean;
  scope: CancellationScope;
}

export async function workItem(input: WorkItemInput): Promise<WorkItemView> {
  let item: WorkItem = input.carried ?? createWorkItem(input, new Date());
  let syncedVersion = -1;
  const upserted = new Map<string, string>(); // search attribute -> JSON of the value last upserted
  let timer: ArmedTimer | undefined;

  // A query may come long after the workflow's last task: figure the SLA as of the caller's time.
  setHandler(viewQuery, (asOf) => toView(item, new Date(Math.max(Date.now(), Date.parse(asOf ?? '') || 0))));

  setHandler(inboundEmailSignal, (email) => {
    item = receiveEmail(item, email, new Date()).item;
  });

  for (const type of COMMAND_TYPES) {
    setHandler(
      commandUpdates[type],
      (request: CommandRequest) => {
        item = decide(item, type, request);
        return toView(item, new Date());
      },
      { validator: (request: CommandRequest) => void decide(item, type, request) },
    );
  }

  /** Keeps exactly one durable timer on the item's next deadline (R16, R17, R21). */
  const armTimer = (): void => {
    const at = nextDeadline(item);
    if (timer?.at === at) return;
    timer?.scope.cancel();
    timer = undefined;
    if (at === undefined) return;
    const armed: ArmedTimer = { at, fired: false, scope: new CancellationScope() };
    timer = armed;
    armed.scope
      .run(() => sleep(Math.max(at - Date.now(), 1)))
      .then(
        () => void (armed.fired = true),
        () => undefined, // cancelled because the deadline moved
      );
  };

  const continueAsNewAfter = input.continueAsNewAfterEvents ?? DEFAULT_CONTINUE_AS_NEW_AFTER;
  const historyIsLong = (): boolean =>
    workflowInfo().continueAsNewSuggested || workflowInfo().historyLength >= continueAsNewAfter;

  for (;;) {
    armTimer();
    await condition(
      () => item.version !== syncedVersion || item.outbox.length > 0 || timer?.fired === true || historyIsLong(),
    );
    if (timer?.fired) {
      timer = undefined;
      item = onDeadline(item, new Date());
    }
    await flush();
    if (item.state === 'closed') {
      await condition(allHandlersFinished);
      await flush();
      return toView(item, new Date());
    }
    if (historyIsLong()) {
      await condition(allHandlersFinished);
      await flush();
      timer?.scope.cancel();
      const continueAsNew = makeContinueAsNewFunc<typeof workItem>({ memo: workflowInfo().memo });
      await continueAsNew({ ...input, carried: item });
    }
  }

  /** Delivers queued emails and mirrors the item to the read model. */
  async function flush(): Promise<void> {
    while (item.outbox.length > 0) {
      const batch = item.outbox;
      await deliverEmails(batch);
      const sent = new Set(batch.map((e) => e.messageId));
      item = { ...item, outbox: item.outbox.filter((e) => !sent.has(e.messageId)) };
    }
    while (item.version !== syncedVersion) {
      const summary = toSummary(item, new Date());
      await syncSummary(summary);
      syncedVersion = summary.version;
      upsertChangedSearchAttributes(summary);
    }
  }

  /** R40: one upsert per change of the operator-visible figures, none when they stay the same. */
  function upsertChangedSearchAttributes(summary: WorkItemSummary): void {
    const changed = searchAttributesOf(summary).filter(({ key, value }) => upserted.get(key.name) !== JSON.stringify(value));
    if (changed.length === 0) return;
    upsertSearchAttributes(changed);
    for (const { key, value } of changed) upserted.set(key.name, JSON.stringify(value));
  }
}

/** Runs a command through the rules; a refusal becomes a failure the caller reads (code, details). */
function decide(item: WorkItem, type: CommandType, request: CommandRequest): WorkItem {
  if (request.command.type !== type) {
    throw ApplicationFailure.nonRetryable(`Update ${type} carried a ${request.command.type} command.`, 'invalid_request');
  }
  try {
    return applyCommand(item, request.actor, request.command, new Date());
  } catch (error) {
    if (error instanceof Refusal) {
      throw ApplicationFailure.create({ type: error.code, message: error.message, details: [error.details], nonRetryable: true });
    }
    throw error;
  }
}
