// The whole rule set as one property: random stories of many items (tickets, cases, actions)
// living together in a pure world (world.ts: creations, imports, commands by every kind of actor,
// merges, emails, the clock, the workflow's outgoing steps and notices delivered in any order,
// some twice), with invariants from the spec (docs/work-items.md) checked after every step.
// The invariants are written from the spec, not from the code: each names the rule it stands for.
//
//   npx vitest run test/property/rules.property.test.ts
//   PROPERTY_RUNS=20000 ...       more stories (default 2000, of up to PROPERTY_STEPS=150 steps)
//   PROPERTY_SEED=123 [PROPERTY_PATH=0:1:2] ...   replay a failure fast-check reported
//   PROPERTY_SKIP=inv8,R12 ...    leave some invariants out (to see what else fails meanwhile);
//   PROPERTY_ONLY=inv7 ...        or check only those (the ids are in INVARIANTS below)
//
// A failure names the invariant(s) broken at the first step that broke any, the items involved,
// and the shrunk story step by step as the world played it (fast-check's report above it gives
// the seed, the path and the story as generated).

import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { expect, it } from 'vitest';
import { Refusal } from '../../workflows/domain/item/refusal.js';
import type { Command } from '../../workflows/domain/item/commands.js';
import type { ResolutionMethod, WorkItem } from '../../workflows/domain/item/types.js';
import { applyCommand } from '../../workflows/domain/rules/transitions.js';
import {
  ACTORS,
  actorFor,
  DAY,
  describeNotice,
  emptyWorld,
  HOUR,
  MINUTE,
  runStep,
  type ActorKey,
  type Change,
  type CommandSpec,
  type FieldName,
  type MethodPick,
  type Step,
  type StepReport,
  type Target,
  type World,
} from './world.js';

const NUM_RUNS = Number(process.env.PROPERTY_RUNS ?? 2000);
const SEED = process.env.PROPERTY_SEED ? Number(process.env.PROPERTY_SEED) : undefined;
const PATH = process.env.PROPERTY_PATH || undefined;
const ids = (list: string | undefined) => new Set((list ?? '').split(',').map((id) => id.trim()).filter(Boolean));
const SKIP = ids(process.env.PROPERTY_SKIP);
const ONLY = ids(process.env.PROPERTY_ONLY);
const MAX_STEPS = Number(process.env.PROPERTY_STEPS ?? 150);

// --- generators: steps as data -------------------------------------------------------------------

/** Mostly one of the few newest items (where the story is), sometimes any. */
const index = fc.oneof({ arbitrary: fc.nat({ max: 2 }), weight: 3 }, { arbitrary: fc.nat({ max: 30 }), weight: 1 });
const target: fc.Arbitrary<Target> = fc.record({ among: fc.constantFrom('any', 'ticket', 'case', 'action'), i: index });
const actorKey: fc.Arbitrary<ActorKey> = fc.constantFrom<ActorKey>('owner', 'owner', 'owner', 'other', 'supervisor', 'robot', 'admin', 'integration');
const resource = fc.constantFrom('alice' as const, 'bob' as const, 'sam' as const, 'robbie' as const);
const category = fc.constantFrom('none' as const, 'lenient' as const, 'strict' as const, 'instant' as const, 'slaFast' as const, 'slaSlow' as const);
const someCategory = fc.constantFrom('lenient' as const, 'strict' as const, 'instant' as const, 'slaFast' as const, 'slaSlow' as const);
const processKey = fc.constantFrom('onboarding' as const, 'quick' as const, 'escalation' as const);
/** Mostly a method the kind allows (R19), sometimes any method at all. */
const methodPick: fc.Arbitrary<MethodPick> = fc.record({ valid: fc.oneof({ arbitrary: fc.constant(true), weight: 4 }, { arbitrary: fc.constant(false), weight: 1 }), i: fc.nat({ max: 10 }) });
const FIELDS: FieldName[] = ['title', 'description', 'shortDescription', 'primaryContact', 'requester'];

/** A command spec with its weight in a `fc.oneof` (and `s` below: a step). */
const c = <T extends CommandSpec>(weight: number, arbitrary: fc.Arbitrary<T>) => ({ weight, arbitrary: arbitrary as fc.Arbitrary<CommandSpec> });
const edit = fc.record({ type: fc.constant('edit' as const), fields: fc.subarray(FIELDS), category: fc.constantFrom('keep' as const, 'keep' as const, 'remove' as const, 'lenient' as const, 'strict' as const, 'instant' as const, 'slaFast' as const, 'slaSlow' as const) });
const submit = fc.constant({ type: 'submit' as const });
const pickUp = fc.constant({ type: 'pickUp' as const });
const assign = fc.record({ type: fc.constant('assign' as const), to: resource });
const unassign = fc.record({ type: fc.constant('unassign' as const), to: fc.option(resource, { nil: undefined }) });
const setState = fc.record({ type: fc.constant('setState' as const), state: fc.constantFrom('in_progress' as const, 'todo' as const) });
const reject = fc.constant({ type: 'reject' as const });
const moreInfo = fc.record({ type: fc.constant('more_info' as const), days: fc.option(fc.constantFrom(1, 3), { nil: undefined }), closeIfNoResponse: fc.option(fc.boolean(), { nil: undefined }) });
const until = fc.record({ type: fc.constant('until' as const), inMs: fc.constantFrom(2 * HOUR, 2 * DAY, 0, -HOUR) });
const pause = fc.constant({ type: 'pause' as const });
const wait = fc.record({ type: fc.constant('wait' as const), wait: fc.oneof(moreInfo, until, pause) });
const cancelWait = fc.constant({ type: 'cancelWait' as const });
const addNote = fc.record({ type: fc.constant('addNote' as const), isResolution: fc.boolean() });
const sendEmail = fc.record({ type: fc.constant('sendEmail' as const), resolve: fc.boolean(), method: fc.option(methodPick, { nil: undefined }) });
const resolve = fc.record({ type: fc.constant('resolve' as const), method: methodPick, reason: fc.oneof({ arbitrary: fc.constant(true), weight: 4 }, { arbitrary: fc.constant(false), weight: 1 }) });
/** An action's usual end: complete (mostly) or unable_to_complete, with a reason. */
const finishAction = fc.record({ type: fc.constant('resolve' as const), method: fc.record({ valid: fc.constant(true), i: fc.constantFrom(0, 0, 0, 1) }), reason: fc.constant(true) });
const reopen = fc.constant({ type: 'reopen' as const });
const cancel = fc.record({ type: fc.constant('cancel' as const), reason: fc.boolean() });
const reworkFrom = fc.record({ type: fc.constant('rework' as const), fromStage: fc.integer({ min: -1, max: 3 }) });
const reworkActions = fc.record({ type: fc.constant('rework' as const), actions: fc.array(fc.nat({ max: 8 }), { minLength: 1, maxLength: 2 }) });
const reset = fc.constant({ type: 'reset' as const });
const launchAction = fc.record({ type: fc.constant('launchAction' as const), name: fc.constantFrom('Extra check', 'Verify documents', 'Fix it'), robot: fc.boolean() });
const relaunch = fc.record({ type: fc.constant('launchAction' as const), relaunch: fc.nat({ max: 8 }) });
const launchCase = fc.record({ type: fc.constant('launchCase' as const), process: processKey });
const split = fc.record({ type: fc.constant('split' as const), parts: fc.array(fc.record({ category: fc.option(someCategory, { nil: undefined }), contacts: fc.boolean() }), { minLength: 1, maxLength: 3 }) });

