// R43 over HTTP: POST /v1/legacy/import starts each v2020.1 item in its mapped state, refuses a
// batch with any bad item whole, and imports a legacyRef once. Deadlines keep their real times.

import { afterAll, beforeAll, expect, it } from 'vitest';
import { ApiHarness } from '../support/api-harness.js';

let api: ApiHarness;
const TICKET = { kind: 'ticket', title: 'Invoice 42', description: 'Unpaid', categoryId: 'legacy-invoices', primaryContact: 'ann@acme.example', requester: 'ann@acme.example' };

beforeAll(async () => {
  api = await ApiHarness.start();
  await api.resource('legacy-intake', 'integration');
  await api.resource('lena', 'human');
  expect((await api.request('PUT', '/v1/categories/legacy-invoices', { body: { name: 'Invoices', feedbackWindow: 'PT3S' } })).status).toBe(200);
  expect((await api.request('PUT', '/v1/processes/legacy-onboarding', { body: { name: 'Onboarding', stages: [{ name: 'Check', actions: [{ type: 'review', name: 'Check' }] }] } })).status).toBe(200);
});
afterAll(async () => {
  await api?.stop();
});

const importBatch = (items: unknown[]) => api.request('POST', '/v1/legacy/import', { as: 'legacy-intake', body: { items } });
const view = async (ref: string) => (await api.request('GET', `/v1/work-items/${ref}`, { as: 'lena' })).body;

it('R43: each item starts in its mapped state, with its assignee, wait, notes marked as imported, and its old reference and status', async () => {
  const res = await importBatch([
    { ...TICKET, legacyRef: 'L-1', status: 'Paused – awaiting more information', assignee: 'lena', timeline: [{ at: '2025-01-02T09:00:00Z', by: 'old.agent', text: 'Asked for the remittance' }] },
    { legacyRef: 'L-2', kind: 'case', status: 'Needs attention', shortDescription: 'Onboard Acme', processId: 'legacy-onboarding', attentionReason: 'Documents expired' },
    { legacyRef: 'L-3', kind: 'action', status: 'Unable to complete', title: 'Check sanctions', resolvedAt: '2025-01-03T10:00:00Z' },
  ]);
  expect(res.status).toBe(201);
  expect(res.body.items.map((i: { legacyRef: string }) => i.legacyRef)).toEqual(['L-1', 'L-2', 'L-3']);
  const [ticket, kase, action] = await Promise.all(res.body.items.map((i: { ref: string }) => view(i.ref)));
  expect(ticket).toMatchObject({ kind: 'ticket', state: 'waiting', waitType: 'more_info', assignee: 'lena', legacyRef: 'L-1', legacyStatus: 'Paused – awaiting more information' });
  expect(ticket.timeline.find((e: { type: string }) => e.type === 'note')).toMatchObject({ at: '2025-01-02T09:00:00.000Z', by: 'old.agent', text: 'Asked for the remittance', imported: true });
  expect(ticket.timeline.at(-1)).toMatchObject({ type: 'imported', legacyRef: 'L-1' });
  expect(kase).toMatchObject({ kind: 'case', state: 'todo', highlighted: true, attention: { reason: 'Documents expired' } });
  expect(action).toMatchObject({ kind: 'action', state: 'closed', resolutionMethod: 'unable_to_complete', resolvedAt: '2025-01-03T10:00:00.000Z' });
  const owned = (await api.request('GET', '/v1/owned-work', { as: 'lena' })).body.items.map((i: { ref: string }) => i.ref);
  expect(owned).toContain(ticket.ref); // R41: in the lists too
});

it('R43: a legacyRef imported before answers with its existing ref and is not imported again', async () => {
  const first = await importBatch([{ ...TICKET, legacyRef: 'L-10', status: 'In progress (not yet being processed)' }]);
  const again = await importBatch([{ ...TICKET, legacyRef: 'L-10', status: 'In progress (not yet being processed)' }, { ...TICKET, legacyRef: 'L-11', status: '(none: draft)' }]);
  expect(again.status).toBe(201);
  expect(again.body.items[0]).toEqual({ ...first.body.items[0], imported: false });
  expect(again.body.items[1].imported).toBe(true);
  expect(again.body.items[1].ref).not.toBe(first.body.items[0].ref);
  const tickets = (await api.request('GET', '/v1/work-items?kind=ticket', { as: 'lena' })).body.items.filter((i: { title: string }) => i.title === 'Invoice 42');
  expect(tickets.filter((i: { ref: string }) => i.ref === first.body.items[0].ref)).toHaveLength(1);
});

