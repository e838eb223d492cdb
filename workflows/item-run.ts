// The machinery of one run of a work item's workflow (work-item.ts holds its handlers and its
// main loop). Handlers only hand the class the item a pure rule made of it (`answered`,
// `changed`); the outcomes of what the run started (a store, a launch, a notice, an email's
// delivery, the timer) only record themselves in its fields. Every Temporal command comes from
// `settle()`, which the main loop calls once the jobs of a workflow activation and all they queued
// have run, and which reads nothing but those fields: so how a task's jobs come (one activation or
// several, an Update before or after an activity's outcome) cannot change the commands' order.
//
// What the run keeps up to date, in the order `settle()` does it:
// - the operators' view: the current details and the search attributes (R40);
// - the one durable timer, on the item's next deadline (a wait's end, the feedback window's end,
//   an SLA mark) or on the time its changes are due to be stored, whichever comes first;
// - the store (recordChanges): the item's new timeline entries, outbound emails and state, in
//   PostgreSQL. A change an Update answered is stored by the API before it answers, so the run
//   stores it within `storeAfterMs`; any other change (a deadline, a notice from another item, an
//   email's delivery outcome, a launch) at once, as it does when email is to leave, when the tail
//   is long, when the item closes and before it continues as new;
// - what goes out, one step at a time: actions a case launches, the case a ticket or a start_case
//   action starts, the tickets of a split (allocateRef, loadProcess, a child workflow), and
//   notices to other items (a Signal);
// - outbound email, handed to the relay once stored; its outcome is one more change.

