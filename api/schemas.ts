// The request and response schemas: zod validates requests, and the same schemas generate
// the OpenAPI document.

import { extendZodWithOpenApi } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { DURATION_PATTERN, parseDurationMs } from '../workflows/domain/item/duration.js';
import { CLOCK_NAMES } from '../workflows/domain/sla/response-clocks.js';
import {
  ENTRY_TYPES,
  KINDS,
  RESOLUTION_METHODS,
  STATES,
  WAIT_END_REASONS,
  WAIT_TYPES,
  type TimelineEntry as DomainTimelineEntry,
  type WaitType,
  type WorkItemSummary as DomainSummary,
} from '../workflows/domain/item/types.js';
import type { MappedStatus as DomainMappedStatus } from '../workflows/domain/legacy/status-mapping.js';
import type { CaseActionView as DomainCaseActionView, WireWorkItemView } from '../workflows/domain/item/view.js';

extendZodWithOpenApi(z);

// --- the wire agrees with the domain (checked by tsc) --------------------------------------------
//
// A response schema that restates a domain type is checked against it at compile time: below
// each such schema, `type _ = Agrees<Agreement<typeof Schema, DomainType>>` fails `tsc`, naming
// the fields, unless
//   1. both have the same fields at every depth (objects, arrays' elements; index signatures
//      aside): a field added to or dropped from either side alone fails;
//   2. every value of the domain type is valid input of the schema (optional where the domain's
//      is, every enum member the domain's has);
//   3. what the schema parses is a value of the domain type (no plain string for an enum, no
//      optional field the domain requires).
// (Kinds, states and wait types are spelled once, as KINDS, STATES and WAIT_TYPES in
// workflows/domain/item/types.ts: schemas use z.enum of those, or a subset of them by
// .extract/.exclude, whose words tsc checks against the list.)

/** The named fields of T (an index signature, as TimelineEntry's, aside). */
type NamedKeys<T> = keyof { [K in keyof T as string extends K ? never : number extends K ? never : K]: 0 };
/** Every field of T at every depth, as a path: `sla.dueAt`, `actions[].state`. */
type FieldPaths<T, At extends string = ''> = T extends readonly (infer E)[]
  ? FieldPaths<NonNullable<E>, `${At}[]`>
  : T extends object
    ? { [K in NamedKeys<T> & string]: Join<At, K> | FieldPaths<NonNullable<T[K & keyof T]>, Join<At, K>> }[NamedKeys<T> & string]
    : never;
type Join<At extends string, K extends string> = At extends '' ? K : `${At}.${K}`;
/** The fields of A whose type is not assignable to B's. */
type Disagreeing<A, B> = { [K in keyof A & keyof B]-?: [A[K]] extends [B[K]] ? never : K }[keyof A & keyof B];

/** `true` when the schema S describes exactly the domain type T; else what is wrong (see above). */
export type Agreement<S extends z.ZodType, T> =
  [Exclude<FieldPaths<T>, FieldPaths<z.output<S>>>] extends [never]
    ? [Exclude<FieldPaths<z.output<S>>, FieldPaths<T>>] extends [never]
      ? [T] extends [z.input<S>]
        ? [z.output<S>] extends [T]
          ? true
          : { schemaParsesWhatTheDomainTypeIsNot: Disagreeing<z.output<S>, T> }
        : { domainValuesTheSchemaRefuses: Disagreeing<T, z.input<S>> }
      : { fieldsTheDomainTypeLacks: Exclude<FieldPaths<z.output<S>>, FieldPaths<T>> }
    : { fieldsTheSchemaLacks: Exclude<FieldPaths<T>, FieldPaths<z.output<S>>> };
/** Compiles only when its argument is `true` (an Agreement that holds). */
type Agrees<Holds extends true> = Holds;

/** Text with something in it besides whitespace (stored trimmed). */
const text = z.string().regex(/\S/, 'must not be blank').trim();
const optionalText = text.max(100_000).optional();
/**
 * The longest note (or reason) and outbound email body an item takes, in characters. Each stays
 * in the item's Temporal state and history, so they are bounded (docs/api.md, "Limits").
 */
export const NOTE_MAX_CHARS = 20_000;
export const EMAIL_BODY_MAX_CHARS = 100_000;
const id = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._@-]{0,127}$/, 'use letters, digits, . _ @ - (at most 128)');
/** The longest duration anything takes (a wait, a feedback window, an SLA target): ten years. */
const MAX_DURATION_MS = 3650 * 86_400_000;
export const duration = z
  .string()
  .regex(DURATION_PATTERN, 'an ISO-8601 duration in weeks, days, hours, minutes or seconds, e.g. P3D, PT90M, PT2S')
  .refine((d) => (parseDurationMs(d) ?? Infinity) <= MAX_DURATION_MS, 'at most ten years (P3650D)')
  .openapi({ example: 'P3D' });