it('R43: one bad item refuses the whole batch, naming every bad item by index and legacyRef; nothing is imported', async () => {
  const res = await importBatch([
    { ...TICKET, legacyRef: 'L-20', status: 'In progress (not yet being processed)' },
    { ...TICKET, legacyRef: 'L-21', status: 'Archived' },
    { ...TICKET, legacyRef: 'L-22', status: 'Paused – scheduled for follow-up', assignee: 'lena', waitUntil: 'next tuesday' },
    { kind: 'ticket', legacyRef: 'L-23', status: 'In progress (being processed)', title: 'No description' },
  ]);
  expect(res.status).toBe(422);
  expect(res.body.error).toBe('import_refused');
  expect(res.body.items.map((i: { index: number; legacyRef: string }) => [i.index, i.legacyRef])).toEqual([[1, 'L-21'], [2, 'L-22'], [3, 'L-23']]);
  expect(res.body.items[0].problems[0]).toMatch(/"Archived" is not a v2020.1 status of a ticket/);
  expect(res.body.items[1].problems).toEqual(['waitUntil "next tuesday" is not a date and time (ISO-8601, e.g. 2026-03-02T09:00:00Z)']);
  expect(res.body.items[2].problems).toEqual(['an item in_progress needs its assignee']); // missing R5 fields are not a problem (R43)
  const fixed = await importBatch([{ ...TICKET, legacyRef: 'L-20', status: 'In progress (not yet being processed)' }]);
  expect(fixed.status).toBe(201); // L-20 was not claimed by the refused batch
});

it('R43, R5: a ticket past draft without the fields v2021.1 asks for is imported as it is, its view listing them', async () => {
  const res = await importBatch([{ kind: 'ticket', legacyRef: 'L-24', status: 'In progress (being processed)', title: 'No description', assignee: 'lena' }]);
  expect(res.status).toBe(201);
  const view = (await api.request('GET', `/v1/work-items/${res.body.items[0].ref}`)).body;
  expect(view).toMatchObject({ state: 'in_progress', legacyRef: 'L-24', missingFields: ['description', 'categoryId', 'primaryContact', 'requester'] });
});

it('R43, R17, R21: imported deadlines keep their real times: an until in the past ends at once, a window ending soon closes the ticket on time', async () => {
  const resolvedAt = new Date(Date.now() - 1000);
  const res = await importBatch([
    { ...TICKET, legacyRef: 'L-30', status: 'Paused – scheduled for follow-up', assignee: 'lena', waitUntil: '2025-06-01T00:00:00Z' },
    { ...TICKET, legacyRef: 'L-31', status: 'Resolved', resolvedAt: resolvedAt.toISOString() },
    { ...TICKET, legacyRef: 'L-32', status: 'Resolved – no customer response', resolvedAt: '2025-06-01T00:00:00Z' },
  ]);
  expect(res.status).toBe(201);
  const [until, resolved, old] = res.body.items.map((i: { ref: string }) => i.ref);
  // The window ends three seconds after the real resolution, not after the import.
  const window = await view(resolved);
  expect(window).toMatchObject({ feedbackWindowEndsAt: new Date(resolvedAt.getTime() + 3000).toISOString() });
  expect(['resolved', 'closed']).toContain(window.state);
  const ended = await api.viewWhen(until, 'the past until to end', (v) => v.state === 'in_progress', 'lena');
  expect(ended).toMatchObject({ waitEndedReason: 'until_reached', assignee: 'lena' });
  expect(await api.viewWhen(resolved, 'the window to end', (v) => v.state === 'closed', 'lena')).toMatchObject({ resolutionMethod: 'customer_communication' });
  expect(await api.viewWhen(old, 'the long-past window to close it', (v) => v.state === 'closed', 'lena')).toMatchObject({ resolutionMethod: 'no_customer_response' });
});