/** Any command (every type but takeMerged, which only a merge gives), with plausible arguments. */
const anyCommand: fc.Arbitrary<CommandSpec> = fc.oneof(
  ...[c(3, edit), c(4, submit), c(4, pickUp), c(3, assign), c(2, unassign), c(2, setState), c(2, reject), c(4, wait), c(3, cancelWait), c(5, addNote)],
  ...[c(4, sendEmail), c(8, resolve), c(3, reopen), c(2, cancel), c(2, reworkFrom), c(1, reworkActions), c(3, reset), c(2, launchAction), c(2, relaunch)],
  ...[c(3, launchCase), c(3, split)],
);
// What is usually done to each kind, so that stories get deep (flows complete, splits resolve).
const ticketCommand = fc.oneof(c(2, pickUp), c(3, split), c(2, launchCase), c(7, resolve), c(2, wait), c(2, addNote), c(3, sendEmail), c(1, submit), c(1, edit), c(1, reopen), c(1, cancelWait), c(1, assign));
const caseCommand = fc.oneof(c(2, pickUp), c(2, submit), c(2, reworkFrom), c(1, reworkActions), c(3, reset), c(2, launchAction), c(2, relaunch), c(3, resolve), c(1, cancel), c(1, wait), c(1, cancelWait), c(1, reopen), c(1, addNote), c(1, sendEmail));
const actionCommand = fc.oneof(c(8, finishAction), c(2, pickUp), c(1, wait), c(1, addNote), c(1, reject), c(1, assign));

const commandStep = (among: Target['among'], command: fc.Arbitrary<CommandSpec>) =>
  fc.record({ t: fc.constant('command' as const), target: fc.record({ among: fc.constant(among), i: index }), actor: actorKey, command });

const s = <T extends Step>(weight: number, arbitrary: fc.Arbitrary<T>) => ({ weight, arbitrary: arbitrary as fc.Arbitrary<Step> });
/** Mostly submitted with every field (else the API refuses it), sometimes a draft missing some. */
const createOf = (kind: fc.Arbitrary<'ticket' | 'case'>) =>
  fc.record({
    t: fc.constant('create' as const),
    kind,
    submit: fc.oneof({ arbitrary: fc.constant(true), weight: 3 }, { arbitrary: fc.constant(false), weight: 1 }),
    fields: fc.oneof({ arbitrary: fc.constant('all' as const), weight: 4 }, { arbitrary: fc.constantFrom('some' as const, 'none' as const), weight: 1 }),
    category: fc.oneof({ arbitrary: someCategory, weight: 5 }, { arbitrary: fc.constant('none' as const), weight: 1 }),
    process: processKey,
    by: fc.constantFrom('alice' as const, 'bob' as const, 'robbie' as const, 'hook' as const),
  });
const create = createOf(fc.constantFrom('ticket' as const, 'case' as const));
const importOf = (kind: fc.Arbitrary<'ticket' | 'case' | 'action'>) =>
  fc.record({
    t: fc.constant('import' as const),
    kind,
    status: fc.nat({ max: 20 }),
    complete: fc.boolean(),
    category,
    process: processKey,
    assignee: fc.option(resource, { nil: undefined }),
    untilMs: fc.constantFrom(3 * HOUR, -3 * HOUR, 2 * DAY),
    resolvedAgoMs: fc.constantFrom(HOUR, 10 * DAY),
  });
const anyStep = fc.record({ t: fc.constant('command' as const), target, actor: actorKey, command: anyCommand });
const settle = fc.constant({ t: 'settle' as const });
const advance = fc.record({ t: fc.constant('advance' as const), ms: fc.constantFrom(MINUTE, 30 * MINUTE, 3 * HOUR, 5 * HOUR, DAY, 2 * DAY, 6 * DAY) });
const email = (among: fc.Arbitrary<Target['among']>) => fc.record({ t: fc.constant('email' as const), target: fc.record({ among, i: index }), repeat: fc.oneof({ arbitrary: fc.constant(false), weight: 3 }, { arbitrary: fc.constant(true), weight: 1 }) });
const outgoing = fc.record({ t: fc.constant('outgoing' as const), i: fc.nat({ max: 10 }) });
const deliver = fc.record({ t: fc.constant('deliver' as const), i: fc.nat({ max: 10 }), keep: fc.boolean() });
const resend = fc.record({ t: fc.constant('resend' as const), i: fc.nat({ max: 40 }), toWaiting: fc.boolean() });
const merge = fc.record({ t: fc.constant('merge' as const), ticket: index, into: fc.option(target, { nil: undefined, freq: 8 }), actor: actorKey });
const reopenResolved = commandStep('resolved', fc.oneof(c(3, reopen), c(1, resolve), c(1, addNote)));

