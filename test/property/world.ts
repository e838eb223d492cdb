// A pure simulation of many work items living together, for the property test beside it
// (rules.property.test.ts). It holds tickets, cases and actions by ref, a clock, a ref allocator and
// the notices in flight between items, and plays one step at a time: a creation, an import, a
// command, a merge, an inbound email, the clock moving (the items' timers firing), or one of the
// workflow's outgoing steps (item-run.ts's `nextStep`: a case to start, a split's ticket, an
// action to launch, a notice to send) and the delivery of a notice, in any order, maybe twice.
//
// Everything goes through the domain's pure functions exactly as the workflow and the API call
// them. No I/O, no real clock: `runStep(world, step)` returns a new world and a report of what
// changed and why; the world passed in is never changed. It checks nothing: the invariants live
// in the test file.

import type { Command } from '../../workflows/domain/item/commands.js';
import { Refusal } from '../../workflows/domain/item/refusal.js';
import { RESOLUTION_METHODS, type Actor, type CaseProcess, type CategorySnapshot, type InboundEmail, type ItemNotice, type Kind, type ResolutionMethod, type WorkItem, type WorkItemInput } from '../../workflows/domain/item/types.js';
import { LEGACY_STATUSES, mapLegacyStatus } from '../../workflows/domain/legacy/status-mapping.js';
import {
  actionClosedNotice,
  actionLaunched,
  applyCommand,
  caseCancelledNotice,
  caseNotStarted,
  caseStarted,
  caseToStart,
  childChangedNotice,
  createWorkItem,
  MANUAL_METHODS,
  nextDeadline,
  onDeadline,
  receiveEmail,
  splitPartStarted,
} from '../../workflows/domain/rules/transitions.js';
import { actionInput, caseInput, splitPartInput } from '../../workflows/child-items.js';

// --- the cast: people, categories, processes -----------------------------------------------------

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;
export const T0 = Date.parse('2026-03-02T09:00:00Z');

const human = (id: string, roles: string[] = []): Actor => ({ id, kind: 'human', roles });
export const ACTORS = {
  alice: human('alice'),
  bob: human('bob'),
  carol: human('carol'),
  sam: human('sam', ['supervisor']),
  robbie: { id: 'robbie', kind: 'robot', roles: [] } as Actor,
  admin: { id: 'admin', kind: 'admin', roles: [] } as Actor,
  hook: { id: 'hook', kind: 'integration', roles: [] } as Actor,
};
/** Who gives a command, relative to the item: its assignee, another human, a supervisor, ... */
export type ActorKey = 'owner' | 'other' | 'supervisor' | 'robot' | 'admin' | 'integration';
/** Resources an item can be assigned to. */
export type ResourceKey = 'alice' | 'bob' | 'sam' | 'robbie';

const SLA_FAST = { targetMs: 4 * HOUR, addWaitingTime: true, stopOn: ['more_info' as const], atRiskShare: 0.75 };
const SLA_SLOW = { targetMs: 2 * DAY, addWaitingTime: false, stopOn: [], atRiskShare: 0.5 };
export const CATEGORIES = {
  none: undefined,
  lenient: { id: 'general', requireResolutionCommunication: false, feedbackWindowMs: 5 * DAY },
  strict: { id: 'strict', requireResolutionCommunication: true, feedbackWindowMs: 2 * DAY },
  instant: { id: 'instant', requireResolutionCommunication: false, feedbackWindowMs: 0, launchedCaseResolution: 'rejected' },
  slaFast: {
    id: 'sla-fast',
    requireResolutionCommunication: false,
    feedbackWindowMs: DAY,
    sla: SLA_FAST,
    slas: { first_response: { ...SLA_FAST, targetMs: HOUR }, next_response: { ...SLA_SLOW, targetMs: 2 * HOUR } },
  },
  slaSlow: { id: 'sla-slow', requireResolutionCommunication: false, feedbackWindowMs: 3 * DAY, sla: SLA_SLOW },
} satisfies Record<string, CategorySnapshot | undefined>;
export type CategoryKey = keyof typeof CATEGORIES;

export const PROCESSES: Record<string, CaseProcess> = {
  onboarding: {
    id: 'onboarding',
    version: 1,
    name: 'Onboard a supplier',
    autoResolve: false,
    stages: [
      { name: 'Check', actions: [{ type: 'review', name: 'Verify documents' }, { type: 'review', name: 'Check sanctions', robot: true }] },
      { name: 'Set up', actions: [{ type: 'task', name: 'Create supplier record' }] },
    ],
  },
  quick: {
    id: 'quick',
    version: 1,
    name: 'Quick fix',
    autoResolve: true,
    stages: [
      { name: 'Fix', actions: [{ type: 'task', name: 'Fix it' }] },
      { name: 'Confirm', actions: [{ type: 'task', name: 'Confirm fix' }] },
    ],
  },
  escalation: {
    id: 'escalation',
    version: 1,
    name: 'Escalate',
    autoResolve: false,
    stages: [
      { name: 'Triage', actions: [{ type: 'task', name: 'Triage' }] },
      { name: 'Delegate', actions: [{ type: 'start_case', name: 'Start a quick fix', processId: 'quick' }, { type: 'task', name: 'Notify customer' }] },
      { name: 'Close out', actions: [{ type: 'task', name: 'Close out' }] },
    ],
  },
};
export type ProcessKey = 'onboarding' | 'quick' | 'escalation';

