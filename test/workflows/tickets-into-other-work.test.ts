// Tickets that become other work (R30, R31, R33, R32) on the time-skipping test server, with the
// real activities and PostgreSQL: a ticket merges into another, splits into new tickets that it
// waits for, or launches a case that it waits for. The last test replays every history here.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WorkItemView } from '../../workflows/domain/item/view.js';
import { alice, bob, WorkflowHarness } from '../support/workflow-harness.js';

let h: WorkflowHarness;

beforeAll(async () => {
  h = await WorkflowHarness.start();
});
afterAll(async () => {
  await h?.stop();
});

/** Alice takes an action and completes it (an action closes at once, R25). */
function finish(ref: string): Promise<WorkItemView> {
  return h.command(h.handleOf(ref), alice, { type: 'resolve', method: 'complete' });
}

describe('merge (R30, R32)', () => {
  it('R30, R32: the target takes the ticket\'s timeline and links it; the ticket closes at once as merged, linked to its target', async () => {
    const target = await h.ticket({ submit: true }, true);
    const duplicate = await h.ticket({ submit: true }, true);
    const [t, d] = await Promise.all([h.view(target), h.view(duplicate)]);
    const taken = await h.command(target, bob, { type: 'takeMerged', ref: d.ref, mergedTimeline: JSON.stringify(d.timeline), entries: d.timeline.length });
    expect(taken).toMatchObject({ state: 'todo', linkedRefs: [d.ref] }); // taking a merge does not take the item (R10)
    expect(taken.timeline.at(-1)).toMatchObject({ type: 'merged_in', ref: d.ref, entries: d.timeline.length });
    const merged = await h.command(duplicate, alice, { type: 'merge', into: t.ref });
    expect(merged).toMatchObject({ state: 'closed', resolutionMethod: 'merged', linkedRefs: [t.ref] });
    expect(merged.feedbackWindowEndsAt).toBeUndefined();
    expect(await h.result(duplicate)).toMatchObject({ state: 'closed' });
  });
});

describe('a ticket that launches a case (R33, R32)', () => {
  it('R33, R32: a ticket in progress launches a case, waits case_launched until the case resolves, then resolves as customer_communication', async () => {
    await h.pool.query('INSERT INTO processes (id, version, definition) VALUES ($1, 1, $2)', ['launched-by-ticket', JSON.stringify({ name: 'Refund', stages: [{ name: 'Pay', actions: [{ type: 'task', name: 'Pay back' }] }] })]);
    const ticket = await h.ticket({ submit: true }, true);
    await h.command(ticket, alice, { type: 'pickUp' });
    const waiting = await h.command(ticket, alice, { type: 'launchCase', processId: 'launched-by-ticket', shortDescription: 'Refund invoice 42', ref: await h.nextRef('case') });
    expect(waiting).toMatchObject({ state: 'waiting', waitType: 'case_launched' });
    const t = waiting; // R32: the command's answer names the new items
    await h.started(...t.childRefs);
    const kase = h.handleOf(t.childRefs[0]);
    const c = await h.until(kase, (v) => (v.actions?.length ?? 0) === 1, 'the case\'s action');
    expect(c).toMatchObject({ kind: 'case', state: 'todo', parentRef: t.ref, shortDescription: 'Refund invoice 42', processId: 'launched-by-ticket' });
    expect((await h.view(ticket)).state).toBe('waiting'); // submitted is not resolved
    await finish(c.childRefs[0]);
    await h.until(kase, (v) => v.flowComplete === true, 'the flow complete');
    await h.command(kase, alice, { type: 'resolve', method: 'complete' });
    expect(await h.result(ticket)).toMatchObject({ state: 'closed', resolutionMethod: 'customer_communication', childRefs: [c.ref] });
  });

  it('R33: a ticket whose case is cancelled resolves too', async () => {
    await h.pool.query('INSERT INTO processes (id, version, definition) VALUES ($1, 1, $2) ON CONFLICT DO NOTHING', ['launched-and-cancelled', JSON.stringify({ name: 'Refund', stages: [{ name: 'Pay', actions: [{ type: 'task', name: 'Pay back' }] }] })]);
    const ticket = await h.ticket({ submit: true }, true);
    await h.command(ticket, alice, { type: 'pickUp' });
    const waiting = await h.command(ticket, alice, { type: 'launchCase', processId: 'launched-and-cancelled', shortDescription: 'Refund', ref: await h.nextRef('case') });
    const t = waiting; // R32: the command's answer names the new items
    await h.started(...t.childRefs);
    await h.command(h.handleOf(t.childRefs[0]), alice, { type: 'cancel', reason: 'Customer withdrew the claim' });
    expect(await h.result(ticket)).toMatchObject({ state: 'closed', resolutionMethod: 'customer_communication' });
  });
});

describe('a ticket split into new tickets (R31, R32)', () => {
  it('R31, R32: the split ticket starts its new tickets as children, and resolves as split_completed only when the last one resolves', async () => {
    const ticket = await h.ticket({ submit: true, queue: 'finance' }, true);
    await h.command(ticket, alice, { type: 'pickUp' });
    const waiting = await h.command(ticket, alice, { type: 'split', tickets: [{ title: 'Invoice 42', description: 'First request' }, { title: 'Invoice 43', description: 'Second request' }], refs: [await h.nextRef('ticket'), await h.nextRef('ticket')] });
    expect(waiting).toMatchObject({ state: 'waiting', waitType: 'split' });
    const t = waiting; // R32: the command's answer names the new items
    await h.started(...t.childRefs);
    const [first, second] = t.childRefs.map((ref) => h.handleOf(ref));
    expect(await h.view(first)).toMatchObject({ kind: 'ticket', state: 'todo', title: 'Invoice 42', parentRef: t.ref, queue: 'finance', categoryId: 'invoices' });
    await h.command(first, alice, { type: 'resolve', method: 'customer_communication' });
    await h.command(second, alice, { type: 'pickUp' });
    expect((await h.view(ticket)).state).toBe('waiting');
    await h.command(second, alice, { type: 'resolve', method: 'rejected' });
    expect(await h.result(ticket)).toMatchObject({ state: 'closed', resolutionMethod: 'split_completed', childRefs: t.childRefs });
  });
});

it('R42: every history recorded above replays without nondeterminism', async () => {
  const { replayed, children, errors } = await h.replayAll();
  expect(errors).toEqual([]);
  expect(children).toBeGreaterThan(3);
  expect(replayed).toBe(h.handles.length + children);
});
