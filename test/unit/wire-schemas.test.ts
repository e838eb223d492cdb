// The wire schema comes from the domain (issue 22, point 5): the views and list rows the domain
// computes (toView, summaryOfView) parse with the response schemas of api/schemas.ts made strict,
// whole: no field unknown to the schema, none dropped at any depth. tsc checks the same from the
// types (Agreement in api/schemas.ts); this checks real values, field by field, as they go out.
// Kinds, states and wait types are the domain's lists (KINDS, STATES, WAIT_TYPES) wherever a
// schema names them.

import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  CaseActionView,
  CategoryPut,
  LegacyImport,
  LegacyStatus,
  ListQuery,
  MailboxPut,
  MailboxView,
  MappedStatus,
  StateBody,
  TimelineEntry,
  WaitBody,
  WorkItemCreate,
  WorkItemSummary,
  WorkItemView,
} from '../../api/schemas.js';
import { KINDS, STATES, WAIT_END_REASONS, WAIT_TYPES, type CategorySnapshot, type WorkItem } from '../../workflows/domain/item/types.js';
import { summaryOfView, toView, type InternalViewField, type WorkItemView as DomainView } from '../../workflows/domain/item/view.js';
import { mapLegacyStatus } from '../../workflows/domain/legacy/status-mapping.js';
import { createWorkItem } from '../../workflows/domain/rules/transitions.js';
import {
  after,
  alice,
  caseNeedingAttention,
  closedTicket,
  draftTicket,
  HOUR,
  inProgressTicket,
  LENIENT,
  MINUTE,
  resolvedTicket,
  run,
  runningCase,
  T0,
  ticketInput,
  todoTicket,
  waitingTicket,
} from './fixtures.js';

/** The fields the API applies and strips before it answers (store/item-store.ts). */
const INTERNAL: readonly InternalViewField[] = ['resolutionTags', 'deliveryUpdates'];

/** What the API sends of a view: the internal fields stripped, as JSON (no `undefined` fields). */
function onTheWire(view: DomainView): Record<string, unknown> {
  const sent: Record<string, unknown> = { ...view };
  for (const field of INTERNAL) delete sent[field];
  return JSON.parse(JSON.stringify(sent)) as Record<string, unknown>;
}
const asJson = (value: unknown): unknown => JSON.parse(JSON.stringify(value));

/** The view schema refusing any field it does not name (nested objects drop theirs, which toStrictEqual catches). */
const StrictView = WorkItemView.strict();
const StrictSummary = WorkItemSummary.strict();

const WITH_SLA: CategorySnapshot = { ...LENIENT, sla: { targetMs: 8 * HOUR, calendarId: 'office', addWaitingTime: true, stopOn: ['more_info'], atRiskShare: 0.75 } };

/** Items in many shapes, each built by the domain's own functions, so that every field of the view shows up in some view. */
function samples(): Array<[name: string, item: WorkItem]> {
  const importedCase = createWorkItem(
    {
      ref: 'C-000009',
      kind: 'case',
      createdBy: alice,
      fields: { shortDescription: 'Onboard supplier' },
      processId: 'onboarding',
      submit: false,
      imported: {
        legacyRef: 'L-9',
        legacyStatus: 'In progress (needs attention)',
        mapped: { state: 'in_progress', attention: true },
        assignee: 'alice',
        attentionReason: 'Stuck in v2020.1',
        timeline: [{ at: '2025-12-01T08:00:00.000Z', by: 'old.agent', text: 'Called the supplier' }],
      },
    },
    T0,
  );
  return [
    ['a draft ticket', draftTicket()],
    ['a submitted ticket under an SLA', todoTicket({ category: WITH_SLA })],
    ['a ticket waiting for more information (wait, waitType, waitEndsAt, sla stopped)', waitingTicket({ category: WITH_SLA })],
    ['a ticket whose wait was cancelled (waitEndedReason)', run(waitingTicket(), [[alice, { type: 'cancelWait' }]])],
    ['a case paused with a reason (R14)', run(runningCase(), [[alice, { type: 'wait', wait: { type: 'pause', reason: 'Supplier on holiday' } }]])],
    ['a ticket resolved as rejected with a reason (resolutionReason)', run(inProgressTicket(), [[alice, { type: 'resolve', method: 'rejected', reason: 'Not ours' }]])],
    ['a ticket in a queue, resolved with a resolution note', run(inProgressTicket({ category: WITH_SLA, queue: 'finance' }), [[alice, { type: 'addNote', text: 'Paid on 3 March', isResolution: true }], [alice, { type: 'resolve', method: 'customer_communication' }]])],
    ['a ticket closed at once as spam (closedAt)', closedTicket()],
    ['a case needing attention, with its actions (R27, R29)', caseNeedingAttention()],
    ['an action of a case (actionType, stageIndex, robot)', createWorkItem({ ref: 'A-000001', kind: 'action', createdBy: alice, fields: { title: 'Verify documents' }, parentRef: 'C-000001', action: { type: 'review', stageIndex: 0, robot: true }, submit: true }, T0)],
    ['a case imported from v2020.1 needing attention (legacyRef, legacyStatus, R43)', importedCase],
    ['a ticket imported from v2020.1, resolved', createWorkItem(ticketInput({ imported: { legacyRef: 'L-1', legacyStatus: 'Resolved', mapped: mapLegacyStatus('ticket', 'Resolved'), resolvedAt: '2026-03-01T09:00:00Z', timeline: [] } }), T0)],
    ['a ticket imported waiting on a split, without the fields R5 asks for (missingFields, wait.imported, R43)', createWorkItem(ticketInput({ fields: {}, imported: { legacyRef: 'L-9', legacyStatus: 'Resolved – split ticket', mapped: mapLegacyStatus('ticket', 'Resolved – split ticket'), assignee: 'alice', timeline: [] } }), T0)],
  ];
}
const views = (): Array<[string, DomainView]> => samples().map(([name, item]) => [name, toView(item, after(5 * MINUTE, new Date(item.updatedAt)))]);