const TICKET_FIELDS = { title: 'Invoice 42 unpaid', description: 'Supplier says invoice 42 was never paid.', primaryContact: 'ann@example.com', requester: 'ann@example.com' };
const EDIT_VALUES = { title: 'Invoice 43 unpaid', description: 'Invoice 43 too.', shortDescription: 'Onboard supplier B', primaryContact: 'bea@example.com', requester: 'bea@example.com' };
export type FieldName = keyof typeof EDIT_VALUES;

// --- steps, as data (fast-check generates them; indices pick among what exists then) ---------------

/**
 * An item to act on: the `i`-th (modulo) of all items, oldest first; or of those of a kind, newest
 * first, among those still being worked on (else the resolved ones, else all): where a story is;
 * or of the resolved items, newest first (to reopen, or to email inside the feedback window).
 */
export interface Target {
  among: 'any' | Kind | 'resolved';
  i: number;
}

/** A resolution method: one the target's kind may choose by hand (`valid`), or any method at all. */
export interface MethodPick {
  valid: boolean;
  i: number;
}

export type CommandSpec =
  | { type: 'edit'; fields: FieldName[]; category: 'keep' | 'remove' | Exclude<CategoryKey, 'none'> }
  | { type: 'submit' }
  | { type: 'pickUp' }
  | { type: 'assign'; to: ResourceKey }
  | { type: 'unassign'; to?: ResourceKey }
  | { type: 'setState'; state: 'todo' | 'in_progress' }
  | { type: 'reject' }
  | { type: 'wait'; wait: { type: 'more_info'; days?: number; closeIfNoResponse?: boolean } | { type: 'until'; inMs: number } | { type: 'pause' } }
  | { type: 'cancelWait' }
  | { type: 'addNote'; isResolution: boolean }
  | { type: 'sendEmail'; resolve: boolean; method?: MethodPick }
  | { type: 'resolve'; method: MethodPick; reason: boolean }
  | { type: 'reopen' }
  | { type: 'cancel'; reason: boolean }
  | { type: 'rework'; fromStage: number }
  | { type: 'rework'; actions: number[] }
  | { type: 'reset' }
  | { type: 'launchAction'; name: string; robot: boolean }
  | { type: 'launchAction'; relaunch: number }
  | { type: 'launchCase'; process: ProcessKey }
  | { type: 'split'; parts: Array<{ category?: Exclude<CategoryKey, 'none'>; contacts: boolean }> };

export type Step =
  /** Created by hand (the API's POST: a submit with R5 fields missing is refused, nothing created). */
  | { t: 'create'; kind: 'ticket' | 'case'; submit: boolean; fields: 'all' | 'some' | 'none'; category: CategoryKey; process: ProcessKey; by: 'alice' | 'bob' | 'robbie' | 'hook' }
  /** Imported from v2020.1 (R43) in the `status`-th (modulo) status of its kind, maybe lacking R5 fields. */
  | { t: 'import'; kind: Kind; status: number; complete: boolean; category: CategoryKey; process: ProcessKey; assignee?: ResourceKey; untilMs: number; resolvedAgoMs: number }
  | { t: 'command'; target: Target; actor: ActorKey; command: CommandSpec }
  /** R30, as the API route does it: the ticket first, then the target takes its timeline. `into` absent: a ref that does not exist. */
  | { t: 'merge'; ticket: number; into?: Target; actor: ActorKey }
  /** An inbound email matched to the item (R34, R35): a new Message-ID, or one it has taken before. */
  | { t: 'email'; target: Target; repeat: boolean }
  /** The clock moves on; every deadline passed on the way fires, in time order (the items' durable timers). */
  | { t: 'advance'; ms: number }
  /** One outgoing step of the `i`-th (modulo) item that has one. */
  | { t: 'outgoing'; i: number }
  /** Delivers the `i`-th (modulo) notice in flight; `keep`: it stays in flight, to be delivered again. */
  | { t: 'deliver'; i: number; keep: boolean }
  /** Sends the `i`-th (modulo) notice ever sent (or sent to an item now waiting on other work) again, however long ago (receivers ignore a repeat, R32). */
  | { t: 'resend'; i: number; toWaiting: boolean }
  /** Every outgoing step and every notice, in order, until nothing is left to do (bounded). */
  | { t: 'settle' };

// --- the world ---------------------------------------------------------------------------------------

/** A notice on its way from one item's workflow to another's (a Signal). */
export interface InFlight {
  id: number;
  from: string;
  notice: ItemNotice;
}

