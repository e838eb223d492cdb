// One work item = one workflow. Commands arrive as Updates whose synchronous validators refuse
// what the rules forbid (so a refusal never reaches history); inbound email is a Signal; the
// view is a Query. Waits, the feedback window and the SLA marks are one durable timer, re-armed
// only when the item's next deadline moves.
//
// What the item carries stays small whatever its age: its timeline lives in PostgreSQL, and the
// workflow keeps only the entries not stored yet. It stores them (with the summary row for the
// lists and the outbound emails) by an activity that history schedules, so nothing outside ever
// describes a change that is not in history. Stores are batched: at once when a timer changed
// the item, when email is to leave, when the tail grows past a bound, when the item closes or
// continues as new; otherwise within `storeAfterMs` of the change (the API writes the summary row
// of every command it sends, so the lists do not wait for that).

import {
  ActivityFailure,
  allHandlersFinished,
  ApplicationFailure,
  CancellationScope,
  condition,
  getExternalWorkflowHandle,
  makeContinueAsNewFunc,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setCurrentDetails,
  setHandler,
  sleep,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { WorkItemActivities } from '../activities/read-model-types.js';
import { toCurrentShape } from './domain/item/carried-state.js';
import { COMMAND_TYPES, type CommandRequest, type CommandType } from './domain/item/commands.js';
import { Refusal } from './domain/item/refusal.js';
import {
  actionClosedNotice,
  actionLaunched,
  applyCommand,
  caseCancelledNotice,
  caseNotStarted,
  caseStarted,
  caseToStart,
  createWorkItem,
  onDeadline,
  receiveEmail,
  childChangedNotice,
  emailDelivered,
  splitPartStarted,
  type RuleContext,
} from './domain/rules/transitions.js';
import { SYSTEM, type CaseLaunch, type ItemNotice, type SplitPart, type TimelineEntry, type WorkItem, type WorkItemInput, type WorkItemSummary } from './domain/item/types.js';
import type { PendingLaunch } from './domain/case/flow.js';
import { summaryOfView, toSummary, toView, type WorkItemView } from './domain/item/view.js';
import { operatorDetails } from './domain/item/operator-details.js';
import { nextNamedDeadline, type NamedDeadline } from './domain/rules/deadlines.js';
import { actionClosedSignal, caseCancelledSignal, childChangedSignal, commandUpdates, inboundEmailSignal, inboundEmailUpdate, viewQuery } from './definitions.js';
import { startChildItem } from './child-items.js';
import { searchAttributesOf } from './search-attributes.js';
import { assertOutcomeAfter, assertTimerDue } from './history-guard.js';

const { recordChanges, allocateRef, loadProcess } = proxyActivities<WorkItemActivities>({
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '200 ms', maximumInterval: '10 seconds' },
});

// Outbound email: handed to the relay only once the command that wrote it is in history and
// stored. A relay that fails is retried with backoff; the activity itself gives up (a failure that
// is not retried) after the worker's SMTP_GIVE_UP_AFTER, or at once when the relay refuses for
// good. The Message-ID is fixed by the item, and the activity skips an email already accepted.
const { deliverEmail } = proxyActivities<WorkItemActivities>({
  startToCloseTimeout: '2 minutes',
  scheduleToCloseTimeout: '7 days',
  retry: { initialInterval: '500 ms', backoffCoefficient: 2, maximumInterval: '5 minutes' },
});

// Runs started before layout 2 mirror themselves by local activities until they continue as new.
const { syncSummary, deliverEmails } = proxyLocalActivities<WorkItemActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '200 ms', maximumInterval: '10 seconds' },
});

const DEFAULT_CONTINUE_AS_NEW_AFTER = 4000;
const DEFAULT_STORE_AFTER_MS = 30_000;
/** The tail is stored at once past either bound... */
const STORE_AT_ENTRIES = 16;
const STORE_AT_CHARS = 8_000;
/** ...and a command is refused, retryably, while a store is late and the tail is this long. */
const BUSY_AT_ENTRIES = 64;

interface ArmedTimer {
  at: number;
  fired: boolean;
  scope: CancellationScope;
}

