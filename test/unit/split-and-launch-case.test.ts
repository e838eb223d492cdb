// Tickets that become other work, on the pure rules: a split ticket waits for its new tickets
// (R31), a ticket that launched a case waits for it (R33), and both resolve when they have.

import { describe, expect, it } from 'vitest';
import { applyCommand, caseStarted, childChangedNotice, splitPartStarted } from '../../workflows/domain/rules/transitions.js';
import type { WorkItem } from '../../workflows/domain/item/types.js';
import { after, alice, inProgressTicket, LENIENT, MINUTE, refusalOf, todoTicket } from './fixtures.js';

const at = (minutes: number) => after(minutes * MINUTE);
const REFS = ['T-000100', 'T-000101'];
const PARTS = [
  { title: 'Invoice 42', description: 'The first request' },
  { title: 'Invoice 43', description: 'The second request', queue: 'payables' },
];

function splitTicket(): WorkItem {
  let t = applyCommand(inProgressTicket({ queue: 'finance' }), alice, { type: 'split', tickets: PARTS, refs: REFS }, at(10));
  for (const p of t.partsToStart!) t = splitPartStarted(t, p.launchId, at(11));
  return t;
}

describe('split (R31)', () => {
  it('R31: a split ticket waits with type split; its new tickets take its category, contacts and queue unless given', () => {
    const t = applyCommand(inProgressTicket({ queue: 'finance' }), alice, { type: 'split', tickets: PARTS, refs: REFS }, at(10));
    expect(t).toMatchObject({ state: 'waiting', wait: { type: 'split' }, split: { parts: REFS, resolved: [] }, childRefs: REFS });
    expect(t.partsToStart).toMatchObject([
      { ref: 'T-000100', title: 'Invoice 42', category: LENIENT, primaryContact: 'ann@example.com', requester: 'ann@example.com', queue: 'finance', launchId: 0 },
      { title: 'Invoice 43', queue: 'payables', launchId: 1 },
    ]);
  });

  it('R31, R32: the parent lists its new tickets, and resolves as split_completed only when the last of them has resolved', () => {
    let t = splitTicket();
    expect(t.childRefs).toEqual(['T-000100', 'T-000101']);
    t = childChangedNotice(t, { ref: 'T-000100', state: 'resolved' }, at(20));
    expect(t.state).toBe('waiting');
    expect(childChangedNotice(t, { ref: 'T-000100', state: 'closed' }, at(21))).toBe(t); // the same part again
    t = childChangedNotice(t, { ref: 'T-000101', state: 'closed' }, at(22));
    expect(t).toMatchObject({ state: 'resolved', resolutionMethod: 'split_completed', feedbackWindowEndsAt: expect.any(String) });
  });

  it('R14, R31: a split wait is neither cancelled nor resolved by hand', () => {
    expect(refusalOf(() => applyCommand(splitTicket(), alice, { type: 'cancelWait' }, at(12)))).toMatchObject({ code: 'invalid_transition' });
    expect(refusalOf(() => applyCommand(splitTicket(), alice, { type: 'resolve', method: 'customer_communication' }, at(12)))).toMatchObject({ code: 'invalid_transition' });
  });

  it('R31: a split makes at least two tickets, from a ticket in progress', () => {
    expect(refusalOf(() => applyCommand(inProgressTicket(), alice, { type: 'split', tickets: [PARTS[0]], refs: ['T-000100'] }, at(10)))).toMatchObject({ code: 'invalid_request' });
    const robot = { id: 'robbie', kind: 'robot' as const, roles: [] };
    expect(refusalOf(() => applyCommand(todoTicket(), robot, { type: 'split', tickets: PARTS, refs: REFS }, at(10)))).toMatchObject({ code: 'invalid_transition', details: { from: 'todo' } });
  });
});

describe('launch case (R33)', () => {
  it('R33: the ticket waits case_launched; the case submitted changes nothing; the case resolved resolves it as customer_communication', () => {
    let t = applyCommand(inProgressTicket(), alice, { type: 'launchCase', processId: 'refunds', shortDescription: 'Refund 42', ref: 'C-000007' }, at(10));
    expect(t).toMatchObject({ state: 'waiting', wait: { type: 'case_launched' }, caseToLaunch: { ref: 'C-000007', processId: 'refunds', launchId: 0 }, childRefs: ['C-000007'] });
    t = caseStarted(t, 'C-000007', at(11));
    expect(t).toMatchObject({ childRefs: ['C-000007'], startedCase: { ref: 'C-000007' } });
    expect(t.caseToLaunch).toBeUndefined();
    expect(childChangedNotice(t, { ref: 'C-000007', state: 'todo' }, at(12))).toBe(t);
    expect(childChangedNotice(t, { ref: 'C-000099', state: 'resolved' }, at(12))).toBe(t); // not its case
    t = childChangedNotice(t, { ref: 'C-000007', state: 'resolved' }, at(13));
    expect(t).toMatchObject({ state: 'resolved', resolutionMethod: 'customer_communication' });
  });

  it('R33: a category may say how its tickets resolve when their case does', () => {
    const category = { ...LENIENT, launchedCaseResolution: 'rejected' as const };
    let t = applyCommand(inProgressTicket({ category }), alice, { type: 'launchCase', processId: 'refunds', shortDescription: 'Refund 42', ref: 'C-000007' }, at(10));
    t = childChangedNotice(caseStarted(t, 'C-000007', at(11)), { ref: 'C-000007', state: 'closed' }, at(12));
    expect(t).toMatchObject({ state: 'resolved', resolutionMethod: 'rejected' });
  });
});