export interface World {
  readonly now: number;
  readonly items: ReadonlyMap<string, WorkItem>;
  /** Refs in creation order (what `Target.i` indexes). */
  readonly refs: readonly string[];
  readonly counters: Readonly<Record<'T' | 'C' | 'A', number>>;
  /** The process each case follows (the workflow's `context.process`; absent for imported cases, as the API imports them). */
  readonly processOf: ReadonlyMap<string, CaseProcess | undefined>;
  /** A ticket's latest split: how many parts it asked for, the refs of those started so far, and the ticket as the split found it. */
  readonly splits: ReadonlyMap<string, { readonly expected: number; readonly started: readonly string[]; readonly from: WorkItem }>;
  /** Each ticket born of a split: the ticket it was split from, as the split found it. */
  readonly splitFrom: ReadonlyMap<string, WorkItem>;
  /** Refs of items that have been resolved (or closed) at least once. */
  readonly everResolved: ReadonlySet<string>;
  readonly inFlight: readonly InFlight[];
  /** Every notice ever sent, in order: any may be sent again later (a resend after a crash or a replay). */
  readonly sent: readonly InFlight[];
  readonly noticeCount: number;
  /** Notices (by id) delivered at least once, and those whose delivery changed their receiver. */
  readonly delivered: ReadonlySet<number>;
  readonly effective: ReadonlySet<number>;
  /** Message-IDs of the emails each item was sent, for repeats. */
  readonly messages: ReadonlyMap<string, readonly string[]>;
  readonly emailCount: number;
}

/** Why an item changed. */
export type Cause =
  | { by: 'create' }
  | { by: 'import' }
  /** Born from another item's outgoing step (a case, a split's ticket, an action). */
  | { by: 'born'; from: string }
  | { by: 'command'; actor: Actor; command: Command }
  | { by: 'email'; messageId: string; outcome: string }
  | { by: 'timer'; at: number }
  /** The item recorded a child it started (caseStarted, splitPartStarted, actionLaunched, caseNotStarted). */
  | { by: 'started'; child?: string }
  /** A notice left the item (its workflow sent it): only `notices` changes. */
  | { by: 'sent'; id: number }
  | { by: 'notice'; id: number; from: string; notice: ItemNotice; repeat: boolean; effectiveBefore: boolean };

export interface Change {
  ref: string;
  cause: Cause;
  /** Undefined when the item is born in this change. */
  before?: WorkItem;
  after: WorkItem;
}

export interface StepReport {
  /** `skipped`: nothing to act on (no such item, nothing outgoing, no notice in flight). */
  outcome: 'accepted' | 'refused' | 'skipped';
  /** The step as played, in words: what it did to which ref, by whom. */
  summary: string;
  refusal?: string;
  /** The refs a command or merge names: a refusal must leave each of them as it was. */
  named: string[];
  changes: Change[];
  /** A deadline that had passed and that onDeadline did not take (the timer would fire forever). */
  stuckDeadline?: { ref: string; at: number };
}

export function emptyWorld(): World {
  return {
    now: T0,
    items: new Map(),
    refs: [],
    counters: { T: 0, C: 0, A: 0 },
    processOf: new Map(),
    splits: new Map(),
    splitFrom: new Map(),
    everResolved: new Set(),
    inFlight: [],
    sent: [],
    noticeCount: 0,
    delivered: new Set(),
    effective: new Set(),
    messages: new Map(),
    emailCount: 0,
  };
}

/** Plays one step. Throws only when a domain function throws something other than a Refusal where one is allowed. */
export function runStep(world: World, step: Step): { world: World; report: StepReport } {
  const sim = new Sim(world);
  const report = sim.play(step);
  sim.fireTimers(sim.now, report); // a deadline already past fires at once (an import's, a new rule's)
  return { world: sim.toWorld(), report: { ...report, changes: sim.changes } };
}

/** What the item's workflow would do next on its own (item-run.ts's `nextStep`), if anything. */
export function hasOutgoing(item: WorkItem): boolean {
  return caseToStart(item) !== undefined || (item.partsToStart?.length ?? 0) > 0 || (item.flow?.pending.length ?? 0) > 0 || (item.notices?.length ?? 0) > 0;
}

/** The actor a key stands for, relative to `item`. */
export function actorFor(key: ActorKey, item: WorkItem | undefined): Actor {
  const assignee = item?.assignee;
  switch (key) {
    case 'owner':
      return assignee ? (Object.values(ACTORS).find((a) => a.id === assignee) ?? human(assignee)) : ACTORS.alice;
    case 'other':
      return [ACTORS.alice, ACTORS.bob, ACTORS.carol].find((a) => a.id !== assignee)!;
    case 'supervisor':
      return ACTORS.sam;
    case 'robot':
      return ACTORS.robbie;
    case 'admin':
      return ACTORS.admin;
    case 'integration':
      return ACTORS.hook;
  }
}