export async function workItem(input: WorkItemInput): Promise<WorkItemView> {
  let item: WorkItem = input.carried ? toCurrentShape(input.carried) : createWorkItem(input, input.createdAt ? new Date(input.createdAt) : new Date());
  const bounded = input.layout === 2;
  const upserted = new Map<string, string>(); // search attribute -> JSON of the value last upserted
  let shownDetails = ''; // the current details last set (operator-details.ts)
  let timer: ArmedTimer | undefined;
  /**
   * Set when a run settles each change in the handler that made it (search attributes, the timer),
   * so that a command does not wake the main loop; runs recorded before that settle in the loop.
   */
  let settleChange: ((view?: WorkItemView) => void) | undefined;
  /** A case's process, in the version it started with (R26): rules read it, the item does not carry it. */
  const context: RuleContext = { process: input.process };
  /** Set when another item changed this one (a notice): that change is stored at once, for the lists. */
  let changedByNotice = false;

  // A query may come long after the workflow's last task: figure the SLA as of the caller's time.
  setHandler(viewQuery, (asOf) => toView(item, new Date(Math.max(Date.now(), Date.parse(asOf ?? '') || 0))));

  setHandler(inboundEmailSignal, (email) => {
    item = receiveEmail(item, email, new Date()).item;
    settleChange?.();
  });

  // The API's way in for email: one round trip, with what the email did.
  setHandler(inboundEmailUpdate, (email) => {
    const taken = receiveEmail(item, email, new Date());
    item = taken.item;
    const view = toView(item, new Date());
    settleChange?.(view);
    return { outcome: taken.outcome, view };
  });

  // Notices from other items (R25, R29, R19): the receiver ignores a repeat.
  setHandler(actionClosedSignal, (notice) => {
    const before = item;
    item = actionClosedNotice(item, context.process, notice, new Date());
    changedByNotice ||= item !== before;
    settleChange?.();
  });
  setHandler(caseCancelledSignal, (notice) => {
    const before = item;
    item = caseCancelledNotice(item, notice, new Date());
    changedByNotice ||= item !== before;
    settleChange?.();
  });
  setHandler(childChangedSignal, (notice) => {
    const before = item;
    item = childChangedNotice(item, notice, new Date());
    changedByNotice ||= item !== before;
    settleChange?.();
  });

  for (const type of COMMAND_TYPES) {
    setHandler(
      commandUpdates[type],
      (request: CommandRequest) => {
        item = decide(item, type, request, context);
        const view = toView(item, new Date());
        settleChange?.(view);
        return view;
      },
      {
        validator: (request: CommandRequest) => {
          if (bounded && item.timeline.length >= BUSY_AT_ENTRIES) {
            throw ApplicationFailure.create({ type: 'item_busy', message: `${item.ref} is storing its recent changes; send the command again in a moment.`, nonRetryable: true });
          }
          void decide(item, type, request, context);
        },
      },
    );
  }

  /**
   * Keeps exactly one durable timer, on the earliest of the given deadlines (the first named wins
   * a tie). The timer's summary names the deadline, so the history reads as the item's story.
   */
  const armTimer = (...deadlines: Array<NamedDeadline | undefined>): void => {
    const next = deadlines.reduce<NamedDeadline | undefined>((earliest, d) => (d && (!earliest || d.at < earliest.at) ? d : earliest), undefined);
    const at = next?.at;
    if (timer?.at === at && !timer?.fired) return;
    timer?.scope.cancel();
    timer = undefined;
    if (next === undefined || at === undefined) return;
    const armed: ArmedTimer = { at, fired: false, scope: new CancellationScope() };
    timer = armed;
    const summary = `${next.what} at ${new Date(at).toISOString()}`;
    armed.scope
      .run(() => sleep(Math.max(at - Date.now(), 1), { summary }))
      .then(
        () => {
          assertTimerDue(at);
          armed.fired = true;
        },
        () => undefined, // cancelled because the deadline moved
      );
  };

  const continueAsNewAfter = input.continueAsNewAfterEvents ?? DEFAULT_CONTINUE_AS_NEW_AFTER;
  const historyIsLong = (): boolean =>
    workflowInfo().continueAsNewSuggested || workflowInfo().historyLength >= continueAsNewAfter;

  const continueAsNew = async (): Promise<never> => {
    timer?.scope.cancel();
    const next = makeContinueAsNewFunc<typeof workItem>({ memo: workflowInfo().memo });
    // What only the first run needs (the email it was born from, an import's notes) stays behind.
    return next({ ...input, carried: item, layout: 2, initialEmail: undefined, ...(input.imported ? { imported: undefined } : {}) });
  };

  return bounded ? runStoringInPostgres() : runMirroredByLocalActivities();

  /** Layout 2: the timeline leaves the workflow; stores are activities scheduled by history. */
  async function runStoringInPostgres(): Promise<WorkItemView> {
    const storeAfterMs = input.storeAfterMs ?? DEFAULT_STORE_AFTER_MS;
    // A carried item may hold a tail not stored yet: its first store comes within storeAfterMs.
    let storedVersion = input.carried ? -1 : 0;
    let changedByTimer = false;
    let unstoredSince: number | undefined;
    const unstored = (): boolean =>
      item.version !== storedVersion || item.timeline.length > 0 || item.outbox.length > 0 || item.resolutionTags.length > 0 || (item.deliveryUpdates?.length ?? 0) > 0;
    const mustStoreNow = (): boolean =>
      changedByTimer || changedByNotice || (storedVersion === 0 && input.createdBy.kind === 'system') || item.outbox.length > 0 || item.state === 'closed' || item.timeline.length >= STORE_AT_ENTRIES || tailChars() >= STORE_AT_CHARS;
    let measured: { tail: readonly TimelineEntry[]; chars: number } = { tail: [], chars: 0 };
    const tailChars = (): number => {
      if (measured.tail !== item.timeline) measured = { tail: item.timeline, chars: item.timeline.length ? JSON.stringify(item.timeline).length : 0 };
      return measured.chars;
    };
    /** After a change: the operators' search attributes, and the one timer on the next instant due. */
    const settle = (summary: WorkItemSummary = toSummary(item, new Date())): void => {
      upsertChangedSearchAttributes(summary);
      if (unstored()) unstoredSince ??= Date.now();
      armTimer(nextNamedDeadline(item), unstoredSince === undefined ? undefined : { at: unstoredSince + storeAfterMs, what: 'store changes' });
    };
    // A change is settled where it is made (no wake-up of this loop per command); runs recorded
    // before this patch settled it here, after the handler, and replay so.
    const settlesInHandlers = patched('changes-settled-in-handlers');
    if (settlesInHandlers) settleChange = (view) => settle(view && summaryOfView(view));
    // Runs recorded before outbound email was delivered only stored it.
    const deliversEmail = patched('outbound-email-delivery');
    /** Message-IDs whose delivery activity this run is awaiting. */
    const inFlight = new Set<string>();

    /** Hands every stored email not yet in flight to the relay; its outcome is one more change. */
    function startDeliveries(): void {
      for (const email of item.delivering ?? []) {
        if (inFlight.has(email.messageId)) continue;
        inFlight.add(email.messageId);
        const scheduledAt = Date.now();
        void deliverEmail({ messageId: email.messageId })
          .then(
            () => ({ messageId: email.messageId, delivery: 'sent' as const }),
            (error: unknown) => ({ messageId: email.messageId, delivery: 'failed' as const, error: deliveryError(error) }),
          )
          .then((outcome) => {
            assertOutcomeAfter(scheduledAt, `the delivery of ${email.messageId}`);
            inFlight.delete(email.messageId);
            item = emailDelivered(item, outcome, new Date());
            changedByNotice = true; // stored at once: the lists show the highlight of a failure
            settleChange?.();
          });
      }
    }

    /** One store of everything unstored so far (what arrives meanwhile waits for the next). */
    async function store(): Promise<void> {
      const changes = { summary: toSummary(item, new Date()), entries: item.timeline, resolutionTags: item.resolutionTags, emails: item.outbox, deliveries: item.deliveryUpdates ?? [] };
      // A notice that arrives while this store runs sets it again: its change is not in this store.
      changedByNotice = false;
      const scheduledAt = Date.now();
      await recordChanges(changes);
      assertOutcomeAfter(scheduledAt, 'a store');
      const lastSeq = changes.entries.at(-1)?.seq ?? 0;
      const sent = new Set(changes.emails.map((e) => e.messageId));
      item = {
        ...item,
        timeline: item.timeline.filter((e) => e.seq > lastSeq),
        outbox: item.outbox.filter((e) => !sent.has(e.messageId)),
        resolutionTags: item.resolutionTags.slice(changes.resolutionTags.length),
        ...(deliversEmail && changes.emails.length ? { delivering: [...(item.delivering ?? []), ...changes.emails] } : {}),
        ...(changes.deliveries.length ? { deliveryUpdates: item.deliveryUpdates!.slice(changes.deliveries.length) } : {}),
      };
      storedVersion = changes.summary.version;
      changedByTimer = false;
      unstoredSince = undefined;
    }

    for (;;) {
      settle();
      const seen = item.version;
      await condition(() => timer?.fired === true || (!settlesInHandlers && item.version !== seen) || mustStoreNow() || hasOutgoing() || historyIsLong());
      if (timer?.fired) {
        timer = undefined;
        const before = item;
        item = onDeadline(item, new Date());
        changedByTimer ||= item !== before;
      }
      while (hasOutgoing()) {
        await sendOutgoing();
        settle();
      }
      const storeIsDue = unstoredSince !== undefined && Date.now() >= unstoredSince + storeAfterMs;
      if (unstored() && (mustStoreNow() || storeIsDue || historyIsLong())) await store();
      startDeliveries();
      if (item.state === 'closed') {
        // A closed item refuses every command, so this store is the last, once every email it
        // sent has its outcome.
        await condition(allHandlersFinished);
        for (;;) {
          while (hasOutgoing()) await sendOutgoing();
          while (unstored()) await store();
          startDeliveries();
          if (inFlight.size === 0 && !unstored()) break;
          await condition(() => inFlight.size === 0);
        }
        upsertChangedSearchAttributes(toSummary(item, new Date()));
        return toView(item, new Date());
      }
      if (historyIsLong()) {
        // Commands may keep coming: the next run carries what arrived during the last store
        // (a bounded tail) and stores it itself. An email in flight finishes here first, so the
        // next run never hands the same message to the relay while this one still is.
        await condition(() => allHandlersFinished() && inFlight.size === 0);
        return continueAsNew();
      }
    }
  }

  /** Actions a case is to launch, or notices to other items, not done yet (R26, R32). */
  function hasOutgoing(): boolean {
    return (item.flow?.pending.length ?? 0) > 0 || (item.notices?.length ?? 0) > 0 || caseToStart(item) !== undefined || (item.partsToStart?.length ?? 0) > 0;
  }

  /** Launches the first pending action (or a start_case action's case), or sends the first notice. */
  async function sendOutgoing(): Promise<void> {
    const toStart = caseToStart(item);
    if (toStart) {
      await startCase(toStart);
      changedByNotice = true; // the item's own change, stored at once like a notice's
      return;
    }
    const part = item.partsToStart?.[0];
    if (part) {
      await startSplitPart(part);
      return;
    }
    const launch = item.flow?.pending[0];
    if (launch) {
      const ref = await launchAction(launch);
      item = actionLaunched(item, launch.launchId, ref, new Date());
      return;
    }
    const notice = item.notices![0];
    await sendNotice(notice);
    item = { ...item, notices: item.notices!.slice(1) };
  }

  /**
   * R26: an action is its own work item, started as a child of its case (the Temporal UI links
   * them) that outlives it: a cancelled case closes its actions by notice, not by Temporal.
   */
  async function launchAction(launch: PendingLaunch): Promise<string> {
    const ref = await allocateRef({ origin: item.ref, launchId: launch.launchId, kind: 'action' });
    const actionInput: WorkItemInput = {
      ref,
      kind: 'action',
      createdBy: SYSTEM,
      fields: { title: launch.name },
      queue: item.queue,
      // R36-R40: an action is measured by its case's due-date rule; the rest of the category
      // (resolution communication, feedback window) is the case's alone.
      ...(item.category?.sla ? { category: { id: item.category.id, requireResolutionCommunication: false, feedbackWindowMs: 0, sla: item.category.sla } } : {}),
      submit: false,
      parentRef: item.ref,
      action: { type: launch.type, stageIndex: launch.stageIndex, ...(launch.robot !== undefined ? { robot: launch.robot } : {}), ...(launch.processId ? { processId: launch.processId } : {}) },
      layout: 2,
      ...(input.storeAfterMs !== undefined ? { storeAfterMs: input.storeAfterMs } : {}),
    };
    await startChildItem(actionInput);
    return ref;
  }

  /** R26, R33: a start_case action, or a ticket, starts a case of a process (its current version), submitted. */
  async function startCase(launch: CaseLaunch): Promise<void> {
    const loaded = await loadProcess(launch.processId);
    if (!loaded) {
      item = caseNotStarted(item, `no process ${launch.processId} to start a case of`, new Date());
      return;
    }
    const { process, category } = loaded;
    const ref = await allocateRef({ origin: item.ref, launchId: launch.launchId, kind: 'case' });
    await startChildItem({
      ref,
      kind: 'case',
      createdBy: SYSTEM,
      fields: { shortDescription: launch.shortDescription },
      ...(item.queue ? { queue: item.queue } : {}),
      ...(category ? { category } : {}),
      process,
      processId: process.id,
      submit: true,
      parentRef: item.ref,
      layout: 2,
      ...(input.storeAfterMs !== undefined ? { storeAfterMs: input.storeAfterMs } : {}),
    });
    item = caseStarted(item, ref, new Date());
  }

  /** R31: a new ticket of a split, submitted, as the split ticket's child. */
  async function startSplitPart(part: SplitPart): Promise<void> {
    const ref = await allocateRef({ origin: item.ref, launchId: part.launchId, kind: 'ticket' });
    await startChildItem({
      ref,
      kind: 'ticket',
      createdBy: SYSTEM,
      fields: { title: part.title, description: part.description, ...(part.primaryContact ? { primaryContact: part.primaryContact } : {}), ...(part.requester ? { requester: part.requester } : {}) },
      ...(part.category ? { category: part.category } : {}),
      ...(part.queue ? { queue: part.queue } : {}),
      submit: true,
      parentRef: item.ref,
      layout: 2,
      ...(input.storeAfterMs !== undefined ? { storeAfterMs: input.storeAfterMs } : {}),
    });
    item = splitPartStarted(item, part.launchId, ref, new Date());
  }

  /** R32: a Signal to the other item's current run; an item that has ended needs no notice. */
  async function sendNotice(notice: ItemNotice): Promise<void> {
    const other = getExternalWorkflowHandle(notice.to);
    try {
      if (notice.type === 'actionClosed') await other.signal(actionClosedSignal, { ref: notice.ref, method: notice.method, ...(notice.reason ? { reason: notice.reason } : {}) });
      else if (notice.type === 'caseCancelled') await other.signal(caseCancelledSignal, { caseRef: notice.caseRef, reason: notice.reason });
      else await other.signal(childChangedSignal, { ref: notice.ref, state: notice.state, ...(notice.resolutionMethod ? { resolutionMethod: notice.resolutionMethod } : {}) });
    } catch {
      // The other item has closed (its workflow completed) or never existed: nothing waits for this.
    }
  }

  /** Runs started before layout 2, unchanged so that their histories replay. */
  async function runMirroredByLocalActivities(): Promise<WorkItemView> {
    let syncedVersion = -1;
    const flush = async (): Promise<void> => {
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
    };
    for (;;) {
      showDetails();
      armTimer(nextNamedDeadline(item));
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
        // The next run stores the whole timeline in PostgreSQL (layout 2) and carries a tail.
        return continueAsNew();
      }
    }
  }

  /**
   * R40: the item's current details in the Temporal UI (Markdown: state, wait, assignee, SLA,
   * links), set when they change. They live in the worker's memory only (the UI reads them by the
   * `__temporal_workflow_metadata` query): no command, nothing in history or in the item's state.
   */
  function showDetails(): void {
    const details = operatorDetails(item, new Date());
    if (details === shownDetails) return;
    setCurrentDetails(details);
    shownDetails = details;
  }

  /** R40: one upsert per change of the operator-visible figures, none when they stay the same. */
  function upsertChangedSearchAttributes(summary: WorkItemSummary): void {
    showDetails();
    const changed = searchAttributesOf(summary).filter(({ key, value }) => upserted.get(key.name) !== JSON.stringify(value));
    if (changed.length === 0) return;
    upsertSearchAttributes(changed);
    for (const { key, value } of changed) upserted.set(key.name, JSON.stringify(value));
  }
}

/** What a failed delivery says on the timeline: the relay's refusal, not the activity's wrapping. */
function deliveryError(error: unknown): string {
  const cause = error instanceof ActivityFailure ? error.cause : error;
  return cause instanceof Error ? cause.message : String(cause);
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