describe('api.md view: the view toView computes is what the WorkItem schema describes, whole', () => {
  it.each(views())('api.md view: %s parses with the strict WorkItem schema, no field unknown or dropped', (_name, view) => {
    const sent = onTheWire(view);
    const parsed = StrictView.safeParse(sent);
    expect(parsed.error?.issues ?? []).toEqual([]);
    expect(parsed.data).toStrictEqual(sent);
  });

  it('api.md view, R27: each action of a case parses with the strict action schema, whole', () => {
    const view = toView(caseNeedingAttention(), T0);
    expect(view.actions?.length).toBeGreaterThan(0);
    for (const action of view.actions ?? []) expect(CaseActionView.strict().parse(asJson(action))).toStrictEqual(asJson(action));
    // The API adds each open action's current state and assignee: the schema has them too.
    const withAssignee = { ...view.actions![1]!, state: 'in_progress', assignee: 'bob' };
    expect(CaseActionView.strict().parse(withAssignee)).toStrictEqual(withAssignee);
  });

  it('R42, api.md view: every timeline entry parses with the TimelineEntry schema, its own fields kept', () => {
    for (const [, view] of views()) {
      for (const entry of view.timeline) expect(TimelineEntry.parse(asJson(entry))).toStrictEqual(asJson(entry));
    }
  });

  it('api.md view: the samples show every field the WorkItem schema names (so the strict parse above proves each one)', () => {
    const seen = new Set(views().flatMap(([, view]) => Object.keys(onTheWire(view))));
    expect(Object.keys(WorkItemView.shape).filter((field) => !seen.has(field))).toEqual([]);
  });

  it('api.md view: timelineCount is an integer ≥ 0, the count of entries so far; a view without it is refused', () => {
    for (const [, view] of views()) {
      expect(Number.isInteger(view.timelineCount) && view.timelineCount >= 0).toBe(true);
      expect(view.timelineCount).toBe(view.timelineLength);
      expect(view.timelineCount).toBe(view.timeline.at(-1)?.seq ?? 0);
    }
    const { timelineCount: _, ...without } = onTheWire(toView(draftTicket(), T0));
    expect(StrictView.safeParse(without).success).toBe(false);
    expect(StrictView.safeParse({ ...without, timelineCount: -1 }).success).toBe(false);
    expect(StrictView.safeParse({ ...without, timelineCount: 1.5 }).success).toBe(false);
  });

  it('api.md view: resolutionTags and deliveryUpdates are internal: the view schema does not name them, and the strict one refuses them', () => {
    // The domain's view carries them after a resolution note or an email's delivery outcome, until stored.
    const view: DomainView = { ...toView(resolvedTicket(), T0), resolutionTags: [3], deliveryUpdates: [{ seq: 3, delivery: 'sent' }] };
    for (const field of INTERNAL) expect(Object.keys(WorkItemView.shape)).not.toContain(field);
    const refused = StrictView.safeParse(asJson(view));
    expect(refused.success).toBe(false);
    expect(refused.error?.issues).toEqual([expect.objectContaining({ code: 'unrecognized_keys', keys: ['resolutionTags', 'deliveryUpdates'] })]);
    expect(StrictView.parse(onTheWire(view))).toStrictEqual(onTheWire(view)); // stripped, as the API sends it
  });

  it('api.md view: a kind, state, wait type or wait end reason the domain does not have is refused', () => {
    const sent = onTheWire(toView(waitingTicket(), T0));
    expect(StrictView.safeParse(sent).success).toBe(true);
    expect(StrictView.safeParse({ ...sent, kind: 'incident' }).success).toBe(false);
    expect(StrictView.safeParse({ ...sent, state: 'on_hold' }).success).toBe(false);
    expect(StrictView.safeParse({ ...sent, waitType: 'forever' }).success).toBe(false);
    expect(StrictView.safeParse({ ...sent, wait: { ...(sent.wait as object), type: 'forever' } }).success).toBe(false);
    expect(StrictView.safeParse({ ...sent, waitEndedReason: 'bored' }).success).toBe(false);
  });
});