// --- the simulation of one step -------------------------------------------------------------------

/** A mutable copy of the world for the length of one step. */
class Sim {
  now: number;
  items: Map<string, WorkItem>;
  refs: string[];
  counters: Record<'T' | 'C' | 'A', number>;
  processOf: Map<string, CaseProcess | undefined>;
  splits: Map<string, { expected: number; started: readonly string[]; from: WorkItem }>;
  splitFrom: Map<string, WorkItem>;
  everResolved: Set<string>;
  inFlight: InFlight[];
  sent: InFlight[];
  noticeCount: number;
  delivered: Set<number>;
  effective: Set<number>;
  messages: Map<string, readonly string[]>;
  emailCount: number;
  readonly changes: Change[] = [];

  constructor(w: World) {
    this.now = w.now;
    this.items = new Map(w.items);
    this.refs = [...w.refs];
    this.counters = { ...w.counters };
    this.processOf = new Map(w.processOf);
    this.splits = new Map(w.splits);
    this.splitFrom = new Map(w.splitFrom);
    this.everResolved = new Set(w.everResolved);
    this.inFlight = [...w.inFlight];
    this.sent = [...w.sent];
    this.noticeCount = w.noticeCount;
    this.delivered = new Set(w.delivered);
    this.effective = new Set(w.effective);
    this.messages = new Map(w.messages);
    this.emailCount = w.emailCount;
  }

  toWorld(): World {
    const { now, items, refs, counters, processOf, splits, splitFrom, everResolved, inFlight, sent, noticeCount, delivered, effective, messages, emailCount } = this;
    return { now, items, refs, counters, processOf, splits, splitFrom, everResolved, inFlight, sent, noticeCount, delivered, effective, messages, emailCount };
  }

  get date(): Date {
    return new Date(this.now);
  }

  alloc(kind: Kind): string {
    const prefix = kind === 'ticket' ? 'T' : kind === 'case' ? 'C' : 'A';
    this.counters[prefix]++;
    return `${prefix}-${String(this.counters[prefix]).padStart(6, '0')}`;
  }

  /** The item is now `after` (frozen, so a rule that mutates its input fails loudly). */
  put(ref: string, after: WorkItem, cause: Cause): void {
    const before = this.items.get(ref);
    if (after === before) return;
    deepFreeze(after);
    this.items.set(ref, after);
    if (!before) this.refs.push(ref);
    if (after.state === 'resolved' || after.state === 'closed') this.everResolved.add(ref);
    this.changes.push({ ref, cause, ...(before ? { before } : {}), after });
  }

  pick(target: Target): WorkItem | undefined {
    const all = this.refs.map((r) => this.items.get(r)!);
    if (target.among === 'any') return all.length ? all[target.i % all.length] : undefined;
    if (target.among === 'resolved') {
      const resolved = all.filter((x) => x.state === 'resolved');
      return resolved.length ? resolved[resolved.length - 1 - (target.i % resolved.length)] : undefined;
    }
    const ofKind = all.filter((x) => x.kind === target.among);
    const active = ofKind.filter((x) => x.state !== 'closed' && x.state !== 'resolved');
    const open = ofKind.filter((x) => x.state !== 'closed');
    const pool = active.length ? active : open.length ? open : ofKind;
    return pool.length ? pool[pool.length - 1 - (target.i % pool.length)] : undefined;
  }

  play(step: Step): StepReport {
    switch (step.t) {
      case 'create':
        return this.create(step);
      case 'import':
        return this.import(step);
      case 'command':
        return this.command(step);
      case 'merge':
        return this.merge(step);
      case 'email':
        return this.email(step);
      case 'advance': {
        const report: StepReport = { outcome: 'accepted', summary: `advance ${duration(step.ms)}`, named: [], changes: [] };
        const until = this.now + step.ms;
        this.fireTimers(until, report);
        this.now = until;
        return report;
      }
      case 'outgoing': {
        const ready = this.refs.filter((r) => hasOutgoing(this.items.get(r)!));
        if (!ready.length) return skipped('outgoing: nothing to send or start');
        return { outcome: 'accepted', summary: `outgoing ${this.outgoing(ready[step.i % ready.length])}`, named: [], changes: [] };
      }
      case 'deliver':
        if (!this.inFlight.length) return skipped('deliver: no notice in flight');
        return { outcome: 'accepted', summary: this.deliver(step.i % this.inFlight.length, step.keep), named: [], changes: [] };
      case 'resend': {
        // `toWaiting`: one of the notices to an item now waiting on other work, where a stale one would do harm.
        const waiting = this.sent.filter((f) => ['split', 'case_launched'].includes(this.items.get(f.notice.to)?.wait?.type ?? ''));
        const pool = step.toWaiting && waiting.length ? waiting : this.sent;
        if (!pool.length) return skipped('resend: no notice sent yet');
        const again = pool[step.i % pool.length]!;
        this.inFlight.push(again);
        return { outcome: 'accepted', summary: this.deliver(this.inFlight.length - 1, false), named: [], changes: [] };
      }
      case 'settle': {
        const done: string[] = [];
        for (let n = 0; n < 200; n++) {
          const ready = this.refs.find((r) => hasOutgoing(this.items.get(r)!));
          if (ready) done.push(this.outgoing(ready));
          else if (this.inFlight.length) done.push(this.deliver(0, false));
          else break;
        }
        return done.length ? { outcome: 'accepted', summary: `settle: ${done.join('; ')}`, named: [], changes: [] } : skipped('settle: nothing to do');
      }
    }
  }