// Five flavours of story: a mix of everything, and four that dwell on tickets (splits, launched
// cases, merges, reopening), on cases (flows, attention, rework), on SLA clocks, or on tickets
// becoming other work again and again, to get deep in each.
const mixedStep: fc.Arbitrary<Step> = fc.oneof(
  s(8, create),
  s(16, anyStep),
  s(14, commandStep('ticket', ticketCommand)),
  s(9, commandStep('case', caseCommand)),
  s(12, commandStep('action', actionCommand)),
  s(10, settle),
  s(6, advance),
  s(5, email(fc.constantFrom('any' as const, 'resolved' as const))),
  s(2, reopenResolved),
  s(4, outgoing),
  s(4, deliver),
  s(2, resend),
  s(3, merge),
  s(3, importOf(fc.constantFrom('ticket' as const, 'case' as const, 'action' as const))),
);
const ticketStep: fc.Arbitrary<Step> = fc.oneof(
  s(6, createOf(fc.constant('ticket' as const))),
  s(35, commandStep('ticket', ticketCommand)),
  s(6, anyStep),
  s(8, commandStep('case', caseCommand)),
  s(8, commandStep('action', actionCommand)),
  s(12, settle),
  s(4, advance),
  s(8, email(fc.constantFrom('ticket' as const, 'resolved' as const))),
  s(8, reopenResolved),
  s(3, outgoing),
  s(3, deliver),
  s(6, resend),
  s(4, merge),
  s(2, importOf(fc.constant('ticket' as const))),
);
const caseStep: fc.Arbitrary<Step> = fc.oneof(
  s(6, createOf(fc.constant('case' as const))),
  s(25, commandStep('case', caseCommand)),
  s(25, commandStep('action', actionCommand)),
  s(6, anyStep),
  s(12, settle),
  s(4, advance),
  s(4, email(fc.constantFrom('case' as const, 'resolved' as const))),
  s(3, reopenResolved),
  s(4, outgoing),
  s(4, deliver),
  s(2, resend),
  s(2, importOf(fc.constantFrom('case' as const, 'action' as const))),
);
/** Tickets that become other work again and again (R31, R33): launched, split, resolved, reopened, with old notices resent. */
const otherWorkStep: fc.Arbitrary<Step> = fc.oneof(
  s(2, createOf(fc.constant('ticket' as const))),
  s(10, commandStep('ticket', fc.oneof(c(2, pickUp), c(4, split), c(4, launchCase), c(1, assign), c(1, cancelWait)))),
  s(4, commandStep('case', fc.oneof(c(3, cancel), c(1, pickUp)))),
  s(4, commandStep('ticket', fc.oneof(c(3, resolve), c(1, addNote)))),
  s(6, commandStep('action', finishAction)),
  s(8, settle),
  s(6, reopenResolved),
  s(6, resend),
);
/** SLA clocks (R36-R39): items under rules, the clock moving, waits, and the rule changed or removed. */
const slaCategory = fc.constantFrom('slaFast' as const, 'slaSlow' as const, 'slaFast' as const, 'lenient' as const);
const slaEdit = fc.record({ type: fc.constant('edit' as const), fields: fc.constant([] as FieldName[]), category: fc.constantFrom('remove' as const, 'slaFast' as const, 'slaSlow' as const, 'lenient' as const) });
const slaStep: fc.Arbitrary<Step> = fc.oneof(
  s(4, fc.record({ t: fc.constant('create' as const), kind: fc.constantFrom('ticket' as const, 'case' as const), submit: fc.constant(true), fields: fc.constant('all' as const), category: slaCategory, process: processKey, by: fc.constantFrom('alice' as const, 'bob' as const) })),
  s(10, commandStep('any', fc.oneof(c(6, slaEdit), c(2, pickUp), c(3, wait), c(2, cancelWait), c(2, resolve), c(2, reopen), c(1, addNote)))),
  s(10, advance),
  s(3, email(fc.constantFrom('any' as const, 'resolved' as const))),
  s(4, settle),
);
/** A story: a few items created, then anything. */
const storyOf = (step: fc.Arbitrary<Step>) => fc.tuple(fc.array(create, { minLength: 1, maxLength: 4 }), fc.array(step, { maxLength: MAX_STEPS, size: 'max' })).map(([first, rest]) => [...first, ...rest]);
const story = fc.oneof(storyOf(mixedStep), storyOf(ticketStep), storyOf(caseStep), storyOf(slaStep), storyOf(otherWorkStep));

// --- invariants ------------------------------------------------------------------------------------

interface Ctx {
  index: number;
  report: StepReport;
  before: World;
  after: World;
}

interface Invariant {
  id: string;
  /** The rule in the spec's words, shown when it breaks. */
  rule: string;
  /** What is wrong, or undefined. */
  check: (ctx: Ctx) => string | undefined;
}

/** A check of every change the step made (a change: one item, before and after, and why). */
const eachChange = (check: (change: Change, ctx: Ctx) => string | undefined) => (ctx: Ctx) => {
  for (const change of ctx.report.changes) {
    const broken = check(change, ctx);
    if (broken) return broken;
  }
  return undefined;
};