it('R43: a batch that fails part way (a workflow that cannot start) leaves nothing: the items started are terminated, no legacyRef is claimed', async () => {
  // Occupy the ref the batch's second item will get, so that its start fails after the first's.
  const { rows } = await api.pool.query<{ last_value: string; is_called: boolean }>('SELECT last_value, is_called FROM ticket_ref_seq');
  const next = Number(rows[0].last_value) + (rows[0].is_called ? 1 : 0);
  const [first, occupied] = [next, next + 1].map((n) => `T-${String(n).padStart(6, '0')}`);
  const blocker = await api.service.client.workflow.start('workItem', { workflowId: occupied, taskQueue: 'legacy-import-test-nowhere', args: [] });
  try {
    const res = await importBatch([
      { ...TICKET, legacyRef: 'L-40', status: '(none: draft)' },
      { ...TICKET, legacyRef: 'L-41', status: '(none: draft)' },
    ]);
    expect(res.status).toBe(503);
    expect(res.body.message).toMatch(/nothing of the batch was imported/);
    expect((await api.service.client.workflow.getHandle(first).describe()).status.name).toBe('TERMINATED');
    expect((await api.pool.query("SELECT 1 FROM legacy_imports WHERE legacy_ref IN ('L-40', 'L-41')")).rowCount).toBe(0);
    expect((await api.pool.query('SELECT 1 FROM work_items WHERE ref = $1', [first])).rowCount).toBe(0);
  } finally {
    await blocker.terminate();
  }
  const again = await importBatch([{ ...TICKET, legacyRef: 'L-40', status: '(none: draft)' }, { ...TICKET, legacyRef: 'L-41', status: '(none: draft)' }]);
  expect(again.status).toBe(201);
  expect(again.body.items.map((i: { imported: boolean }) => i.imported)).toEqual([true, true]);
});

it('R43: a large batch that fails part way, with many starts in flight, leaves nothing either: every item started is terminated, no claim, no row', async () => {
  const { rows } = await api.pool.query<{ last_value: string; is_called: boolean }>('SELECT last_value, is_called FROM ticket_ref_seq');
  const next = Number(rows[0].last_value) + (rows[0].is_called ? 1 : 0);
  const refs = Array.from({ length: 40 }, (_, i) => `T-${String(next + i).padStart(6, '0')}`);
  const occupied = refs[20]; // the 21st item's start fails while others are in flight
  const blocker = await api.service.client.workflow.start('workItem', { workflowId: occupied, taskQueue: 'legacy-import-test-nowhere', args: [] });
  const batch = refs.map((_, i) => ({ ...TICKET, legacyRef: `L-50-${i}`, status: '(none: draft)' }));
  try {
    const res = await importBatch(batch);
    expect(res.status).toBe(503);
    const statuses = await Promise.all(
      refs.filter((ref) => ref !== occupied).map((ref) => api.service.client.workflow.getHandle(ref).describe().then((d) => d.status.name, () => 'none')),
    );
    expect(statuses.filter((s) => s === 'TERMINATED').length).toBeGreaterThan(0);
    expect(statuses.filter((s) => s !== 'TERMINATED' && s !== 'none')).toEqual([]);
    expect((await api.pool.query("SELECT 1 FROM legacy_imports WHERE legacy_ref LIKE 'L-50-%'")).rowCount).toBe(0);
    expect((await api.pool.query('SELECT 1 FROM work_items WHERE ref = ANY($1)', [refs])).rowCount).toBe(0);
  } finally {
    await blocker.terminate();
  }
  const again = await importBatch(batch);
  expect(again.status).toBe(201);
  expect(again.body.items.every((i: { imported: boolean }) => i.imported)).toBe(true);
});

it('R43: two requests importing the same items at once import each once; the one that finds them claimed may be sent again', async () => {
  const batch = Array.from({ length: 30 }, (_, i) => ({ ...TICKET, legacyRef: `L-60-${i}`, status: '(none: draft)' }));
  const answers = await Promise.all([importBatch(batch), importBatch(batch)]);
  expect(answers.map((a) => a.status).sort()).toContain(201);
  for (const a of answers) expect([201, 409]).toContain(a.status);
  const { rows } = await api.pool.query<{ legacy_ref: string; ref: string }>("SELECT legacy_ref, ref FROM legacy_imports WHERE legacy_ref LIKE 'L-60-%'");
  expect(rows).toHaveLength(30);
  const again = await importBatch(batch);
  expect(again.status).toBe(201);
  expect(again.body.items.map((i: { legacyRef: string; ref: string; imported: boolean }) => [i.legacyRef, i.ref, i.imported])).toEqual(
    batch.map((b) => [b.legacyRef, rows.find((r) => r.legacy_ref === b.legacyRef)!.ref, false]),
  );
  const stored = await api.pool.query('SELECT ref FROM work_items WHERE ref = ANY($1)', [rows.map((r) => r.ref)]);
  expect(stored.rowCount).toBe(30); // each item's row, and no other for the refs the loser took and gave back
});