  private create(step: Extract<Step, { t: 'create' }>): StepReport {
    const actor = ACTORS[step.by];
    const fields = step.fields === 'none' ? {} : step.kind === 'case' ? { shortDescription: 'Onboard supplier A' } : step.fields === 'all' ? { ...TICKET_FIELDS } : { title: TICKET_FIELDS.title };
    const category = CATEGORIES[step.category];
    const process = step.kind === 'case' ? PROCESSES[step.process] : undefined;
    const what = `create ${step.kind}${step.submit ? ' submitted' : ' draft'} fields:${step.fields} category:${step.category}${process ? ` process:${process.id}` : ''} by ${actor.id}`;
    // The API checks R5 before it starts a submitted item (createWorkItem trusts it).
    const missing = step.kind === 'ticket' ? (['title', 'description', 'primaryContact', 'requester'] as const).filter((f) => !(fields as Record<string, string>)[f]) : fields.shortDescription ? [] : ['shortDescription'];
    if (step.submit && (missing.length || (step.kind === 'ticket' && !category))) return { outcome: 'refused', summary: what, refusal: 'validation_failed (API): R5 fields missing', named: [], changes: [] };
    const ref = this.alloc(step.kind);
    const input: WorkItemInput = { ref, kind: step.kind, createdBy: actor, fields, ...(category ? { category } : {}), ...(process ? { process, processId: process.id } : {}), submit: step.submit };
    if (step.kind === 'case') this.processOf.set(ref, process);
    this.put(ref, createWorkItem(input, this.date), { by: 'create' });
    return { outcome: 'accepted', summary: `${what} -> ${ref}`, named: [], changes: [] };
  }

  private import(step: Extract<Step, { t: 'import' }>): StepReport {
    const rows = LEGACY_STATUSES[step.kind];
    const [status] = rows[step.status % rows.length];
    const mapped = mapLegacyStatus(step.kind, status);
    const ref = this.alloc(step.kind);
    const category = step.kind === 'case' ? undefined : CATEGORIES[step.category];
    // As the import requires: an assignee when in progress or waiting, waitUntil for `until`, resolvedAt when resolved.
    const assignee = mapped.state === 'in_progress' || mapped.state === 'waiting' ? (step.assignee ?? 'alice') : step.assignee;
    const full = step.kind === 'ticket' ? { ...TICKET_FIELDS } : step.kind === 'case' ? { shortDescription: 'Imported case' } : { title: 'Imported action' };
    const fields = step.complete ? full : step.kind === 'ticket' ? { title: 'Old ticket' } : {};
    const input: WorkItemInput = {
      ref,
      kind: step.kind,
      createdBy: ACTORS.admin,
      fields,
      ...(category ? { category } : {}),
      ...(step.kind === 'case' ? { processId: step.process } : {}),
      submit: false,
      imported: {
        legacyRef: `OLD-${ref}`,
        legacyStatus: status,
        mapped,
        ...(assignee ? { assignee } : {}),
        ...(mapped.waitType === 'until' ? { waitUntil: new Date(this.now + step.untilMs).toISOString() } : {}),
        ...(mapped.state === 'resolved' || mapped.state === 'closed' ? { resolvedAt: new Date(this.now - step.resolvedAgoMs).toISOString() } : {}),
        ...(mapped.attention ? { attentionReason: 'stuck in v2020.1' } : {}),
        timeline: [{ at: new Date(this.now - DAY).toISOString(), by: 'olduser', text: 'A note from v2020.1' }],
      },
    };
    if (step.kind === 'case') this.processOf.set(ref, undefined); // the API imports a case with its processId only
    this.put(ref, createWorkItem(input, this.date), { by: 'import' });
    return { outcome: 'accepted', summary: `import ${step.kind} "${status}"${step.complete ? '' : ' (R5 fields missing)'}${assignee ? ` assigned to ${assignee}` : ''} -> ${ref}`, named: [], changes: [] };
  }