const DONE = ['resolved', 'closed'];
const isDone = (item: WorkItem | undefined) => item !== undefined && DONE.includes(item.state);
const WORK_WAITS = ['split', 'case_launched'];
const onWorkWait = (item: WorkItem | undefined) => item?.state === 'waiting' && WORK_WAITS.includes(item.wait?.type ?? '');
/** R43: a split or case_launched wait that came with the import (none started here since: the timeline would say so, R42). */
const importedWorkWait = (item: WorkItem | undefined) => item?.legacy !== undefined && onWorkWait(item) && !item.timeline.some((e) => e.type === 'wait_started');
const needsAttention = (item: WorkItem) => item.kind === 'case' && (item.flow?.attention !== undefined || item.importedAttention !== undefined);
const commandOf = (change: Change): Command | undefined => (change.cause.by === 'command' ? change.cause.command : undefined);
/** The item without what only the workflow's machinery changes (its outgoing notices) and its version. */
const essence = ({ version: _v, notices: _n, ...rest }: WorkItem) => rest;

const METHODS_OF: Record<WorkItem['kind'], ResolutionMethod[]> = {
  ticket: ['customer_communication', 'no_customer_response', 'rejected', 'rejected_spam', 'rejected_unknown_address', 'merged', 'split_completed'],
  // How an action of a cancelled case, or one withdrawn by a rework, closes: the spec names
  // `withdrawn` (R29) and is silent on cancellation (the code says `cancelled`).
  action: ['complete', 'unable_to_complete', 'withdrawn' as ResolutionMethod, 'cancelled'],
  case: ['complete', 'cancelled'],
};