describe('R41: the list row summaryOfView computes is what the WorkItemSummary schema describes, whole', () => {
  it.each(views())('R41: the list row of %s parses with the strict WorkItemSummary schema, no field unknown or dropped', (_name, view) => {
    const row = asJson(summaryOfView(view));
    const parsed = StrictSummary.safeParse(row);
    expect(parsed.error?.issues ?? []).toEqual([]);
    expect(parsed.data).toStrictEqual(row);
  });

  it('R41: every field of the WorkItemSummary schema is a field of the row, and the other way round', () => {
    const row = summaryOfView(toView(waitingTicket({ category: WITH_SLA }), T0));
    expect(Object.keys(WorkItemSummary.shape).sort()).toEqual(Object.keys(row).sort());
  });

  it("R41: a row's kind, state and waitType are the domain's words (KINDS, STATES, WAIT_TYPES), nothing else", () => {
    expect(WorkItemSummary.shape.kind.options).toEqual([...KINDS]);
    expect(WorkItemSummary.shape.state.options).toEqual([...STATES]);
    expect(WorkItemSummary.shape.waitType.unwrap().options).toEqual([...WAIT_TYPES]);
    const row = asJson(summaryOfView(toView(todoTicket(), T0))) as Record<string, unknown>;
    expect(StrictSummary.safeParse({ ...row, kind: 'incident' }).success).toBe(false);
    expect(StrictSummary.safeParse({ ...row, state: 'on_hold' }).success).toBe(false);
    expect(StrictSummary.safeParse({ ...row, waitType: 'forever' }).success).toBe(false);
  });
});

describe('R41: kinds, states and wait types are spelled once, as KINDS, STATES and WAIT_TYPES', () => {
  /** The words of an enum schema, through optional/nullable/array wrappers. */
  function words(schema: z.ZodType): string[] {
    if (schema instanceof z.ZodEnum) return schema.options.map(String);
    if (schema instanceof z.ZodOptional || schema instanceof z.ZodNullable) return words(schema.unwrap() as z.ZodType);
    if (schema instanceof z.ZodArray) return words(schema.element as z.ZodType);
    throw new Error(`not an enum: ${schema.def.type}`);
  }

  it('R41: every kind the schemas name is the list KINDS, or its creatable part (ticket, case)', () => {
    expect(words(ListQuery.shape.kind)).toEqual([...KINDS]);
    expect(words(LegacyStatus.shape.kind)).toEqual([...KINDS]);
    expect(words(LegacyImport.shape.items.element.shape.kind)).toEqual([...KINDS]);
    expect(words(WorkItemView.shape.kind)).toEqual([...KINDS]);
    const creatable = KINDS.filter((k) => k !== 'action');
    expect(words(WorkItemCreate.shape.kind)).toEqual(creatable);
    expect(words(MailboxPut.shape.starts)).toEqual(creatable);
    expect(words(MailboxView.shape.starts)).toEqual(creatable);
  });

  it('R41: every state and wait type the schemas name is STATES or WAIT_TYPES, or a part of it', () => {
    for (const schema of [ListQuery.shape.state, WorkItemView.shape.state, CaseActionView.shape.state, MappedStatus.shape.state]) expect(words(schema)).toEqual([...STATES]);
    for (const schema of [WorkItemView.shape.waitType, WorkItemView.shape.wait.unwrap().shape.type, MappedStatus.shape.waitType]) expect(words(schema)).toEqual([...WAIT_TYPES]);
    expect(words(WorkItemView.shape.waitEndedReason)).toEqual([...WAIT_END_REASONS]);
    expect(STATES).toEqual(expect.arrayContaining(words(StateBody.shape.state)));
    const stopOn = (CategoryPut.shape.sla.unwrap() as z.ZodObject).shape.stopOn as z.ZodType;
    expect(WAIT_TYPES).toEqual(expect.arrayContaining(words(stopOn)));
    const waitBodyTypes = WaitBody.options.map((o) => String(o.shape.type.value));
    expect(WAIT_TYPES).toEqual(expect.arrayContaining(waitBodyTypes));
  });
});