import {
  ActivityFailure,
  allHandlersFinished,
  ApplicationFailure,
  CancellationScope,
  condition,
  getExternalWorkflowHandle,
  makeContinueAsNewFunc,
  proxyActivities,
  setCurrentDetails,
  sleep,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { ItemChanges, WorkItemActivities } from '../activities/read-model-types.js';
import type { PendingLaunch } from './domain/case/flow.js';
import { operatorDetails } from './domain/item/operator-details.js';
import type { CaseLaunch, CaseProcess, CategorySnapshot, ItemNotice, SplitPart, TimelineEntry, WorkItem, WorkItemInput, WorkItemSummary } from './domain/item/types.js';
import { toSummary } from './domain/item/view.js';
import { nextNamedDeadline, type NamedDeadline } from './domain/rules/deadlines.js';
import { actionLaunched, caseNotStarted, caseStarted, caseToStart, createWorkItem, emailDelivered, onDeadline, splitPartStarted, type RuleContext } from './domain/rules/transitions.js';
import { actionClosedSignal, caseCancelledSignal, childChangedSignal } from './definitions.js';
import { actionInput, caseInput, splitPartInput, startChildItem } from './child-items.js';
import { searchAttributesOf, searchAttributeValues } from './search-attributes.js';

// Ordinary activities, scheduled by a completed task: a local activity would write while its task
// runs, and a task Temporal drops (an Update's speculative one) would leave writes no history holds.
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

const DEFAULT_CONTINUE_AS_NEW_AFTER = 4000;
const DEFAULT_STORE_AFTER_MS = 30_000;
/** The tail is stored at once past either bound... */
const STORE_AT_ENTRIES = 16;
const STORE_AT_CHARS = 8_000;
/** ...and a command is refused, retryably, while the tail is this long (its store is late). */
const BUSY_AT_ENTRIES = 64;

/** What the main loop does after a settle. */
export type Next = 'wait' | 'complete' | 'continueAsNew';

interface ArmedTimer {
  at: number;
  fired: boolean;
  scope: CancellationScope;
}

type Loaded = { process: CaseProcess; category?: CategorySnapshot } | null;

/** The one outgoing step under way, and what it has learnt so far. */
type Step =
  | { kind: 'case'; launch: CaseLaunch; loaded?: Loaded; ref?: string }
  | { kind: 'part'; part: SplitPart; ref?: string }
  | { kind: 'action'; launch: PendingLaunch; ref?: string }
  | { kind: 'notice'; notice: ItemNotice };

export class ItemRun {
  /** A case's process, in the version it started with (R26): rules read it, the item does not carry it. */
  readonly context: RuleContext;
  private current: WorkItem;
  /** The highest version an Update answered with (the API stores that state before it answers). */
  private answeredVersion: number;
  /** The version the last store completed wrote. */
  private storedVersion: number;
  /** The version the store under way writes. */
  private storing?: { version: number };
  /** The workflow time of the oldest change no store covers yet. */
  private unstoredSince?: number;
  private timer?: ArmedTimer;
  private step?: Step;
  /** Set while the step's current command awaits its outcome. */
  private stepBusy = false;
  /** Message-IDs whose delivery activity this run is awaiting. */
  private readonly delivering = new Set<string>();
  /** Set by every change and every outcome: the main loop settles again. */
  private dirty = true;
  /** The history is long: nothing new starts, and the run continues as new once the rest is done. */
  private winding = false;
  /** A store completed since the run began winding up. */
  private storedWhileWinding = false;
  /** An outcome that fails the run (an activity that gave up), thrown by the main loop. */
  private failure?: { error: unknown };
  /** Search attribute -> JSON of its value now: those the run started with, then those it upserted. */
  private readonly upserted = searchAttributeValues(workflowInfo().typedSearchAttributes);
  private shownDetails = '';
  private measured: { tail: readonly TimelineEntry[]; chars: number } = { tail: [], chars: 0 };
  private readonly storeAfterMs: number;
  private readonly continueAsNewAfter: number;

  constructor(private readonly input: WorkItemInput) {
    this.context = { process: input.process };
    this.storeAfterMs = input.storeAfterMs ?? DEFAULT_STORE_AFTER_MS;
    this.continueAsNewAfter = input.continueAsNewAfterEvents ?? DEFAULT_CONTINUE_AS_NEW_AFTER;
    const carried = input.carried;
    this.current = carried ?? createWorkItem(input, input.createdAt ? new Date(input.createdAt) : new Date());
    // A run continues as new once every change no Update answered is stored: it may carry a tail
    // of answered ones, stored within `storeAfterMs`. A new item's first state is written by the
    // API that started it; nobody writes that of an item another item (or a schedule) started,
    // so its first store comes at once.
    this.storedVersion = carried ? (hasUnstoredParts(carried) ? -1 : carried.version) : 0;
    this.answeredVersion = carried ? carried.version : input.createdBy.kind === 'system' ? 0 : this.current.version;
  }

  /** The item as it stands. */
  get item(): WorkItem {
    return this.current;
  }

  /** The item is now `next`, and an Update answers with it: its store may wait (`storeAfterMs`). */
  answered(next: WorkItem): WorkItem {
    this.change(next);
    this.answeredVersion = Math.max(this.answeredVersion, next.version);
    return next;
  }

  /** The item is now `next`, a change no Update answers (a notice from another item): stored at once. */
  changed(next: WorkItem): void {
    this.change(next);
  }

  /** A command's validator: refused, retryably, while the tail waits for a late store. */
  refuseWhileBusy(): void {
    if (this.current.timeline.length >= BUSY_AT_ENTRIES) {
      throw ApplicationFailure.create({ type: 'item_busy', message: `${this.current.ref} is storing its recent changes; send the command again in a moment.`, nonRetryable: true });
    }
  }

  /** Resolves once something changed, after the jobs of the activation and all they queued have run. */
  async changes(): Promise<void> {
    await condition(() => this.dirty || (!this.winding && this.historyIsLong()));
    await endOfActivation();
  }

  /** Produces every command the item's state calls for now, and says what the main loop does next. */
  settle(): Next {
    if (this.failure) throw this.failure.error;
    this.dirty = false;
    const now = new Date();
    if (this.timer?.fired) {
      this.timer = undefined;
      this.current = onDeadline(this.current, now); // a change no Update answers: stored at once
    }
    this.winding ||= this.historyIsLong();
    const summary = toSummary(this.current, now);
    this.showDetails(now);
    this.upsertChangedSearchAttributes(summary);
    const storeNow = this.storeIsDue(now.getTime());
    this.armTimer(storeNow || this.storing || this.unstoredSince === undefined ? undefined : { at: this.unstoredSince + this.storeAfterMs, what: 'store changes' });
    if (storeNow) this.store(summary);
    this.advanceOutgoing();
    this.startDeliveries();
    return this.next();
  }

  /** The next run carries the item as it is; what only the first run needs stays behind. */
  continueAsNew(): Promise<never> {
    const next = makeContinueAsNewFunc<(input: WorkItemInput) => Promise<WorkItem>>({ memo: workflowInfo().memo });
    return next({ ...this.input, carried: this.current, initialEmail: undefined, ...(this.input.imported ? { imported: undefined } : {}) });
  }

  private change(next: WorkItem): void {
    if (next === this.current) return;
    this.current = next;
    this.dirty = true;
  }

  private historyIsLong(): boolean {
    const info = workflowInfo();
    return info.continueAsNewSuggested || info.historyLength >= this.continueAsNewAfter;
  }

  /** New work (a launch, a notice, a delivery) starts unless the run is winding up to continue as new; a closed item finishes its own. */
  private get mayStart(): boolean {
    return this.current.state === 'closed' || !this.winding;
  }

  /** Whether this settle stores; notes since when changes wait for a store. */
  private storeIsDue(now: number): boolean {
    const item = this.current;
    if (item.version > (this.storing?.version ?? this.storedVersion)) this.unstoredSince ??= now;
    if (this.storing || item.version <= this.storedVersion) return false;
    return (
      item.version > Math.max(this.answeredVersion, this.storedVersion) || // no Update answered with it
      item.outbox.length > 0 ||
      item.timeline.length >= STORE_AT_ENTRIES ||
      this.tailChars() >= STORE_AT_CHARS ||
      item.state === 'closed' ||
      (this.winding && !this.storedWhileWinding) ||
      now >= this.unstoredSince! + this.storeAfterMs
    );
  }

  private tailChars(): number {
    const tail = this.current.timeline;
    if (this.measured.tail !== tail) this.measured = { tail, chars: tail.length ? JSON.stringify(tail).length : 0 };
    return this.measured.chars;
  }

  /**
   * Keeps exactly one durable timer, on the earliest of the item's next deadline and `store` (the
   * item's own wins a tie). The timer's summary names the deadline, so the history reads as the
   * item's story.
   */
  private armTimer(store: NamedDeadline | undefined): void {
    const own = nextNamedDeadline(this.current);
    const next = own && (!store || own.at <= store.at) ? own : store;
    if (this.timer && this.timer.at === next?.at) return;
    this.timer?.scope.cancel();
    this.timer = undefined;
    if (!next) return;
    const armed: ArmedTimer = { at: next.at, fired: false, scope: new CancellationScope() };
    this.timer = armed;
    armed.scope.run(() => sleep(Math.max(next.at - Date.now(), 1), { summary: `${next.what} at ${new Date(next.at).toISOString()}` })).then(
      () => {
        armed.fired = true;
        this.dirty = true;
      },
      () => undefined, // cancelled because the deadline moved
    );
  }

  /** One store of everything unstored so far (what arrives meanwhile waits for the next). */
  private store(summary: WorkItemSummary): void {
    const item = this.current;
    const parts = { entries: item.timeline, resolutionTags: item.resolutionTags, emails: item.outbox, deliveries: item.deliveryUpdates ?? [] };
    const changes: ItemChanges = { item: afterStore(item, parts), summary, ...parts };
    this.storing = { version: item.version };
    this.unstoredSince = undefined;
    this.follow(recordChanges(changes), () => {
      this.current = afterStore(this.current, parts);
      this.storedVersion = item.version;
      this.storing = undefined;
      this.storedWhileWinding = this.winding;
    });
  }

  /** Sends the next command of the outgoing step under way, or begins the next step (R26, R31, R32, R33). */
  private advanceOutgoing(): void {
    if (this.stepBusy) return;
    if (!this.step && this.mayStart) this.step = nextStep(this.current);
    const step = this.step;
    if (!step) return;
    const origin = this.current.ref;
    const done = (next: WorkItem): void => {
      this.current = next; // a change no Update answers: stored at once
      this.step = undefined;
    };
    switch (step.kind) {
      case 'notice':
        return this.stepOn(sendNotice(step.notice), () => done({ ...this.current, notices: this.current.notices!.slice(1) }));
      case 'case':
        if (step.loaded === undefined) {
          return this.stepOn(loadProcess(step.launch.processId), (loaded) => {
            if (loaded) step.loaded = loaded;
            else done(caseNotStarted(this.current, `no process ${step.launch.processId} to start a case of`, new Date()));
          });
        }
        if (step.ref === undefined) step.ref = step.launch.ref; // fixed by the command that asked (R33)
        if (step.ref === undefined) return this.stepOn(allocateRef({ origin, launchId: step.launch.launchId, kind: 'case' }), (ref) => void (step.ref = ref));
        return this.stepOn(startChildItem(caseInput(this.current, step.launch, step.loaded!, step.ref, this.input)), () => done(caseStarted(this.current, step.ref!, new Date())));
      case 'part':
        return this.stepOn(startChildItem(splitPartInput(this.current, step.part, this.input)), () => done(splitPartStarted(this.current, step.part.launchId, new Date())));
      case 'action':
        if (step.ref === undefined) return this.stepOn(allocateRef({ origin, launchId: step.launch.launchId, kind: 'action' }), (ref) => void (step.ref = ref));
        return this.stepOn(startChildItem(actionInput(this.current, step.launch, step.ref, this.input)), () => done(actionLaunched(this.current, step.launch.launchId, step.ref!, new Date())));
    }
  }

  private stepOn<T>(command: Promise<T>, onOutcome: (outcome: T) => void): void {
    this.stepBusy = true;
    this.follow(command, (outcome) => {
      this.stepBusy = false;
      onOutcome(outcome);
    });
  }

  /** Hands every stored email not yet in flight to the relay; its outcome is one more change. */
  private startDeliveries(): void {
    if (!this.mayStart) return;
    for (const email of this.current.delivering ?? []) {
      if (this.delivering.has(email.messageId)) continue;
      this.delivering.add(email.messageId);
      void deliverEmail({ messageId: email.messageId })
        .then(
          () => ({ messageId: email.messageId, delivery: 'sent' as const }),
          (error: unknown) => ({ messageId: email.messageId, delivery: 'failed' as const, error: deliveryError(error) }),
        )
        .then((outcome) => {
          this.delivering.delete(email.messageId);
          this.changed(emailDelivered(this.current, outcome, new Date())); // stored at once: the lists show the highlight of a failure
          this.dirty = true;
        });
    }
  }

  /** Records an outcome when it comes (it only changes fields: the next settle acts on it). */
  private follow<T>(command: Promise<T>, onOutcome: (outcome: T) => void): void {
    void command.then(
      (outcome) => {
        onOutcome(outcome);
        this.dirty = true;
      },
      (error: unknown) => {
        this.failure ??= { error };
        this.dirty = true;
      },
    );
  }

  /**
   * Done when closed and nothing is left to store, send or hear of. Winding up, the run continues
   * as new once what it had under way is done and it has stored since it began winding up: what
   * Updates answered meanwhile (the API stored it) the next run carries and stores, as commands
   * may keep coming; a change no Update answered is stored first.
   */
  private next(): Next {
    const item = this.current;
    const quiet = !this.storing && !this.step && this.delivering.size === 0 && allHandlersFinished();
    if (item.state === 'closed') {
      const done = quiet && item.version === this.storedVersion && !hasUnstoredParts(item) && nextStep(item) === undefined && !item.delivering?.length;
      return done ? 'complete' : 'wait';
    }
    const stored = item.version === this.storedVersion && !hasUnstoredParts(item);
    const carried = this.storedWhileWinding && item.version <= Math.max(this.answeredVersion, this.storedVersion);
    return this.winding && quiet && (stored || carried) ? 'continueAsNew' : 'wait';
  }

  /**
   * R40: the item's current details in the Temporal UI (Markdown: state, wait, assignee, SLA,
   * links), set when they change. They live in the worker's memory only (the UI reads them by the
   * `__temporal_workflow_metadata` query): no command, nothing in history or in the item's state.
   */
  private showDetails(now: Date): void {
    const details = operatorDetails(this.current, now);
    if (details === this.shownDetails) return;
    setCurrentDetails(details);
    this.shownDetails = details;
  }

  /** R40: one upsert per change of the operator-visible figures, none when they stay the same. */
  private upsertChangedSearchAttributes(summary: WorkItemSummary): void {
    const changed = searchAttributesOf(summary).filter(({ key, value }) => this.upserted.get(key.name) !== JSON.stringify(value));
    if (changed.length === 0) return;
    upsertSearchAttributes(changed);
    for (const { key, value } of changed) this.upserted.set(key.name, JSON.stringify(value));
  }
}

/**
 * Resolves once every job of the current activation, and every callback those jobs queued (an
 * activity's outcome, a fired timer), has run: a condition is first checked when it is made, and
 * next only after the activation's callbacks, when the SDK checks blocked conditions again.
 */
function endOfActivation(): Promise<void> {
  let checkedOnce = false;
  return condition(() => {
    const again = checkedOnce;
    checkedOnce = true;
    return again;
  });
}

/** What goes out next: a case to start, a split's ticket, an action to launch, then notices. */
function nextStep(item: WorkItem): Step | undefined {
  const launch = caseToStart(item);
  if (launch) return { kind: 'case', launch };
  const part = item.partsToStart?.[0];
  if (part) return { kind: 'part', part };
  const action = item.flow?.pending[0];
  if (action) return { kind: 'action', launch: action };
  const notice = item.notices?.[0];
  return notice ? { kind: 'notice', notice } : undefined;
}

/** `item` once a store of `parts` is done: what it stored leaves the item; its emails go to the relay. */
function afterStore(item: WorkItem, parts: Omit<ItemChanges, 'item' | 'summary'>): WorkItem {
  const lastSeq = parts.entries.at(-1)?.seq ?? 0;
  const sent = new Set(parts.emails.map((e) => e.messageId));
  return {
    ...item,
    timeline: item.timeline.filter((e) => e.seq > lastSeq),
    outbox: item.outbox.filter((e) => !sent.has(e.messageId)),
    resolutionTags: item.resolutionTags.slice(parts.resolutionTags.length),
    ...(parts.emails.length ? { delivering: [...(item.delivering ?? []), ...parts.emails] } : {}),
    ...(parts.deliveries.length ? { deliveryUpdates: item.deliveryUpdates!.slice(parts.deliveries.length) } : {}),
  };
}

function hasUnstoredParts(item: WorkItem): boolean {
  return item.timeline.length > 0 || item.outbox.length > 0 || item.resolutionTags.length > 0 || (item.deliveryUpdates?.length ?? 0) > 0;
}

/** R32: a Signal to the other item's current run; an item that has ended needs no notice. */
async function sendNotice(notice: ItemNotice): Promise<void> {
  const other = getExternalWorkflowHandle(notice.to);
  try {
    if (notice.type === 'actionClosed') await other.signal(actionClosedSignal, { ref: notice.ref, method: notice.method, ...(notice.reason ? { reason: notice.reason } : {}) });
    else if (notice.type === 'caseCancelled') await other.signal(caseCancelledSignal, { caseRef: notice.caseRef, reason: notice.reason, ...(notice.method ? { method: notice.method } : {}) });
    else await other.signal(childChangedSignal, { ref: notice.ref, state: notice.state, ...(notice.resolutionMethod ? { resolutionMethod: notice.resolutionMethod } : {}) });
  } catch {
    // The other item has closed (its workflow completed) or never existed: nothing waits for this.
  }
}

/** What a failed delivery says on the timeline: the relay's refusal, not the activity's wrapping. */
function deliveryError(error: unknown): string {
  const cause = error instanceof ActivityFailure ? error.cause : error;
  return cause instanceof Error ? cause.message : String(cause);
}