  private command(step: Extract<Step, { t: 'command' }>): StepReport {
    const item = this.pick(step.target);
    if (!item) return skipped(`command ${step.command.type}: no ${step.target.among} to act on`);
    const actor = actorFor(step.actor, item);
    const command = this.commandOf(step.command, item);
    const what = `${describe(command)} on ${item.ref} by ${actor.id}`;
    try {
      const after = applyCommand(item, actor, command, this.date, { process: this.processOf.get(item.ref) });
      this.put(item.ref, after, { by: 'command', actor, command });
    } catch (error) {
      if (!(error instanceof Refusal)) throw error;
      return { outcome: 'refused', summary: what, refusal: `${error.code}: ${error.message}`, named: [item.ref], changes: [] };
    }
    if (command.type === 'split') this.splits.set(item.ref, { expected: command.tickets.length, started: [], from: item });
    return { outcome: 'accepted', summary: what, named: [item.ref], changes: [] };
  }

  /** The command a spec stands for, on `item`, now (new refs allocated for a split or a launched case). */
  private commandOf(spec: CommandSpec, item: WorkItem): Command {
    const actions = item.flow?.actions ?? [];
    const actionRef = (i: number) => (actions.length ? actions[i % actions.length].ref : 'A-999999');
    const method = (m: MethodPick): ResolutionMethod => (m.valid ? MANUAL_METHODS[item.kind][m.i % MANUAL_METHODS[item.kind].length] : RESOLUTION_METHODS[m.i % RESOLUTION_METHODS.length]);
    switch (spec.type) {
      case 'edit': {
        const fields = Object.fromEntries(spec.fields.map((f) => [f, EDIT_VALUES[f]]));
        if (spec.category === 'keep') return { type: 'edit', fields };
        return { type: 'edit', fields, category: spec.category === 'remove' ? null : CATEGORIES[spec.category] };
      }
      case 'assign':
        return { type: 'assign', resourceId: spec.to, resourceKind: ACTORS[spec.to].kind === 'robot' ? 'robot' : 'human' };
      case 'unassign':
        return spec.to ? { type: 'unassign', toResourceId: spec.to, toResourceKind: ACTORS[spec.to].kind === 'robot' ? 'robot' : 'human' } : { type: 'unassign' };
      case 'reject':
        return { type: 'reject', reason: 'cannot read the attachment' };
      case 'wait': {
        const w = spec.wait;
        if (w.type === 'until') return { type: 'wait', wait: { type: 'until', until: new Date(this.now + w.inMs).toISOString() } };
        if (w.type === 'pause') return { type: 'wait', wait: { type: 'pause', reason: 'supplier on holiday' } };
        return { type: 'wait', wait: { type: 'more_info', ...(w.days !== undefined ? { days: w.days } : {}), ...(w.closeIfNoResponse !== undefined ? { closeIfNoResponse: w.closeIfNoResponse } : {}) } };
      }
      case 'addNote':
        return { type: 'addNote', text: 'Called the supplier.', isResolution: spec.isResolution };
      case 'sendEmail':
        return { type: 'sendEmail', to: ['ann@example.com'], subject: 'About your request', body: 'It is done.', resolve: spec.resolve, ...(spec.method ? { resolutionMethod: method(spec.method) } : {}) };
      case 'resolve':
        return { type: 'resolve', method: method(spec.method), ...(spec.reason ? { reason: 'not possible' } : {}) };
      case 'cancel':
        return { type: 'cancel', reason: spec.reason ? 'customer withdrew' : '' };
      case 'rework':
        return 'fromStage' in spec ? { type: 'rework', fromStage: spec.fromStage } : { type: 'rework', actions: spec.actions.map(actionRef) };
      case 'launchAction':
        return 'relaunch' in spec ? { type: 'launchAction', relaunch: actionRef(spec.relaunch) } : { type: 'launchAction', action: { type: 'task', name: spec.name, ...(spec.robot ? { robot: true } : {}) } };
      case 'launchCase':
        // The new case's ref travels in the command (once the command takes it; until then it is ignored).
        return { type: 'launchCase', processId: spec.process, shortDescription: 'Follow-up work', ref: this.alloc('case') } as Command;
      case 'split': {
        const tickets = spec.parts.map((p, k) => ({
          title: `Part ${k + 1}`,
          description: `Part ${k + 1} of the request.`,
          ...(p.category ? { category: CATEGORIES[p.category] } : {}),
          ...(p.contacts ? { primaryContact: 'dan@example.com', requester: 'dan@example.com' } : {}),
        }));
        return { type: 'split', tickets, refs: tickets.map(() => this.alloc('ticket')) } as unknown as Command;
      }
      default:
        return { type: spec.type } as Command;
    }
  }

