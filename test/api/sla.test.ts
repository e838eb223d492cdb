// SLA over HTTP, with the dev server's visibility: due dates from a category's rule, a breach
// recorded by a timer, the breached filter of the lists, calendars, and the search attributes
// an operator filters on in the Temporal UI. The calls go through the typed client
// (clients/typescript); bodies that break the schema on purpose go through `api.request`.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiHarness, item, ok } from '../support/api-harness.js';
import type { Schema, WorkItemsClient } from '../../clients/typescript/src/index.js';

let api: ApiHarness;
const alice = (): WorkItemsClient => api.clientAs('alice');
/** Creates or replaces a category, as the admin. */
const category = (id: string, body: Schema<'Category'>) => ok(api.client.PUT('/v1/categories/{id}', { params: { path: { id } }, body }));
/** A submitted ticket of the category, created by alice: its view. */
const create = (categoryId: string) => ok(alice().POST('/v1/work-items', { body: ticket(categoryId) }));
const view = (ref: string) => ok(alice().GET('/v1/work-items/{ref}', item(ref)));

beforeAll(async () => {
  api = await ApiHarness.start();
  await api.resource('alice', 'human');
});
afterAll(async () => {
  await api?.stop();
});

const ticket = (categoryId: string): Schema<'WorkItemCreate'> => ({
  kind: 'ticket', title: 'VPN down', description: 'Cannot connect', categoryId, primaryContact: 'p@x.example', requester: 'p@x.example', submit: true,
});

