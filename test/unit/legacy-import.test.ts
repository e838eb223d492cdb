// R43: an imported item, on the pure functions: what an import item must say (every problem at
// once), and the state it starts in, deadlines included.

import { describe, expect, it } from 'vitest';
import { importProblems, type LegacyItem } from '../../workflows/domain/legacy/imported-item.js';
import { mapLegacyStatus } from '../../workflows/domain/legacy/status-mapping.js';
import { createWorkItem, nextDeadline, onDeadline } from '../../workflows/domain/rules/transitions.js';
import type { WorkItemInput } from '../../workflows/domain/item/types.js';
import { after, DAY, deepFreeze, LENIENT, T0, ticketInput } from './fixtures.js';

const TICKET: LegacyItem = { legacyRef: 'L-1', kind: 'ticket', status: 'Resolved', title: 'Invoice 42', description: 'Unpaid', categoryId: 'general', primaryContact: 'a@x.example', requester: 'a@x.example', resolvedAt: '2026-03-01T09:00:00Z' };

function imported(item: LegacyItem, overrides: Partial<WorkItemInput> = {}): ReturnType<typeof createWorkItem> {
  const input = ticketInput({
    kind: item.kind,
    imported: { legacyRef: item.legacyRef, legacyStatus: item.status, mapped: mapLegacyStatus(item.kind, item.status), timeline: item.timeline ?? [], ...(item.assignee ? { assignee: item.assignee } : {}), ...(item.waitUntil ? { waitUntil: item.waitUntil } : {}), ...(item.resolvedAt ? { resolvedAt: item.resolvedAt } : {}) },
    ...overrides,
  });
  return createWorkItem(deepFreeze(input), T0);
}

describe('what an import item must say (R43)', () => {
  it('R43, R5: every problem of an item at once: its status, its dates, what its state needs', () => {
    expect(importProblems(TICKET).problems).toEqual([]);
    const { problems } = importProblems({ legacyRef: 'L-2', kind: 'ticket', status: 'Paused – scheduled for follow-up', waitUntil: '31/12/2026', timeline: [{ at: 'yesterday', by: 'x', text: 'y' }] });
    expect(problems).toEqual([
      'waitUntil "31/12/2026" is not a date and time (ISO-8601, e.g. 2026-03-02T09:00:00Z)',
      'timeline[0].at "yesterday" is not a date and time',
      'an item waiting needs its assignee',
    ]);
    expect(importProblems({ legacyRef: 'L-3', kind: 'case', status: 'Archived' }).problems).toEqual([
      expect.stringMatching(/"Archived" is not a v2020.1 status of a case/),
      'a case needs processId',
    ]);
  });
});

describe('the state an imported item starts in (R43)', () => {
  it('R43, R21: a resolved ticket\'s feedback window counts from its real resolution time', () => {
    const item = imported(TICKET, { category: LENIENT });
    expect(item).toMatchObject({ state: 'resolved', resolutionMethod: 'customer_communication', resolvedAt: '2026-03-01T09:00:00.000Z', legacy: { ref: 'L-1', status: 'Resolved' }, version: 1 });
    expect(item.feedbackWindowEndsAt).toBe(new Date(Date.parse('2026-03-01T09:00:00Z') + 5 * DAY).toISOString());
    expect(onDeadline(item, after(5 * DAY)).state).toBe('closed');
  });

  it('R43, R17: a wait until a date keeps that date; a date already past is due at once', () => {
    const waiting = imported({ ...TICKET, status: 'Paused – scheduled for follow-up', assignee: 'alice', waitUntil: '2026-01-01T00:00:00Z', resolvedAt: undefined });
    expect(waiting).toMatchObject({ state: 'waiting', assignee: 'alice', wait: { type: 'until', endsAt: '2026-01-01T00:00:00.000Z' } });
    expect(nextDeadline(waiting)).toBeLessThan(T0.getTime());
    expect(onDeadline(waiting, T0)).toMatchObject({ state: 'in_progress', waitEndedReason: 'until_reached' });
  });

  it('R43: earlier notes keep their authors and times, marked as imported, before the import\'s own entry', () => {
    const item = imported({ ...TICKET, status: '(none: draft)', timeline: [{ at: '2025-12-01T08:00:00Z', by: 'old.agent', text: 'Called the supplier' }] });
    expect(item.timeline.map((e) => e.type)).toEqual(['created', 'note', 'imported']);
    expect(item.timeline[1]).toMatchObject({ at: '2025-12-01T08:00:00.000Z', by: 'old.agent', text: 'Called the supplier', imported: true });
    expect(item.createdAt).toBe(T0.toISOString());
  });
});