const INVARIANTS: Invariant[] = [
  {
    id: 'inv1',
    rule: 'A refused command changes nothing, on any item it names (R5, R22: "nothing changes"; R30: a refused merge leaves both items as they were)',
    check: ({ report, before, after }) => {
      if (report.outcome !== 'refused') return undefined;
      for (const ref of report.named) {
        const b = before.items.get(ref);
        const a = after.items.get(ref);
        if (!isDeepStrictEqual(b, a)) return `${ref} changed although the step was refused (${report.refusal}): ${diff(b, a)}`;
      }
      return undefined;
    },
  },
  {
    id: 'inv2',
    rule: 'R2, R3: an item in_progress has an assignee (a resource is working on it)',
    check: eachChange(({ after: a }) => (a.state === 'in_progress' && !a.assignee ? `${brief(a)} is in_progress with no assignee` : undefined)),
  },
  {
    id: 'inv3',
    rule: 'R5, R8: an item past draft (not imported, R43) has every field submitting asks for (ticket: title, description, category, primary contact, requester; case: short description)',
    // Decided: a ticket born of a split and a case launched by a ticket or a start_case action are
    // submitted by the system, and the spec gives them what R5 asks for: a split's ticket gets its
    // title and description from the split and "takes the split ticket's category, contacts ...
    // unless given" (R31, api.md), so it is held to title, description and whichever of category,
    // primary contact and requester the split ticket had (an imported one may lack them, R43); a
    // launched case has the short description launch-case asks for. Actions are exempt (born from
    // cases, R4). A draft resolved as it is (R8) never passed R5 and is not checked.
    check: eachChange(({ after: a }, { after }) => {
      if (a.kind === 'action' || a.legacy) return undefined;
      const past = ['todo', 'in_progress', 'waiting'].includes(a.state) || (isDone(a) && a.submittedAt !== undefined);
      if (!past) return undefined;
      const from = after.splitFrom.get(a.ref);
      const inherited = from ? (['category', 'primaryContact', 'requester'] as const).filter((f) => (f === 'category' ? from.category : from.fields[f])) : ['category', 'primaryContact', 'requester'];
      const required = a.kind === 'case' ? ['shortDescription'] : ['title', 'description', ...inherited];
      const missing = required.filter((f) => (f === 'category' ? !a.category : !String(a.fields[f as FieldName] ?? '').trim()));
      return missing.length ? `${brief(a)} lacks ${missing.join(', ')}${from ? ` (split from ${from.ref})` : ''}` : undefined;
    }),
  },
  {
    id: 'inv4',
    rule: 'R39: the breach of the resolution clock is recorded once on the timeline, even when the rule changes',
    check: eachChange(({ before: b, after: a }) => {
      const resolutionBreaches = (x: WorkItem) => x.timeline.filter((e) => e.type === 'sla_breached' && e.clock === undefined);
      const breaches = resolutionBreaches(a);
      return breaches.length > 1 && breaches.length > (b ? resolutionBreaches(b).length : 0)
        ? `${a.ref} recorded sla_breached ${breaches.length} times (seqs ${breaches.map((e) => e.seq).join(', ')}); its category now ${a.category?.id ?? 'none'}`
        : undefined;
    }),
  },
  {
    id: 'inv4b',
    rule: 'R44, R39: a response clock ends once an email goes out after its start, or the item resolves; first_response breaches at most once, and only before it ended',
    check: eachChange(({ after: a }) => {
      for (const name of ['first_response', 'next_response'] as const) {
        const clock = a.clocks?.[name];
        if (!clock || clock.removedAt) continue; // a removed clock is kept, inert, until its rule returns
        const answered = a.lastEmailOutAt !== undefined && (name === 'first_response' ? a.lastEmailOutAt >= clock.startedAt : a.lastEmailOutAt > clock.startedAt);
        if (!clock.endedBy && (answered || a.state === 'resolved' || a.state === 'closed')) return `${brief(a)} ${name} still runs (answered ${answered}, state ${a.state})`;
        if (clock.breachedAt && clock.frozenAt && clock.breachedAt > clock.frozenAt) return `${brief(a)} ${name} breached at ${clock.breachedAt}, after it ended at ${clock.frozenAt}`;
      }
      const firstBreaches = a.timeline.filter((e) => e.type === 'sla_breached' && e.clock === 'first_response').length;
      return firstBreaches > 1 ? `${brief(a)} recorded ${firstBreaches} first_response breaches` : undefined;
    }),
  },
  {
    id: 'inv5',
    rule: 'R2, R21: closed is final: a closed item never changes state again and takes no command',
    check: eachChange((change) => {
      const { before: b, after: a } = change;
      if (b?.state !== 'closed') return undefined;
      if (change.cause.by === 'command') return `closed ${a.ref} accepted ${change.cause.command.type}: ${diff(b, a)}`;
      const sig = (x: WorkItem) => ({ state: x.state, method: x.resolutionMethod, assignee: x.assignee, wait: x.wait, closedAt: x.closedAt, timelineLength: x.timelineLength, fields: x.fields });
      return isDeepStrictEqual(sig(b), sig(a)) ? undefined : `closed ${a.ref} changed: ${diff(b, a)}`;
    }),
  },
  {
    id: 'inv6',
    rule: 'R19, R26, R29: a case resolves `complete` only when every stage ran and the latest copy of each of its actions is closed complete, or failed and accepted by a reset, or withdrawn; and nothing is left to launch',
    check: eachChange(({ before: b, after: a }, { after }) => {
      if (a.kind !== 'case' || !isDone(a) || a.resolutionMethod !== 'complete' || (isDone(b) && b!.resolutionMethod === 'complete')) return undefined;
      const flow = a.flow;
      if (!flow) return undefined; // a draft resolved as it is (R8), or an imported case: no flow
      const stages = after.processOf.get(a.ref)?.stages.length ?? (flow.stageIndex ?? 0) + 1;
      if (flow.pending.length) return `${brief(a)} resolved complete with ${flow.pending.length} launch(es) pending (${flow.pending.map((p) => p.name).join(', ')})`;
      for (let stage = 0; stage < stages; stage++) {
        const latest = new Map<string, (typeof flow.actions)[number]>();
        for (const action of flow.actions) if (action.stageIndex === stage) latest.set(action.name.trim().toLowerCase(), action);
        if (latest.size === 0) return `${brief(a)} resolved complete but stage ${stage} never ran (flow at stage ${flow.stageIndex}, complete: ${flow.complete})`;
        for (const action of latest.values()) {
          const m = action.resolutionMethod as string | undefined;
          const finished = action.state === 'closed' && (m === 'complete' || m === 'withdrawn' || (m === 'unable_to_complete' && action.accepted === true));
          if (!finished) return `${brief(a)} resolved complete but action ${action.ref} (${action.name}, stage ${stage}) is ${action.state}${m ? ` ${m}` : ''}${action.accepted ? ' accepted' : ''}`;
        }
      }
      return undefined;
    }),
  },
  {
    id: 'inv7',
    rule: 'R31: a split ticket resolves split_completed only once every ticket of its current split has resolved (parts of an earlier split do not count)',
    check: eachChange(({ before: b, after: a }, { after }) => {
      if (!b || a.kind !== 'ticket' || a.resolutionMethod !== 'split_completed' || b.resolutionMethod === 'split_completed') return undefined;
      const split = after.splits.get(a.ref);
      if (!split) return `${brief(a)} resolved split_completed but was never split`;
      const unresolved = split.started.filter((r) => !after.everResolved.has(r));
      if (split.started.length < split.expected || unresolved.length) {
        const parts = split.started.map((r) => `${r} ${after.items.get(r)?.state}`).join(', ');
        return `${brief(a)} resolved split_completed; its current split asked for ${split.expected} tickets, started [${parts}], never resolved: [${unresolved.join(', ')}]`;
      }
      return undefined;
    }),
  },
  {
    id: 'inv8',
    rule: 'R12, R31, R33, R43: a wait on other work (split, case_launched) ends only by that work (its tickets or its case resolving), or, when the wait came with an import, by cancel-wait',
    check: eachChange((change, { before }) => {
      const { before: b, after: a, cause } = change;
      if (!onWorkWait(b) || (a.state === 'waiting' && a.wait?.type === b!.wait!.type)) return undefined;
      const type = b!.wait!.type;
      if (cause.by === 'command' && cause.command.type === 'cancelWait' && importedWorkWait(b)) return undefined;
      if (cause.by === 'notice' && cause.notice.type === 'childChanged' && isDone(a)) {
        const work = type === 'split' ? (before.splits.get(a.ref)?.started ?? []) : [b!.startedCase?.ref];
        if (work.includes(cause.notice.ref)) return undefined;
      }
      return `${a.ref}'s ${type} wait ended by ${causeText(change)}: now ${brief(a)}`;
    }),
  },
  {
    id: 'inv9',
    rule: 'R42, choices ("version"): version rises by exactly one per change that changes anything (none on a refusal or a no-op; a timer may apply several deadlines); timeline seqs run 1..timelineLength',
    check: eachChange((change) => {
      const { before: b, after: a } = change;
      if (a.timeline.length !== a.timelineLength) return `${a.ref} has ${a.timeline.length} timeline entries but timelineLength ${a.timelineLength}`;
      const gap = a.timeline.findIndex((e, i) => e.seq !== i + 1);
      if (gap >= 0) return `${a.ref}'s timeline entry #${gap} has seq ${a.timeline[gap].seq}, not ${gap + 1}`;
      if (!b) return a.version === 1 ? undefined : `${a.ref} was born at version ${a.version}, not 1`;
      const rise = a.version - b.version;
      if (isDeepStrictEqual(essence(b), essence(a))) return rise === 0 ? undefined : `${a.ref}: version ${b.version} -> ${a.version} though nothing changed (${causeText(change)})`;
      if (change.cause.by === 'timer') return rise >= 1 ? undefined : `${a.ref}: a deadline changed it but version went ${b.version} -> ${a.version}`;
      return rise === 1 ? undefined : `${a.ref}: version ${b.version} -> ${a.version} in one change (${causeText(change)}): ${diff(b, a)}`;
    }),
  },
  {
    id: 'R2-wait',
    rule: 'R2, R14: an item is waiting exactly when it has a wait (and says why)',
    check: eachChange(({ after: a }) => ((a.state === 'waiting') !== (a.wait !== undefined) ? `${brief(a)} has wait ${JSON.stringify(a.wait)}` : undefined)),
  },
  {
    id: 'R3',
    rule: 'R3 (api.md, "Callers": integrations are "never assignees"): an item is never assigned to an integration identity',
    check: eachChange((change) => {
      const a = change.after;
      return a.assignee === ACTORS.hook.id ? `${brief(a)} is assigned to integration ${a.assignee} (${causeText(change)})` : undefined;
    }),
  },
  {
    id: 'R4',
    rule: 'R4: an action never has a draft',
    check: eachChange(({ after: a }) => (a.kind === 'action' && a.state === 'draft' ? `${brief(a)} is a draft` : undefined)),
  },
  {
    id: 'R8',
    rule: 'R8: reopened, an item that was never submitted goes back to draft, assigned (to whoever reopened it, or its creator)',
    check: eachChange((change) => {
      const { before: b, after: a } = change;
      if (b?.state !== 'resolved' || isDone(a) || b.submittedAt !== undefined) return undefined;
      // Silent when neither who reopened it nor its creator is a human or robot (an email, an admin,
      // an integration: R3's resources are humans and robots): then nobody is required.
      const creator = b.timeline.find((e) => e.type === 'created')?.by;
      const reopener = change.cause.by === 'command' ? change.cause.actor : undefined;
      const isResource = (id: string | undefined) => Object.values(ACTORS).some((x) => x.id === id && (x.kind === 'human' || x.kind === 'robot'));
      const nobody = !(reopener && isResource(reopener.id)) && !isResource(creator as string | undefined);
      return a.state === 'draft' && (a.assignee || nobody) ? undefined : `never-submitted ${a.ref} reopened (${causeText(change)}) to ${brief(a)}`;
    }),
  },
  {
    id: 'R10',
    rule: "R10: a supervisor's update (a note, an email, an edit) of an item assigned to someone else changes neither its state nor its assignee",
    check: eachChange((change) => {
      const { before: b, after: a, cause } = change;
      if (!b || cause.by !== 'command' || !b.assignee || b.assignee === cause.actor.id) return undefined;
      const update = cause.command.type === 'addNote' || cause.command.type === 'edit' || (cause.command.type === 'sendEmail' && !cause.command.resolve);
      if (!update) return undefined;
      return a.state === b.state && a.assignee === b.assignee ? undefined : `${cause.actor.id}'s ${cause.command.type} on ${b.ref} (${b.state}, assigned to ${b.assignee}) made it ${a.state}, assigned to ${a.assignee ?? 'nobody'}`;
    }),
  },
  {
    id: 'R12',
    rule: 'R12: (un)assigning sets the state back to todo; a wait on other work (split, case_launched) is kept',
    check: eachChange((change) => {
      const { before: b, after: a } = change;
      const type = commandOf(change)?.type;
      if (!b || (type !== 'assign' && type !== 'unassign')) return undefined;
      if (onWorkWait(b)) return a.state === 'waiting' && a.wait?.type === b.wait!.type ? undefined : `${type} of ${b.ref} waiting on ${b.wait!.type} made it ${brief(a)}`;
      return a.state === 'todo' ? undefined : `${type} of ${b.ref} (${b.state}) left it ${brief(a)}`;
    }),
  },
  {
    id: 'R13',
    rule: 'R13: an item marked as needing a human is never taken by a robot: not assigned to one, not picked up or resolved by one',
    check: eachChange((change) => {
      const { before: b, after: a, cause } = change;
      if (a.needsHuman && a.assignee === 'robbie') return `${brief(a)} needs a human but is assigned to robot robbie (${causeText(change)})`;
      if (!b?.needsHuman || cause.by !== 'command' || cause.actor.kind !== 'robot') return undefined;
      if (isDone(a) && !isDone(b)) return `robot ${cause.actor.id} resolved ${a.ref}, which needs a human (${cause.command.type}): ${brief(a)}`;
      if (a.state === 'in_progress' && b.state !== 'in_progress') return `robot ${cause.actor.id} took ${a.ref}, which needs a human, into in_progress (${cause.command.type})`;
      return undefined;
    }),
  },
  {
    id: 'R15',
    rule: 'R15: the highlight clears when the owner next acts on the item',
    check: eachChange((change) => {
      const { before: b, after: a, cause } = change;
      if (!b || cause.by !== 'command' || cause.actor.id !== b.assignee || cause.command.type === 'reopen' || cause.command.type === 'takeMerged') return undefined;
      return a.highlighted ? `owner ${cause.actor.id}'s ${cause.command.type} left ${brief(a)} highlighted` : undefined;
    }),
  },
  {
    id: 'R18',
    rule: 'R18: cancel-wait makes the item in_progress again, not highlighted (a case that still needs attention goes back to todo, R29)',
    check: eachChange((change) => {
      const a = change.after;
      if (commandOf(change)?.type !== 'cancelWait') return undefined;
      if (needsAttention(a) && a.state === 'todo' && !a.wait) return undefined;
      return a.state === 'in_progress' && !a.wait && !a.highlighted ? undefined : `cancel-wait left ${brief(a)}`;
    }),
  },
  {
    id: 'R19',
    rule: 'R19: an item is resolved only with a method of its kind',
    check: eachChange(({ after: a }) => (a.resolutionMethod && !METHODS_OF[a.kind].includes(a.resolutionMethod) ? `${brief(a)} resolved as ${a.resolutionMethod}` : undefined)),
  },
  {
    id: 'R20-R25',
    rule: 'R20, R25: rejected_spam, rejected_unknown_address and a cancelled case close at once; an action resolves straight to closed',
    check: eachChange(({ after: a }) => {
      if (a.state !== 'resolved') return undefined;
      if (a.kind === 'action') return `action ${brief(a)} is resolved, not closed`;
      return ['rejected_spam', 'rejected_unknown_address', 'cancelled'].includes(a.resolutionMethod ?? '') ? `${brief(a)} is resolved, not closed` : undefined;
    }),
  },
  {
    id: 'R21',
    rule: 'R21: reopened, a (submitted) item returns to its assignee in_progress, or to todo if it has none, highlighted (a case that still needs attention to todo, R29)',
    check: eachChange((change) => {
      const { before: b, after: a } = change;
      if (b?.state !== 'resolved' || isDone(a) || b.submittedAt === undefined) return undefined;
      const expected = b.assignee && !needsAttention(a) ? 'in_progress' : 'todo';
      return a.state === expected && a.highlighted ? undefined : `${b.ref} (assignee ${b.assignee ?? 'none'}) reopened (${causeText(change)}) to ${brief(a)}`;
    }),
  },
  {
    id: 'R22',
    rule: 'R22, R23: with a category that requires resolution communication, resolving by hand needs a resolution note or email, tagged isResolution',
    check: eachChange((change) => {
      const { before: b, after: a } = change;
      const command = commandOf(change);
      const byHand = command?.type === 'resolve' || (command?.type === 'sendEmail' && command.resolve === true);
      if (!b || !byHand || isDone(b) || !isDone(a) || !a.category?.requireResolutionCommunication) return undefined;
      // Methods that need no communication (choices: rejecting spam), those of the system, and cancelling a case.
      if (['rejected_spam', 'rejected_unknown_address', 'merged', 'split_completed', 'cancelled'].includes(a.resolutionMethod ?? '')) return undefined;
      const since = Math.max(0, ...a.timeline.filter((e) => e.type === 'reopened').map((e) => e.seq));
      const tagged = a.timeline.some((e) => e.seq > since && (e.type === 'note' || e.type === 'email_out') && e.isResolution === true);
      return tagged ? undefined : `${brief(a)} resolved as ${a.resolutionMethod} in category ${a.category.id} with no resolution communication tagged`;
    }),
  },
  {
    id: 'R29-attention',
    rule: 'R29: a case that needs attention is in todo (with the reason) until its owner acts on the problem (reset, rework, launch); an update such as a note does not make it in_progress',
    // Left out: rework and launching by hand (the spec does not say whether the case is in progress
    // meanwhile), and a state change by hand (pickUp, setState: R11 allows todo -> in_progress).
    check: eachChange((change) => {
      const { before: b, after: a } = change;
      const type = commandOf(change)?.type ?? '';
      if (!needsAttention(a) || a.state !== 'in_progress' || (b && needsAttention(b) && b.state === 'in_progress')) return undefined;
      if (['rework', 'launchAction', 'pickUp', 'setState'].includes(type)) return undefined;
      return `${brief(a)} is in_progress while it still needs attention (${JSON.stringify(a.flow?.attention ?? a.importedAttention)}), after ${causeText(change)}`;
    }),
  },
  {
    id: 'R29-withdraw',
    rule: 'R29: rework from an earlier stage withdraws the actions of later stages that are still open (closed `withdrawn`), and tells each of them',
    check: eachChange((change) => {
      const command = commandOf(change);
      const { before: b, after: a } = change;
      if (command?.type !== 'rework' || !('fromStage' in command) || !b?.flow || !a.flow) return undefined;
      const wasOpen = b.flow.actions.filter((x) => x.state === 'open' && x.stageIndex > command.fromStage);
      const stillOpen = wasOpen.filter((x) => a.flow!.actions.find((y) => y.ref === x.ref)?.state !== 'closed');
      if (stillOpen.length) return `${brief(a)} reworked from stage ${command.fromStage} leaves ${stillOpen.map((x) => `${x.ref} (stage ${x.stageIndex})`).join(', ')} open`;
      const untold = wasOpen.filter((x) => !(a.notices ?? []).some((n) => n.to === x.ref));
      return untold.length ? `${brief(a)} reworked from stage ${command.fromStage} does not tell ${untold.map((x) => x.ref).join(', ')} to close` : undefined;
    }),
  },
  {
    id: 'R32',
    rule: 'R32: work created from other work links both ways: the item that started it lists it',
    check: ({ after }) => {
      for (const item of after.items.values()) {
        const parent = item.parentRef ? after.items.get(item.parentRef) : undefined;
        if (parent && !parent.childRefs.includes(item.ref)) return `${item.ref} names ${parent.ref} as its parent, but ${parent.ref}'s childRefs are [${parent.childRefs.join(', ')}]`;
      }
      return undefined;
    },
  },
  {
    id: 'R34-notice',
    rule: 'R32 (notices): a notice delivered again changes nothing (the receiver ignores a repeat)',
    check: eachChange((change) => {
      const { before: b, after: a, cause } = change;
      if (cause.by !== 'notice' || !cause.repeat || !cause.effectiveBefore || !b || isDeepStrictEqual(essence(b), essence(a))) return undefined;
      return `notice #${cause.id} ${describeNotice(cause.notice)} delivered again changed ${a.ref}: ${diff(b, a)}`;
    }),
  },
  {
    id: 'timers',
    rule: 'R16, R17, R21, R39: a deadline that has passed is taken when its timer fires (else the timer fires forever)',
    check: ({ report }) => (report.stuckDeadline ? `${report.stuckDeadline.ref}'s deadline ${new Date(report.stuckDeadline.at).toISOString()} is still due after onDeadline` : undefined),
  },
  {
    id: 'R28-probe',
    rule: 'R28, R29: on a case in progress or needing attention, its owner can launch an action by hand; a case whose flow completed can still be reworked',
    check: ({ report, after }) => {
      for (const ref of new Set(report.changes.map((ch) => ch.ref))) {
        const item = after.items.get(ref)!;
        const running = item.kind === 'case' && !item.legacy && item.flow?.stageIndex !== undefined;
        if (!running || !(item.state === 'in_progress' || (item.state === 'todo' && item.flow!.attention))) continue;
        const owner = actorFor('owner', item);
        if (owner.kind === 'integration') continue; // not a resource: R3 says what is wrong
        const probes: Command[] = [{ type: 'launchAction', action: { type: 'task', name: 'Probe action' } }];
        if (item.flow!.complete && item.state === 'in_progress') probes.push({ type: 'rework', fromStage: 0 });
        for (const probe of probes) {
          const refusal = refusalOf(() => applyCommand(item, owner, probe, new Date(after.now), { process: after.processOf.get(ref) }));
          if (refusal) return `${brief(item)} (flow stage ${item.flow!.stageIndex}, complete: ${item.flow!.complete}) refuses its owner's ${probe.type}: ${refusal}`;
        }
      }
      return undefined;
    },
  },
  {
    id: 'R43-probe',
    rule: 'R43: an imported wait on work that has no counterpart here (split, case_launched) is ended by its owner with cancel-wait',
    check: ({ report, after }) => {
      for (const ref of new Set(report.changes.map((ch) => ch.ref))) {
        const item = after.items.get(ref)!;
        if (!importedWorkWait(item)) continue;
        const refusal = refusalOf(() => applyCommand(item, actorFor('owner', item), { type: 'cancelWait' }, new Date(after.now)));
        if (refusal) return `imported ${brief(item)} refuses its owner's cancel-wait: ${refusal}`;
      }
      return undefined;
    },
  },
];