const isoInstant = z.iso.datetime({ offset: true });
/** `a@b.org`, or with a display name, `Ann <a@b.org>`. */
const email = z
  .string()
  .max(320)
  .regex(/^[^\r\n\0]*$/, 'one line: a line break in an address would start a mail header of its own')
  .regex(/^(?:[^<>]*<[^\s@<>]+@[^\s@<>]+>|[^\s@<>]+@[^\s@<>]+)$/, 'an email address, e.g. ann@example.com or Ann <ann@example.com>')
  .openapi({ example: 'ann@example.com' });

/** A work item's reference, which is also its workflow id (R1). */
export const Ref = z.string().regex(/^[TCA]-\d{6,12}$/, 'a work item reference such as T-000123').openapi({ example: 'T-000123' });
const mailboxAddress = z
  .string()
  .max(320)
  .regex(/^[^\s@<>"]+@[^\s@<>"]+$/, 'an email address such as desk@example.com')
  .openapi({ example: 'desk@example.com' });

/** Every path parameter's schema, by name: a malformed one is a 400 naming it. */
const deliveryId = z.string().regex(/^[1-9]\d{0,17}$/, 'a delivery id from GET /v1/webhooks/{id}/deliveries');
export const PATH_PARAMS = { ref: Ref, id, address: mailboxAddress, queue: id, delivery: deliveryId } as const;

/** Printable ASCII, as HTTP header values are; at most 200 characters. */
export const IdempotencyKey = z
  .string()
  .regex(/^[\x21-\x7e]{1,200}$/, 'printable ASCII without spaces, 1 to 200 characters')
  .openapi({ description: 'A repeat with the same key returns the first response and changes nothing more.' });

/** What a caller or a mailbox starts: a ticket or a case (a case launches its actions). */
const creatableKind = z.enum(KINDS).exclude(['action']);

export const ErrorBody = z
  .object({ error: z.string(), message: z.string() })
  .catchall(z.unknown())
  .openapi('Error');

// --- configuration ----------------------------------------------------------------------------

export const ResourceCreate = z
  .object({
    id,
    name: text,
    kind: z.enum(['human', 'robot', 'integration']),
    roles: z.array(z.enum(['supervisor'])).optional(),
    queues: z.array(id).optional(),
    email: email.optional(),
  })
  .strict()
  .openapi('ResourceCreate');
export const ResourceCreated = z.object({ id: z.string(), token: z.string() }).openapi('ResourceCreated');
export const ResourceView = z
  .object({
    id: z.string(),
    name: z.string(),
    kind: z.enum(['human', 'robot', 'integration']),
    roles: z.array(z.string()),
    queues: z.array(z.string()),
    email: z.string().optional(),
    active: z.boolean(),
    audit: z.array(z.object({ action: z.enum(['created', 'token_rotated', 'deactivated']), by: z.string(), at: z.string() })),
  })
  .openapi('Resource');

/** One SLA clock's rule (R36, R37, R44). */
export const SlaRulePut = z
  .object({
    target: duration.refine((d) => (parseDurationMs(d) ?? 0) > 0, 'a target longer than zero'),
    calendarId: id.optional(),
    addWaitingTime: z.boolean().optional(),
    stopOn: z.array(z.enum(WAIT_TYPES).extract(['pause', 'more_info', 'until'])).optional(),
    atRiskShare: z.number().gt(0).max(1).optional(),
  })
  .strict()
  .openapi('SlaRule');

export const CategoryPut = z
  .object({
    name: text,
    requireResolutionCommunication: z.boolean().optional(),
    feedbackWindow: duration.optional(),
    sla: SlaRulePut.optional(),
    slas: z
      .object({ first_response: SlaRulePut.optional(), next_response: SlaRulePut.optional() })
      .strict()
      .optional()
      .openapi({ description: 'R44: the response clocks, each with its own target, calendar and stop rules (`sla` is the resolution clock)' }),
    launchedCaseResolution: z
      .enum(RESOLUTION_METHODS)
      .extract(['customer_communication', 'no_customer_response', 'rejected'])
      .optional()
      .openapi({ description: 'R33: how a ticket resolves when the case it launched resolves (default customer_communication)' }),
  })
  .strict()
  .openapi('Category');
export const CategoryView = CategoryPut.extend({ id: z.string() }).strict().openapi('CategoryView');

const clockTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$|^24:00$/, 'a time of day, HH:MM (24:00 ends a day)');
const span = z.tuple([clockTime, clockTime]);
/** One span ["09:00","17:00"] or several [["09:00","12:00"],["13:00","17:00"]]; stored as a list. */
const daySpans = z.union([span.transform((s) => [s]), z.array(span)]);
export const CalendarPut = z
  .object({
    timezone: z.string().min(1),
    workingHours: z
      .object({ mon: daySpans, tue: daySpans, wed: daySpans, thu: daySpans, fri: daySpans, sat: daySpans, sun: daySpans })
      .partial()
      .strict(),
    holidays: z.array(z.iso.date()).default([]),
  })
  .strict()
  .openapi('Calendar');
export const CalendarView = z
  .object({
    id: z.string(),
    timezone: z.string(),
    workingHours: z.partialRecord(z.enum(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']), z.array(z.tuple([z.string(), z.string()]))),
    holidays: z.array(z.string()),
  })
  .strict()
  .openapi('CalendarView');

export const MailboxPut = z
  .object({
    starts: creatableKind,
    categoryId: id.optional(),
    processId: id.optional(),
    queue: id.optional(),
  })
  .strict()
  .openapi('Mailbox');
export const MailboxView = z
  .object({
    address: z.string(),
    starts: creatableKind,
    categoryId: z.string().nullable(),
    processId: z.string().nullable(),
    queue: z.string().nullable(),
  })
  .strict()
  .openapi('MailboxView');

/** The most stages a process has, and actions a stage has (docs/api.md, "Processes"). */
export const PROCESS_MAX_STAGES = 50;
export const STAGE_MAX_ACTIONS = 50;
const processName = text.max(200);
const actionOfProcess = {
  type: z.string().regex(/^[A-Za-z][A-Za-z0-9_-]{0,39}$/, 'a word of letters, digits, _ and - (at most 40), e.g. review or start_case'),
  name: processName,
  robot: z.boolean().optional(),
  processId: id.optional(),
};
export const ProcessPut = z
  .object({
    name: processName,
    categoryId: id.optional(),
    autoResolve: z.boolean().optional(),
    stages: z
      .array(
        z
          .object({
            name: processName,
            actions: z
              .array(
                z
                  .object(actionOfProcess)
                  .strict(),
              )
              .max(STAGE_MAX_ACTIONS),
          })
          .strict(),
      )
      .max(PROCESS_MAX_STAGES),
  })
  .strict()
  .openapi('Process');
export const ProcessView = ProcessPut.extend({
  id: z.string(),
  version: z.number().int().openapi({ description: 'Each change is a new version; a case follows the version it started with.' }),
})
  .strict()
  .openapi('ProcessView');
export const ProcessList = z.object({ processes: z.array(ProcessView) }).openapi('ProcessList');

/** At least a second between two cases a schedule starts. */
const SCHEDULE_MIN_EVERY_MS = 1000;
export const SchedulePut = z
  .object({
    processId: id,
    shortDescription: text.max(998),
    cron: z.string().min(1).max(200).optional().openapi({ example: '0 9 * * MON-FRI', description: 'a cron expression (UTC), or give `every`' }),
    every: duration.refine((d) => (parseDurationMs(d) ?? 0) >= SCHEDULE_MIN_EVERY_MS, 'at least PT1S').optional().openapi({ example: 'P1D', description: 'an interval, or give `cron`' }),
    paused: z.boolean().optional(),
    queue: id.optional(),
  })
  .strict()
  .refine((s) => (s.cron === undefined) !== (s.every === undefined), { message: 'give exactly one of cron and every', path: ['cron'] })
  .openapi('Schedule');
export const ScheduleView = z
  .object({
    id: z.string(),
    processId: z.string(),
    shortDescription: z.string(),
    cron: z.string().optional(),
    every: z.string().optional(),
    paused: z.boolean(),
    queue: z.string().optional(),
    nextRunAt: z.string().optional().openapi({ description: 'when the next case starts (absent while paused)' }),
  })
  .openapi('ScheduleView');
export const ScheduleList = z.object({ schedules: z.array(ScheduleView) }).openapi('ScheduleList');
export const ScheduleDeleted = z.object({ id: z.string(), deleted: z.literal(true) }).openapi('ScheduleDeleted');

// --- legacy (R43) -------------------------------------------------------------------------------

export const LegacyStatus = z
  .object({
    kind: z.enum(KINDS),
    status: z.string().max(200).openapi({ example: 'Paused – awaiting more information', description: 'as v2020.1 shows it; case, spaces and the kind of dash do not matter' }),
  })
  .strict()
  .openapi('LegacyStatus');
export const MappedStatus = z
  .object({
    state: z.enum(STATES),
    waitType: z.enum(WAIT_TYPES).optional(),
    resolutionMethod: z.enum(RESOLUTION_METHODS).optional(),
    attention: z.literal(true).optional(),
  })
  .openapi('MappedStatus');
type _MappedStatusAgrees = Agrees<Agreement<typeof MappedStatus, DomainMappedStatus>>;

/** Items of one import batch, at most. */
export const IMPORT_MAX_ITEMS = 500;
export const LegacyImport = z
  .object({
    items: z
      .array(
        z
          .object({
            legacyRef: z.string().min(1).max(128),
            kind: z.enum(KINDS),
            status: z.string().max(200),
            title: text.max(998).optional(),
            description: text.max(20_000).optional(),
            shortDescription: text.max(998).optional(),
            categoryId: id.optional(),
            processId: id.optional(),
            queue: id.optional(),
            assignee: id.optional(),
            primaryContact: text.max(998).optional(),
            requester: text.max(998).optional(),
            waitUntil: z.string().max(64).optional().openapi({ description: 'ISO-8601; a date in the past ends the wait at once' }),
            resolvedAt: z.string().max(64).optional().openapi({ description: 'ISO-8601; the feedback window counts from it' }),
            attentionReason: text.max(20_000).optional(),
            timeline: z.array(z.object({ at: z.string().max(64), by: z.string().min(1).max(128), text: text.max(20_000) }).strict()).max(1000).optional(),
          })
          .strict(),
      )
      .min(1)
      .max(IMPORT_MAX_ITEMS),
  })
  .strict()
  .openapi('LegacyImport');
export const LegacyImported = z
  .object({ items: z.array(z.object({ legacyRef: z.string(), ref: z.string(), imported: z.boolean().openapi({ description: 'false: imported by an earlier batch' }) })) })
  .openapi('LegacyImported');

// --- work items ---------------------------------------------------------------------------------

/** One line: a title, a short description, a contact (the limit of an email's subject line). */
export const LINE_MAX_CHARS = 998;
const optionalLine = text.max(LINE_MAX_CHARS).optional();

const editable = {
  title: optionalLine,
  description: optionalText,
  shortDescription: optionalLine,
  categoryId: id.optional(),
  primaryContact: optionalLine,
  requester: optionalLine,
};

export const WorkItemCreate = z
  .object({
    kind: creatableKind,
    ...editable,
    processId: id.optional(),
    queue: id.optional(),
    submit: z.boolean().optional(),
  })
  .strict()
  .openapi('WorkItemCreate');

export const WorkItemPatch = z.object(editable).strict().openapi('WorkItemPatch');

export const AssignBody = z.object({ resourceId: id }).strict();
export const UnassignBody = z.object({ toResourceId: id.optional() }).strict();
export const StateBody = z.object({ state: z.enum(STATES).extract(['todo', 'in_progress']) }).strict();
export const RejectBody = z.object({ reason: text.max(NOTE_MAX_CHARS) }).strict();
/** R46: the queue a supervisor moves an item to. */
export const QueueBody = z.object({ queue: id }).strict();
export const WaitBody = z
  .discriminatedUnion('type', [
    z.object({ type: z.literal('more_info' satisfies WaitType), days: z.number().positive().max(3650).optional(), closeIfNoResponse: z.boolean().optional() }).strict(),
    z.object({ type: z.literal('until' satisfies WaitType), until: isoInstant }).strict(),
    z.object({ type: z.literal('pause' satisfies WaitType), reason: optionalText }).strict(),
  ])
  .openapi('Wait');
export const NoteBody = z.object({ text: text.max(NOTE_MAX_CHARS), isResolution: z.boolean().optional() }).strict().openapi('Note');
export const EmailBody = z
  .object({
    to: z.array(email).min(1),
    subject: text.max(998).regex(/^[^\r\n]*$/, 'one line: a line break in a subject would start a mail header of its own'),
    body: z.string().max(EMAIL_BODY_MAX_CHARS),
    resolve: z.boolean().optional(),
    resolutionMethod: z.enum(RESOLUTION_METHODS).optional(),
  })
  .strict()
  .openapi('OutboundEmail');
export const ResolveBody = z.object({ method: z.enum(RESOLUTION_METHODS), reason: optionalText }).strict().openapi('Resolve');
export const EmptyBody = z.object({}).strict();

// --- cases (R19, R28, R29) ------------------------------------------------------------------------

export const CancelBody = z.object({ reason: text.max(NOTE_MAX_CHARS) }).strict().openapi('Cancel');
export const ReworkBody = z
  .union([
    z.object({ fromStage: z.number().int().min(0).max(PROCESS_MAX_STAGES - 1).openapi({ description: 'a stage index: 0 is the first stage' }) }).strict(),
    z.object({ actions: z.array(Ref).min(1).max(STAGE_MAX_ACTIONS).openapi({ description: 'completed actions of the current stage, launched anew' }) }).strict(),
  ])
  .openapi('Rework');
export const LaunchActionBody = z
  .union([
    z.object(actionOfProcess).strict(),
    z.object({ relaunch: Ref.openapi({ description: 'a closed action of this case: a new copy is launched' }) }).strict(),
  ])
  .openapi('LaunchAction');

// --- tickets that become other work (R31, R33) --------------------------------------------------

export const SplitBody = z
  .object({
    tickets: z
      .array(
        z
          .object({
            title: text.max(LINE_MAX_CHARS),
            description: text.max(NOTE_MAX_CHARS),
            categoryId: id.optional(),
            primaryContact: optionalLine,
            requester: optionalLine,
            queue: id.optional(),
          })
          .strict(),
      )
      .min(2)
      .max(20)
      .openapi({ description: "the new tickets; each takes the split ticket's category, contacts and queue unless given" }),
  })
  .strict()
  .openapi('Split');
export const MergeBody = z.object({ into: Ref.openapi({ description: 'an open ticket or case' }) }).strict().openapi('Merge');
export const LaunchCaseBody = z.object({ processId: id, shortDescription: text.max(998) }).strict().openapi('LaunchCase');


export const TimelineEntry = z
  .object({ seq: z.number().int().min(1), at: z.string(), by: z.string(), type: z.string() })
  .catchall(z.unknown())
  .openapi('TimelineEntry');
/**
 * An entry as it goes out: its `type` any word, for the domain's union of types lacks `imported`,
 * the entry an import from v2020.1 ends with (R43); every other field as the domain's.
 */
type WireTimelineEntry = { [K in keyof DomainTimelineEntry]: K extends 'type' ? string : DomainTimelineEntry[K] };
type _TimelineEntryAgrees = Agrees<Agreement<typeof TimelineEntry, WireTimelineEntry>>;
export const TimelineQuery = z
  .object({
    after: z.coerce.number().int().min(0).max(1e9).optional().openapi({ description: 'the seq of the last entry already read (0: from the start)' }),
    limit: z.coerce.number().int().min(1).max(500).optional().openapi({ description: 'entries per page (default 100)' }),
  })
  .strict();
/** `?source=workflow`: an operator's diagnostic read of the item as its workflow holds it (a Temporal Query). */
export const ViewQuery = z
  .object({
    source: z.enum(['store', 'workflow']).optional().openapi({ description: 'store (default): the stored state, as every read; workflow: ask the item\'s workflow by a Query (diagnostics)' }),
  })
  .strict();
export const TimelinePage = z
  .object({ entries: z.array(TimelineEntry), nextAfter: z.number().int().optional().openapi({ description: 'pass as `after` for the next page; absent on the last page' }) })
  .openapi('TimelinePage');

/** One action of a case as the case shows it (R27): where an open one is now, how a closed one ended. */
export const CaseActionView = z.object({
  ref: z.string(),
  name: z.string(),
  type: z.string(),
  stageIndex: z.number().int(),
  state: z.enum(STATES),
  resolutionMethod: z.enum(RESOLUTION_METHODS).extract(['complete', 'unable_to_complete', 'withdrawn']).optional().openapi({ description: '`withdrawn`: a rework from an earlier stage closed it (R29)' }),
  reason: z.string().optional(),
  byHand: z.boolean(),
  assignee: z.string().optional(),
});
type _CaseActionViewAgrees = Agrees<Agreement<typeof CaseActionView, DomainCaseActionView>>;

/** The wait an item is in, as it was asked for. */
const WaitView = z.object({
  type: z.enum(WAIT_TYPES),
  days: z.number().optional(),
  closeIfNoResponse: z.boolean().optional(),
  until: z.string().optional(),
  reason: z.string().optional(),
  endsAt: z.string().optional().openapi({ description: "when the wait's timer fires, if it has one (the view's `waitEndsAt`)" }),
  imported: z.boolean().optional().openapi({ description: 'a split or case_launched wait imported from v2020.1: its owner ends it with cancel-wait (R43)' }),
});

/** One SLA clock's figures in a view (R38-R40, R44). */
const SlaFiguresView = z
  .object({
    target: z.number().int().openapi({ description: 'the target in milliseconds of clock time' }),
    calendarId: z.string().optional(),
    dueAt: z.string().optional().openapi({ description: 'absent while the clock is stopped (R38)' }),
    stoppedMs: z.number().int(),
    clockRunning: z.boolean(),
    breached: z.boolean(),
    breachedAt: z.string().optional(),
    atRisk: z.boolean(),
    atRiskAt: z.string().optional(),
    remainingMs: z.number().int(),
    banner: z.string().optional().openapi({ example: 'Waiting: Paused 3h 20m before due' }),
  });
const ResponseFiguresView = SlaFiguresView.extend({
  endedBy: z.enum(['responded', 'resolved']).optional().openapi({ description: 'how a response clock ended: an outbound email, or the resolution' }),
  breaches: z.number().int().optional().openapi({ description: 'next_response: how many of its cycles breached, this one included' }),
});

export const WorkItemView = z
  .object({
    ref: z.string(),
    kind: z.enum(KINDS),
    state: z.enum(STATES),
    waitType: z.enum(WAIT_TYPES).optional(),
    waitEndsAt: z.string().optional(),
    waitEndedReason: z.enum(WAIT_END_REASONS).optional().openapi({ description: 'why the last wait ended' }),
    wait: WaitView.optional().openapi({ description: 'while waiting: the wait as asked for (its type, days, until, reason) and when its timer fires' }),
    highlighted: z.boolean(),
    assignee: z.string().optional(),
    queue: z.string().optional(),
    needsHuman: z.boolean(),
    title: z.string().optional(),
    description: z.string().optional(),
    shortDescription: z.string().optional(),
    categoryId: z.string().optional(),
    primaryContact: z.string().optional(),
    requester: z.string().optional(),
    resolutionMethod: z.enum(RESOLUTION_METHODS).optional(),
    resolutionReason: z.string().optional().openapi({ description: 'the reason given when it was resolved (a rejection says why)' }),
    submittedAt: z.string().optional(),
    sla: SlaFiguresView.optional(),
    slas: z
      .object({
        resolution: SlaFiguresView.optional(),
        first_response: ResponseFiguresView.optional(),
        next_response: ResponseFiguresView.optional(),
      })
      .optional()
      .openapi({ description: 'R44: one entry per clock the item has (`resolution` is `sla`)' }),
    resolvedAt: z.string().optional(),
    feedbackWindowEndsAt: z.string().optional(),
    closedAt: z.string().optional(),
    parentRef: z.string().optional(),
    childRefs: z.array(z.string()),
    linkedRefs: z.array(z.string()),
    processId: z.string().optional(),
    processVersion: z.number().int().optional().openapi({ description: 'cases: the version of the process followed, to the end (R26)' }),
    stage: z.object({ index: z.number().int(), name: z.string() }).optional().openapi({ description: 'cases: the stage running, while the flow runs (R27)' }),
    flowComplete: z.boolean().optional().openapi({ description: 'cases: every stage is done (R26)' }),
    attention: z.object({ reason: z.string(), actionRef: z.string().optional() }).optional().openapi({ description: 'cases: why the case needs its owner, and which action (R29; none for a case imported as needing attention)' }),
    legacyRef: z.string().optional().openapi({ description: 'imported from v2020.1: its reference there (R43)' }),
    legacyStatus: z.string().optional(),
    missingFields: z.array(z.string()).optional().openapi({ description: 'imported past draft without fields v2021.1 asks for (R5, R43): which' }),
    actions: z
      .array(CaseActionView)
      .optional()
      .openapi({ description: 'cases: every action launched, in launch order (R27)' }),
    actionType: z.string().optional().openapi({ description: 'actions: the type the case launched it as' }),
    stageIndex: z.number().int().optional().openapi({ description: 'actions: the stage of its case it belongs to' }),
    robot: z.boolean().optional(),
    timeline: z.array(TimelineEntry),
    timelineLength: z.number().int().openapi({ description: 'how many entries the timeline has: the seq of its last entry' }),
    timelineCount: z.number().int().min(0).openapi({ description: "how many entries the item's timeline has in all" }),
    createdAt: z.string(),
    updatedAt: z.string(),
    version: z.number().int(),
  })
  .openapi('WorkItem');
/** The view the API sends: the domain's, less the fields it strips, with entries as they go out. */
type ViewOnTheWire = Omit<WireWorkItemView, 'timeline'> & { timeline: WireTimelineEntry[] };
type _WorkItemViewAgrees = Agrees<Agreement<typeof WorkItemView, ViewOnTheWire>>;

export const HistorySummary = z
  .object({ ref: z.string(), runId: z.string(), eventCount: z.number().int(), sizeBytes: z.number().int(), status: z.string(), uiUrl: z.string().optional() })
  .openapi('HistorySummary');

// --- inbound email ------------------------------------------------------------------------------

export const InboundEmailBody = z
  .object({
    messageId: text.max(998),
    from: email,
    to: z.array(email).min(1),
    subject: z.string(),
    body: z.string(),
    html: z.string().optional(),
    attachments: z
      .array(z.object({ name: z.string().max(255), type: z.string().max(255), size: z.number().int().min(0), sha256: z.string().regex(/^[0-9a-f]{64}$/, 'the SHA-256 of the content, as 64 hex digits') }).strict())
      .max(50)
      .optional(),
    inReplyTo: z.string().optional(),
    references: z.array(z.string()).optional(),
    receivedAt: isoInstant.optional(),
  })
  .strict()
  .openapi('InboundEmail');
export const InboundOutcome = z
  .object({
    outcome: z.enum(['attached', 'filled_draft', 'ended_wait', 'reopened', 'created', 'created_follow_up', 'rejected_unknown_address', 'duplicate']),
    ref: z.string(),
  })
  .openapi('InboundEmailOutcome');

// --- lists --------------------------------------------------------------------------------------

const booleanQuery = z.enum(['true', 'false']).transform((v) => v === 'true');
export const ListQuery = z
  .object({
    kind: z.enum(KINDS).optional(),
    state: z.enum(STATES).optional(),
    categoryId: id.optional(),
    assignee: id.optional(),
    breached: z
      .enum(['true', 'false', ...CLOCK_NAMES])
      .transform((v) => (v === 'true' ? true : v === 'false' ? false : v))
      .optional()
      .openapi({ description: '`true`: any clock breached; or one clock (R44): `resolution`, `first_response`, `next_response`' }),
    limit: z.coerce.number().int().min(1).max(500).optional(),
    cursor: z.string().regex(/^\d{1,9}$/, 'a cursor returned by a previous page').optional(),
  })
  .strict();
export const WorkItemSummary = z
  .object({
    ref: z.string(),
    kind: z.enum(KINDS),
    state: z.enum(STATES),
    waitType: z.enum(WAIT_TYPES).nullable(),
    highlighted: z.boolean(),
    assignee: z.string().nullable(),
    queue: z.string().nullable(),
    needsHuman: z.boolean(),
    title: z.string().nullable(),
    categoryId: z.string().nullable(),
    parentRef: z.string().nullable(),
    dueAt: z.string().nullable().openapi({ description: 'the earliest due date of any running clock' }),
    breached: z.boolean().openapi({ description: 'any clock breached' }),
    breachedClocks: z.array(z.enum(CLOCK_NAMES)).openapi({ description: 'R44: the clocks that breached' }),
    createdAt: z.string(),
    updatedAt: z.string(),
    version: z.number().int(),
  })
  .openapi('WorkItemSummary');
type _WorkItemSummaryAgrees = Agrees<Agreement<typeof WorkItemSummary, DomainSummary>>;
export const WorkItemList = z.object({ items: z.array(WorkItemSummary), nextCursor: z.string().optional() }).openapi('WorkItemList');

// --- the codec server (R48) ---------------------------------------------------------------------

const base64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'base64');
/** Payloads as the Temporal codec-server protocol carries them: metadata values and data in base64 (as many as 1 MB of JSON holds). */
export const CodecBody = z
  .object({ payloads: z.array(z.object({ metadata: z.record(z.string(), base64).optional(), data: base64.optional() })) })
  .openapi('CodecPayloads');

// --- SLA simulation (R45) -----------------------------------------------------------------------

/** The longest period a simulation replays. */
export const SIMULATION_MAX_DAYS = 366;
export const SimulationBody = z
  .object({
    categoryId: id.optional(),
    queue: id.optional(),
    from: isoInstant,
    to: isoInstant,
    rule: z
      .object({ resolution: SlaRulePut.optional(), first_response: SlaRulePut.optional(), next_response: SlaRulePut.optional() })
      .strict()
      .openapi({ description: 'the proposed rule per clock; a clock it does not name keeps the category\'s rule as it is now' }),
  })
  .strict()
  .superRefine((b, ctx) => {
    const days = (Date.parse(b.to) - Date.parse(b.from)) / 86_400_000;
    if (days <= 0) ctx.addIssue({ code: 'custom', path: ['to'], message: 'after `from`' });
    else if (days > SIMULATION_MAX_DAYS) ctx.addIssue({ code: 'custom', path: ['to'], message: `at most ${SIMULATION_MAX_DAYS} days after \`from\`` });
  })
  .openapi('SlaSimulation');
const ClockOutcomeView = z.object({ dueAt: z.string().nullable(), breached: z.boolean(), minutesLate: z.number().int() });
const Tally = z.object({ items: z.number().int(), breachedNow: z.number().int(), breachedProposed: z.number().int() });
export const SimulationResult = z
  .object({
    items: z.array(
      z.object({ ref: z.string(), queue: z.string().nullable(), createdAt: z.string(), clock: z.enum(CLOCK_NAMES), actual: ClockOutcomeView.nullable(), simulated: ClockOutcomeView.nullable() }),
    ),
    totals: z.object({ byClock: z.record(z.string(), Tally), byQueue: z.record(z.string(), Tally) }),
  })
  .openapi('SlaSimulationResult');

// R47: the change feed and webhooks.

const feedCursor = z.string().regex(/^\d{1,18}$/, 'a cursor from a previous page (`nextCursor`), or 0 for the oldest change kept');
/** The longest a read of the feed waits for a change. */
export const FEED_MAX_WAIT_MS = 60_000;
export const ChangesQuery = z
  .object({
    after: z
      .union([feedCursor, z.literal('latest')])
      .optional()
      .openapi({ description: 'the cursor to read after: a `nextCursor`, `0` (the default: the oldest change kept), or `latest` (only changes from now on)' }),
    limit: z.coerce.number().int().min(1).max(1000).optional().openapi({ description: 'changes per page, 1-1000 (default 100)' }),
    wait: duration
      .refine((d) => (parseDurationMs(d) ?? 0) <= FEED_MAX_WAIT_MS, `at most ${FEED_MAX_WAIT_MS / 1000} seconds`)
      .optional()
      .openapi({ description: 'with no change after the cursor, wait this long for one (long poll), e.g. PT30S; at most PT60S' }),
  })
  .strict();
/** What a change can be: a new item, an item changed without a new entry, or the type of an entry it added. */
export const CHANGE_KINDS = ['created', 'updated', ...ENTRY_TYPES] as const;
export const Change = z
  .object({
    cursor: z.string(),
    ref: z.string(),
    version: z.number().int(),
    kind: z.enum(KINDS),
    state: z.enum(STATES),
    queue: z.string().nullable(),
    change: z.enum(CHANGE_KINDS).openapi({ description: '`created`, the type of the first timeline entry the change added, or `updated` when it added none' }),
    entryTypes: z.array(z.enum(ENTRY_TYPES)),
    at: z.string(),
  })
  .openapi('Change');
export const ChangePage = z.object({ changes: z.array(Change), nextCursor: z.string() }).openapi('ChangePage');

const webhookUrl = z
  .url({ protocol: /^https?$/, error: 'an http(s) URL' })
  .max(2000)
  .openapi({ example: 'https://hr.example.com/hooks/work-items' });
const webhookSecret = z
  .string()
  .min(24, 'at least 24 characters')
  .max(200)
  .openapi({ description: 'the signing key: `whsec_<base64>` as Standard Webhooks writes it, or any other string (used as its bytes)', example: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' });
export const WebhookPut = z
  .object({
    url: webhookUrl,
    secret: webhookSecret,
    events: z.array(z.enum(CHANGE_KINDS)).min(1).max(100).optional().openapi({ description: 'only changes of these kinds (a change\'s `change` or one of its `entryTypes`); absent: every change' }),
    queues: z.array(id).min(1).max(100).optional().openapi({ description: 'only items in these queues; absent: every item' }),
    giveUpAfter: duration.optional().openapi({ description: 'how long a change is retried before it is given up (default P3D)' }),
  })
  .strict()
  .openapi('WebhookPut');
export const WebhookView = z
  .object({
    id: z.string(),
    url: z.string(),
    secretSet: z.literal(true),
    events: z.array(z.string()).nullable(),
    queues: z.array(z.string()).nullable(),
    giveUpAfter: z.string(),
    cursor: z.string().openapi({ description: 'the feed cursor the webhook has taken changes up to' }),
    pending: z.number().int().openapi({ description: 'deliveries not delivered or given up yet' }),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('Webhook');
export const WebhookDeleted = z.object({ id: z.string(), deleted: z.literal(true) }).openapi('WebhookDeleted');
export const DeliveriesQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(500).optional(),
    before: deliveryId.optional().openapi({ description: 'the next page: deliveries older than this id' }),
  })
  .strict();
const AttemptView = z.object({
  attempt: z.number().int(),
  at: z.string(),
  status: z.number().int().nullable().openapi({ description: 'the receiver\'s HTTP status; null when it did not answer' }),
  error: z.string().nullable(),
  response: z.string().nullable().openapi({ description: 'the start of the receiver\'s answer (500 characters at most)' }),
  durationMs: z.number().int(),
});
export const DeliveryView = z
  .object({
    id: z.string(),
    webhookId: z.string(),
    ref: z.string(),
    version: z.number().int(),
    messageId: z.string().openapi({ description: 'the `webhook-id` header, the same on every attempt' }),
    status: z.enum(['pending', 'delivered', 'given_up']),
    attempts: z.number().int(),
    nextAttemptAt: z.string().nullable(),
    change: Change,
    attemptLog: z.array(AttemptView),
  })
  .openapi('WebhookDelivery');
export const DeliveryList = z.object({ deliveries: z.array(DeliveryView), next: z.string().nullable() }).openapi('WebhookDeliveries');