describe('SLA through the API', () => {
  it('R36: a business calendar is validated and stored; a category refers to it', async () => {
    const bad = await api.request('PUT', '/v1/calendars/broken', { body: { timezone: 'Mars/Olympus', workingHours: { mon: ['09:00', '17:00'] } } });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toBe('invalid_request');
    expect(bad.body.message).toMatch(/Mars\/Olympus/);
    const badTime = await api.request('PUT', '/v1/calendars/broken', { body: { timezone: 'Europe/Bucharest', workingHours: { mon: ['9am', '17:00'] } } });
    expect(badTime.status).toBe(400);
    const office = await ok(api.client.PUT('/v1/calendars/{id}', {
      params: { path: { id: 'office' } },
      body: { timezone: 'Europe/Bucharest', workingHours: { mon: [['09:00', '12:00'], ['13:00', '17:00']], tue: ['09:00', '17:00'] }, holidays: ['2026-12-25'] },
    }));
    expect(office.workingHours.tue).toEqual([['09:00', '17:00']]);
    const unknown = await api.client.PUT('/v1/categories/{id}', { params: { path: { id: 'c1' } }, body: { name: 'C1', sla: { target: 'PT8H', calendarId: 'nope' } } });
    expect(unknown.response.status).toBe(400);
    expect((unknown.error!.issues as Array<{ path: string[] }>)[0].path).toEqual(['body', 'sla', 'calendarId']);
    await category('office-hours', { name: 'Office', sla: { target: 'PT8H', calendarId: 'office' } });
    const created = await create('office-hours');
    expect(created.sla).toMatchObject({ calendarId: 'office', target: 8 * 3_600_000, clockRunning: true });
  });

  it('R36, R39, R40: the view reads the SLA; a PT2S target is breached by its timer, and breached=true lists it', async () => {
    await category('urgent', { name: 'Urgent', sla: { target: 'PT2S' } });
    await category('relaxed', { name: 'Relaxed', sla: { target: 'P30D' } });
    const urgent = await create('urgent');
    const relaxed = await create('relaxed');
    expect(Date.parse(urgent.sla!.dueAt!) - Date.parse(urgent.submittedAt!)).toBe(2000);
    expect(urgent.sla).toMatchObject({ target: 2000, breached: false, clockRunning: true, stoppedMs: 0 });

    const breached = await api.eventually('the breach', async () => {
      const v = await view(urgent.ref);
      return v.sla!.breached && v;
    });
    expect(breached.sla!.breachedAt).toBe(urgent.sla!.dueAt);
    expect(breached.sla!.remainingMs).toBeLessThan(0);
    expect(breached.timeline.filter((e) => e.type === 'sla_breached')).toHaveLength(1);

    const listed = await api.eventually('the breached list', async () => {
      const { items } = await ok(alice().GET('/v1/work-items', { params: { query: { breached: 'true' } } }));
      return items.some((i) => i.ref === urgent.ref) && items;
    });
    expect(listed.map((i) => i.ref)).not.toContain(relaxed.ref);
    const notBreached = (await ok(alice().GET('/v1/work-items', { params: { query: { breached: 'false' } } }))).items.map((i) => i.ref);
    expect(notBreached).toContain(relaxed.ref);
    expect(notBreached).not.toContain(urgent.ref);
  });

  it('R41: lists are sorted by due date', async () => {
    const { items } = await ok(alice().GET('/v1/work-items', { params: { query: { state: 'todo' } } }));
    const dues = items.map((i) => i.dueAt).filter(Boolean);
    expect(dues.length).toBeGreaterThan(1);
    expect([...dues].sort()).toEqual(dues);
  });

  it('R40: the remaining time read through the API is current, not as of the last change', async () => {
    const created = await create('relaxed');
    await new Promise((r) => setTimeout(r, 1200));
    const later = await view(created.ref);
    expect(later.version).toBe(created.version);
    expect(created.sla!.remainingMs - later.sla!.remainingMs).toBeGreaterThanOrEqual(1000);
  });

  it('R38: waiting with a stopping rule hides the due date and shows the banner', async () => {
    await category('paused', { name: 'Paused', sla: { target: 'PT10H', addWaitingTime: true, stopOn: ['more_info'] } });
    const created = await create('paused');
    const waiting = await ok(alice().POST('/v1/work-items/{ref}/wait', { ...item(created.ref), body: { type: 'more_info' } }));
    expect(waiting.sla!.dueAt).toBeUndefined();
    expect(waiting.sla!.banner).toBe('Waiting: Paused 9h 59m before due');
  });

  it('R40: operators filter on the search attributes in Temporal (SlaBreached = true)', async () => {
    const client = api.service.client;
    const found = await api.eventually('visibility to index the breach', async () => {
      const refs: string[] = [];
      for await (const wf of client.workflow.list({ query: `SlaBreached = true AND WorkItemKind = "ticket"` })) refs.push(wf.workflowId);
      return refs.length > 0 && refs;
    });
    const breachedRows = (await ok(alice().GET('/v1/work-items', { params: { query: { breached: 'true' } } }))).items.map((i) => i.ref);
    for (const ref of breachedRows) expect(found).toContain(ref);
    // A due date filter finds a running item due within a month, and not a paused one (no DueAt).
    const relaxed = await create('relaxed');
    const paused = await create('paused');
    await ok(alice().POST('/v1/work-items/{ref}/wait', { ...item(paused.ref), body: { type: 'more_info' } }));
    const before = new Date(Date.parse(relaxed.sla!.dueAt!) + 60_000).toISOString();
    // Visibility is eventually consistent: the paused item was indexed with a due date when it was
    // created, and its wait removes it a moment later.
    const due = await api.eventually('visibility to index the due date, and its removal from the paused item', async () => {
      const refs: string[] = [];
      for await (const wf of client.workflow.list({ query: `DueAt < "${before}"` })) refs.push(wf.workflowId);
      return refs.includes(relaxed.ref) && !refs.includes(paused.ref) && refs;
    });
    expect(due).toContain(relaxed.ref);
    expect(due).not.toContain(paused.ref);
  });

  it('R44: a first-response clock breached by its timer shows in the view, the lists, the search attributes and /metrics; an answered one does not', async () => {
    const body: Schema<'Category'> = { name: 'Quick answers', sla: { target: 'P30D' }, slas: { first_response: { target: 'PT2S' }, next_response: { target: 'P1D' } } };
    const put = await category('quick', body);
    expect(put.slas).toEqual(body.slas);
    const late = await create('quick');
    const answered = await create('quick');
    expect(late.slas!.first_response).toMatchObject({ target: 2000, clockRunning: true, breached: false });
    expect(late.slas!.resolution).toEqual(late.sla);
    const reply = await ok(alice().POST('/v1/work-items/{ref}/emails', { ...item(answered.ref), body: { to: ['p@x.example'], subject: 'On it', body: 'Looking.' } }));
    expect(reply.slas!.first_response).toMatchObject({ endedBy: 'responded', breached: false, clockRunning: false });

    const breached = await api.eventually('the first-response breach', async () => {
      const v = await view(late.ref);
      return v.slas!.first_response!.breached && v;
    });
    expect(breached.slas!.first_response!.breachedAt).toBe(late.slas!.first_response!.dueAt);
    expect(breached.sla!.breached).toBe(false);
    const list = async (breached: 'true' | 'false' | 'first_response' | 'resolution') =>
      (await ok(alice().GET('/v1/work-items', { params: { query: { categoryId: 'quick', breached } } }))).items.map((i) => i.ref);
    expect(await list('first_response')).toEqual([late.ref]);
    expect(await list('resolution')).toEqual([]);
    expect(await list('true')).toEqual([late.ref]);
    expect((await list('false')).sort()).toEqual([answered.ref]);
    const bad = await api.request('GET', '/v1/work-items?breached=first', { as: 'alice' });
    expect(bad.status).toBe(400);

    const found = await api.eventually('visibility to index FirstResponseBreached', async () => {
      const refs: string[] = [];
      for await (const wf of api.service.client.workflow.list({ query: 'FirstResponseBreached = true' })) refs.push(wf.workflowId);
      return refs.includes(late.ref) && refs;
    });
    expect(found).not.toContain(answered.ref);
    const metrics = await (await fetch(`${api.url}/metrics`)).text();
    expect(metrics).toMatch(/work_items_breached_open_by_clock\{clock="first_response"\} [1-9]/);
    expect(metrics).toMatch(/work_items_breached_open_by_clock\{clock="next_response"\} 0/);
  });
});