  /** R30 as the API does it (after its fix): the ticket's merge first; only if accepted, the target takes it. */
  private merge(step: Extract<Step, { t: 'merge' }>): StepReport {
    const ticket = this.pick({ among: 'ticket', i: step.ticket });
    if (!ticket) return skipped('merge: no ticket');
    const target = step.into ? this.pick(step.into) : undefined;
    const into = target?.ref ?? 'T-999999';
    const actor = actorFor(step.actor, ticket);
    const what = `merge ${ticket.ref} into ${into} by ${actor.id}`;
    const named = target ? [ticket.ref, into] : [ticket.ref];
    // The route's own checks, before either item hears of it.
    if (!target || target.kind === 'action' || target.state === 'closed' || target.ref === ticket.ref) {
      return { outcome: 'refused', summary: what, refusal: `API: ${!target ? 'no such item' : target.ref === ticket.ref ? 'itself' : `target is ${target.kind === 'action' ? 'an action' : 'closed'}`}`, named, changes: [] };
    }
    try {
      const merged = applyCommand(ticket, actor, { type: 'merge', into }, this.date, { process: this.processOf.get(ticket.ref) });
      this.put(ticket.ref, merged, { by: 'command', actor, command: { type: 'merge', into } });
    } catch (error) {
      if (!(error instanceof Refusal)) throw error;
      return { outcome: 'refused', summary: what, refusal: `ticket: ${error.code}: ${error.message}`, named, changes: [] };
    }
    const take: Command = { type: 'takeMerged', ref: ticket.ref, mergedTimeline: 'x', entries: ticket.timelineLength };
    try {
      this.put(into, applyCommand(target, actor, take, this.date, { process: this.processOf.get(into) }), { by: 'command', actor, command: take });
    } catch (error) {
      if (!(error instanceof Refusal)) throw error;
      // The ticket has merged already: the route reports the whole merge refused (invariant 1 says whether that is true).
      return { outcome: 'refused', summary: what, refusal: `target: ${error.code}: ${error.message}`, named, changes: [] };
    }
    return { outcome: 'accepted', summary: what, named, changes: [] };
  }

  private email(step: Extract<Step, { t: 'email' }>): StepReport {
    const item = this.pick(step.target);
    if (!item) return skipped('email: no item');
    const seen = this.messages.get(item.ref) ?? [];
    const repeat = step.repeat && seen.length > 0;
    const messageId = repeat ? seen[seen.length - 1] : `<m${++this.emailCount}@example.com>`;
    if (!repeat) this.messages.set(item.ref, [...seen, messageId]);
    const email: InboundEmail = { messageId, from: 'ann@example.com', to: ['support@example.com'], subject: `Re: [${item.ref}] your request`, body: 'Some more details.', receivedAt: this.date.toISOString() };
    const taken = receiveEmail(item, email, this.date);
    this.put(item.ref, taken.item, { by: 'email', messageId, outcome: taken.outcome });
    // An email for a closed item starts a follow-up item (R21, R35): the API's doing, not simulated here.
    return { outcome: 'accepted', summary: `email ${messageId}${repeat ? ' (again)' : ''} to ${item.ref}: ${taken.outcome}`, named: [], changes: [] };
  }

  /** Fires, in time order, every item deadline up to `until` (the workflow keeps one timer on nextDeadline). */
  fireTimers(until: number, report: StepReport): void {
    const stuck = new Set<string>();
    for (let n = 0; n < 1000; n++) {
      let next: { ref: string; at: number } | undefined;
      for (const ref of this.refs) {
        const at = nextDeadline(this.items.get(ref)!);
        if (at !== undefined && at <= until && !stuck.has(ref) && (!next || at < next.at)) next = { ref, at };
      }
      if (!next) return;
      const at = Math.max(this.now, next.at);
      this.now = at;
      const after = onDeadline(this.items.get(next.ref)!, new Date(at));
      this.put(next.ref, after, { by: 'timer', at });
      const again = nextDeadline(after);
      if (again !== undefined && again <= at) {
        stuck.add(next.ref);
        report.stuckDeadline ??= { ref: next.ref, at: again };
      }
    }
  }

  /** item-run.ts's nextStep for `ref`, done at once: start a case, a split's ticket, an action, or send a notice. */
  private outgoing(ref: string): string {
    const item = this.items.get(ref)!;
    const launch = caseToStart(item);
    if (launch) {
      const process = PROCESSES[launch.processId];
      if (!process) {
        this.put(ref, caseNotStarted(item, `no process ${launch.processId} to start a case of`, this.date), { by: 'started' });
        return `${ref} could not start a case of ${launch.processId}`;
      }
      const caseRef = (launch as { ref?: string }).ref ?? this.alloc('case');
      this.processOf.set(caseRef, process);
      this.put(caseRef, createWorkItem(caseInput(item, launch, { process }, caseRef, {}), this.date), { by: 'born', from: ref });
      this.put(ref, caseStarted(this.items.get(ref)!, caseRef, this.date), { by: 'started', child: caseRef });
      return `${ref} started case ${caseRef} (${process.id})`;
    }
    const part = item.partsToStart?.[0];
    if (part) {
      const partRef = (part as { ref?: string }).ref ?? this.alloc('ticket');
      // While parts come to carry their refs, two signatures are live (the ref as an argument, or in the part): either is taken.
      const input = splitPartInput.length >= 4 ? loose<WorkItemInput>(splitPartInput)(item, part, partRef, {}) : loose<WorkItemInput>(splitPartInput)(item, { ...part, ref: partRef }, {});
      this.put(partRef, createWorkItem(input, this.date), { by: 'born', from: ref });
      const started = splitPartStarted.length >= 4 ? loose<WorkItem>(splitPartStarted)(this.items.get(ref)!, part.launchId, partRef, this.date) : loose<WorkItem>(splitPartStarted)(this.items.get(ref)!, part.launchId, this.date);
      this.put(ref, started, { by: 'started', child: partRef });
      const split = this.splits.get(ref);
      if (split) {
        this.splits.set(ref, { ...split, started: [...split.started, partRef] });
        this.splitFrom.set(partRef, split.from);
      }
      return `${ref} started split ticket ${partRef}`;
    }
    const pending = item.flow?.pending[0];
    if (pending) {
      const actionRef = this.alloc('action');
      this.put(actionRef, createWorkItem(actionInput(item, pending, actionRef, {}), this.date), { by: 'born', from: ref });
      this.put(ref, actionLaunched(this.items.get(ref)!, pending.launchId, actionRef, this.date), { by: 'started', child: actionRef });
      return `${ref} launched action ${actionRef} (${pending.name}, stage ${pending.stageIndex})`;
    }
    const notice = item.notices![0];
    const id = ++this.noticeCount;
    this.inFlight.push({ id, from: ref, notice });
    this.sent.push({ id, from: ref, notice });
    this.put(ref, { ...item, notices: item.notices!.slice(1) }, { by: 'sent', id });
    return `sent #${id} ${describeNotice(notice)}`;
  }