// --- the property ----------------------------------------------------------------------------------

it('R2-R5, R8, R10, R12-R23, R25, R26, R28-R33, R39, R42, R43: the invariants hold after every step of random stories of tickets, cases and actions', { timeout: Math.max(60_000, NUM_RUNS * 1_000) }, () => {
  const checked = INVARIANTS.filter((inv) => !SKIP.has(inv.id) && (ONLY.size === 0 || ONLY.has(inv.id)));
  expect(checked.length).toBeGreaterThan(0);
  fc.assert(
    fc.property(story, (steps) => {
      let world = emptyWorld();
      const trace: string[] = [];
      steps.forEach((st, index) => {
        let result: { world: World; report: StepReport };
        try {
          result = runStep(world, st);
        } catch (error) {
          throw new Error(`[crash] step #${index} ${JSON.stringify(st)} threw (not a Refusal): ${(error as Error).stack ?? String(error)}\n${played(trace)}`);
        }
        const { report } = result;
        trace.push(`#${index} ${report.summary} [${report.outcome}${report.refusal ? `: ${report.refusal}` : ''}]`);
        const ctx: Ctx = { index, report, before: world, after: result.world };
        const broken = checked.flatMap((inv) => {
          const what = inv.check(ctx);
          return what ? [`[${inv.id}] ${inv.rule}\n    ${what}`] : [];
        });
        if (broken.length) throw new Error(`Invariant broken at step #${index} (${report.summary}):\n  ${broken.join('\n  ')}\n${played(trace)}`);
        world = result.world;
      });
    }),
    { numRuns: NUM_RUNS, ...(SEED !== undefined ? { seed: SEED } : {}), ...(PATH ? { path: PATH } : {}), includeErrorInReport: true },
  );
});

// --- helpers for the messages ----------------------------------------------------------------------

function played(trace: string[]): string {
  const shown = trace.length > 40 ? ['...', ...trace.slice(-40)] : trace;
  return `Steps played:\n    ${shown.join('\n    ')}`;
}

/** An item in one line: what the invariants talk about. */
function brief(item: WorkItem): string {
  const parts = [`${item.ref} ${item.kind} ${item.state}`];
  if (item.wait) parts.push(`wait:${item.wait.type}`);
  if (item.resolutionMethod) parts.push(`method:${item.resolutionMethod}`);
  parts.push(`assignee:${item.assignee ?? '-'}`);
  if (item.highlighted) parts.push('highlighted');
  if (item.needsHuman) parts.push('needsHuman');
  if (item.legacy) parts.push(`imported(${item.legacy.status})`);
  if (item.flow) parts.push(`flow:stage ${item.flow.stageIndex}${item.flow.complete ? ' complete' : ''}${item.flow.attention ? ` attention(${item.flow.attention.actionRef})` : ''}`);
  parts.push(`v${item.version}`);
  return `[${parts.join(' ')}]`;
}

function causeText(change: Change): string {
  const cause = change.cause;
  switch (cause.by) {
    case 'command':
      return `${cause.command.type} by ${cause.actor.id}`;
    case 'notice':
      return `notice #${cause.id} ${describeNotice(cause.notice)}${cause.repeat ? ' (again)' : ''}`;
    case 'email':
      return `email ${cause.messageId} (${cause.outcome})`;
    case 'timer':
      return `timer at ${new Date(cause.at).toISOString()}`;
    default:
      return cause.by;
  }
}

/** The top-level fields that differ, with their values (cut short). */
function diff(before: WorkItem | undefined, after: WorkItem | undefined): string {
  if (!before || !after) return `${before ? 'present' : 'absent'} -> ${after ? 'present' : 'absent'}`;
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  const shown = [...keys]
    .filter((k) => k !== 'timeline' && !isDeepStrictEqual((before as never)[k], (after as never)[k]))
    .map((k) => `${k}: ${cut(JSON.stringify((before as never)[k]))} -> ${cut(JSON.stringify((after as never)[k]))}`);
  const added = after.timeline.filter((e) => !before.timeline.some((x) => x.seq === e.seq)).map((e) => e.type);
  if (added.length) shown.push(`new entries: ${added.join(', ')}`);
  return shown.join('; ') || 'no visible difference';
}

function cut(text: string | undefined): string {
  if (text === undefined) return 'undefined';
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function refusalOf(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (error) {
    if (error instanceof Refusal) return `${error.code}: ${error.message}`;
    throw error;
  }
}