  /** Delivers in-flight notice `index` to its receiver, as the receiver's Signal handler does. */
  private deliver(index: number, keep: boolean): string {
    const flight = this.inFlight[index];
    if (!keep) this.inFlight.splice(index, 1);
    const { notice } = flight;
    const receiver = this.items.get(notice.to);
    const what = `delivered #${flight.id} ${describeNotice(notice)}${keep ? ' (kept, to deliver again)' : ''}`;
    if (!receiver) return `${what}: no such item`;
    const { type: _type, to: _to, ...payload } = notice;
    let after: WorkItem;
    if (notice.type === 'actionClosed') after = actionClosedNotice(receiver, this.processOf.get(notice.to), payload as Parameters<typeof actionClosedNotice>[2], this.date);
    else if (notice.type === 'caseCancelled') after = caseCancelledNotice(receiver, payload as Parameters<typeof caseCancelledNotice>[1], this.date);
    else after = childChangedNotice(receiver, payload as Parameters<typeof childChangedNotice>[1], this.date);
    const repeat = this.delivered.has(flight.id);
    const effectiveBefore = this.effective.has(flight.id);
    this.delivered.add(flight.id);
    if (after !== receiver) this.effective.add(flight.id);
    this.put(notice.to, after, { by: 'notice', id: flight.id, from: flight.from, notice, repeat, effectiveBefore });
    return `${what}${after === receiver ? ': no change' : ''}`;
  }
}

/** A function called without its declared parameter types (for the signatures in flux above). */
function loose<R>(fn: unknown): (...args: unknown[]) => R {
  return fn as (...args: unknown[]) => R;
}

function skipped(summary: string): StepReport {
  return { outcome: 'skipped', summary, named: [], changes: [] };
}

/** A command in a few words: its type and its arguments (long ones cut). */
export function describe(command: Command): string {
  const { type, ...args } = command as Command & Record<string, unknown>;
  const shown = Object.entries(args).map(([k, v]) => {
    if (k === 'category') return `category:${v === null ? 'null' : ((v as CategorySnapshot | undefined)?.id ?? 'none')}`;
    if (k === 'tickets') return `tickets:${(v as unknown[]).length}`;
    const text = JSON.stringify(v);
    return `${k}:${text.length > 40 ? `${text.slice(0, 37)}...` : text}`;
  });
  return `${type}${shown.length ? `{${shown.join(' ')}}` : ''}`;
}

/** A notice in a few words: `actionClosed A-000002->C-000001 unable_to_complete`. */
export function describeNotice(notice: ItemNotice): string {
  if (notice.type === 'actionClosed') return `actionClosed ${notice.ref}->${notice.to} ${notice.method}`;
  if (notice.type === 'caseCancelled') return `caseCancelled ${notice.caseRef}->${notice.to}${(notice as { method?: string }).method ? ` ${(notice as { method?: string }).method}` : ''}`;
  return `childChanged ${notice.ref}->${notice.to} ${notice.state}${notice.resolutionMethod ? `/${notice.resolutionMethod}` : ''}`;
}

function duration(ms: number): string {
  return ms % DAY === 0 ? `${ms / DAY}d` : ms % HOUR === 0 ? `${ms / HOUR}h` : `${Math.round(ms / MINUTE)}m`;
}

/** Freezes the value and everything reachable from it (already frozen parts are shared, and skipped). */
function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const key of Reflect.ownKeys(value)) deepFreeze((value as Record<string | symbol, unknown>)[key]);
  }
  return value;
}
