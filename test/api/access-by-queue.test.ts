// R46 through the API, with the worker, Temporal and PostgreSQL for real: one service for a
// finance desk and an HR desk. Each test makes its own items. The matrix of every route by
// caller and place is test/api/authorization-matrix.test.ts; this file covers what it does not:
// lists, links, email across queues and moving an item between queues.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiHarness } from '../support/api-harness.js';

let api: ApiHarness;
let mails = 0;

beforeAll(async () => {
  api = await ApiHarness.start();
  await api.resource('fran', 'human', [], ['finance']); // a finance agent
  await api.resource('fiona', 'human', ['supervisor'], ['finance']); // finance's supervisor
  await api.resource('hugo', 'human', [], ['hr']); // an HR agent
  await api.resource('finance-feed', 'integration', [], ['finance']); // an integration limited to finance
  await api.resource('warehouse', 'integration'); // an unlimited integration
  expect((await api.request('PUT', '/v1/categories/quick', { body: { name: 'Quick', feedbackWindow: 'PT2S' } })).status).toBe(200);
  expect((await api.request('PUT', '/v1/mailboxes/finance@desk.example', { body: { starts: 'ticket', categoryId: 'quick', queue: 'finance' } })).status).toBe(200);
  expect((await api.request('PUT', '/v1/processes/hire', { body: { name: 'Hire', stages: [{ name: 'Papers', actions: [{ type: 'review', name: 'Contract' }, { type: 'review', name: 'Badge' }] }] } })).status).toBe(200);
});
afterAll(async () => {
  await api?.stop();
});

/** A submitted ticket in `queue`, made by the admin. */
async function ticket(queue: string, title = 'Expense claim'): Promise<string> {
  const res = await api.request('POST', '/v1/work-items', {
    body: { kind: 'ticket', title, description: 'Details', categoryId: 'quick', primaryContact: 'ann@acme.example', requester: 'ann@acme.example', queue, submit: true },
  });
  expect(res.status).toBe(201);
  return res.body.ref as string;
}

const refsOf = (list: { items: Array<{ ref: string }> }) => list.items.map((i) => i.ref);

describe('R46: what a bounded caller sees', () => {
  it('R46: an HR item answers a finance agent exactly as an unknown ref does, on its view, timeline, history and commands', async () => {
    const hr = await ticket('hr');
    const unknown = 'T-999998';
    for (const [method, suffix, body] of [
      ['GET', '', undefined],
      ['GET', '/timeline', undefined],
      ['GET', '/history', undefined],
      ['POST', '/pick-up', {}],
      ['POST', '/notes', { text: 'Peeking' }],
    ] as const) {
      const hidden = await api.request(method, `/v1/work-items/${hr}${suffix}`, { as: 'fran', body });
      const missing = await api.request(method, `/v1/work-items/${unknown}${suffix}`, { as: 'fran', body });
      expect(hidden.status, `${method} ${suffix}`).toBe(404);
      expect(hidden.body, `${method} ${suffix}`).toEqual({ ...missing.body, message: missing.body.message.replace(unknown, hr) });
      expect((await api.request(method, `/v1/work-items/${hr}${suffix}`, { as: 'hugo', body })).status, `hugo: ${method} ${suffix}`).toBe(200);
    }
    expect((await api.request('GET', `/v1/work-items/${hr}`)).body.timeline.filter((e: { by: string }) => e.by === 'fran')).toEqual([]);
  });

  it('R46: lists never show an item out of reach; the admin and an unlimited integration see both desks', async () => {
    const [fin, hr] = [await ticket('finance', 'Fin list'), await ticket('hr', 'HR list')];
    const all = async (as?: string) => refsOf((await api.request('GET', '/v1/work-items?limit=500', { as })).body);
    expect(await all('fran')).toContain(fin);
    expect(await all('fran')).not.toContain(hr);
    expect(await all('finance-feed')).not.toContain(hr);
    for (const as of [undefined, 'warehouse']) expect(await all(as)).toEqual(expect.arrayContaining([fin, hr]));
    expect(refsOf((await api.request('GET', '/v1/queues/hr', { as: 'fran' })).body)).toEqual([]);
    expect(refsOf((await api.request('GET', '/v1/queues/hr', { as: 'hugo' })).body)).toContain(hr);
    expect((await api.request('GET', `/v1/work-items/${hr}`, { as: 'finance-feed' })).status).toBe(404);
    expect((await api.request('GET', `/v1/work-items/${hr}`, { as: 'warehouse' })).status).toBe(200);
  });

  it('R46: an item assigned to a resource, and the actions of a case it owns, are in its reach whatever their queue', async () => {
    const hr = await ticket('hr', 'Assigned across');
    await api.act(hr, '/assign', { resourceId: 'fran' }, 'hugo');
    expect((await api.request('GET', `/v1/work-items/${hr}`, { as: 'fran' })).status).toBe(200);
    expect(refsOf((await api.request('GET', '/v1/inbox', { as: 'fran' })).body)).toContain(hr);

    const kase = (await api.request('POST', '/v1/work-items', { body: { kind: 'case', processId: 'hire', shortDescription: 'Hire Ann', queue: 'hr', submit: true } })).body.ref as string;
    await api.act(kase, '/assign', { resourceId: 'fran' }, 'hugo');
    const actions = (await api.viewWhen(kase, 'its actions', (v) => v.actions?.length === 2, 'fran')).actions.map((a: { ref: string }) => a.ref) as string[];
    const listed = await api.eventually('the actions listed', async () => {
      const refs = refsOf((await api.request('GET', '/v1/work-items?kind=action&limit=500', { as: 'fran' })).body);
      return actions.every((a) => refs.includes(a)) && refs;
    });
    expect(listed).toEqual(expect.arrayContaining(actions));
    for (const action of actions) expect((await api.request('GET', `/v1/work-items/${action}`, { as: 'fran' })).status).toBe(200);
    expect((await api.request('GET', `/v1/work-items/${actions[0]}`, { as: 'fiona' })).status).toBe(404); // her queue is finance, and the case is not hers
  });

  it('R46, R30: a merge into an item out of reach is refused as into an unknown one, and a view names only the linked items its caller sees', async () => {
    const fin = await ticket('finance', 'Duplicate');
    const hr = await ticket('hr', 'Original');
    const refused = await api.request('POST', `/v1/work-items/${fin}/merge`, { as: 'fran', body: { into: hr } });
    expect(refused.status).toBe(404);
    expect(refused.body.message).toBe(`No work item ${hr}.`);
    expect((await api.request('GET', `/v1/work-items/${fin}`)).body.state).not.toBe('closed');

    // The admin merges an HR ticket into the finance one: the finance view links it for the admin only.
    expect((await api.request('POST', `/v1/work-items/${hr}/merge`, { body: { into: fin } })).status).toBe(200);
    const forAdmin = await api.viewWhen(fin, 'the merged ticket linked', (v) => v.linkedRefs.includes(hr));
    expect(forAdmin.linkedRefs).toContain(hr);
    expect((await api.request('GET', `/v1/work-items/${fin}`, { as: 'fran' })).body.linkedRefs).not.toContain(hr);
  });
});

describe('R46: moving an item, and email across queues', () => {
  it('R46: a supervisor of its queue moves an item to HR: the timeline says so, the lists follow, and it leaves finance\'s reach', async () => {
    const fin = await ticket('finance', 'Misrouted');
    expect((await api.request('POST', `/v1/work-items/${fin}/queue`, { as: 'fran', body: { queue: 'hr' } })).status).toBe(403);
    const moved = await api.act(fin, '/queue', { queue: 'hr' }, 'fiona');
    expect(moved).toMatchObject({ queue: 'hr', state: 'todo' });
    expect(moved.timeline.at(-1)).toMatchObject({ type: 'queue_changed', by: 'fiona', from: 'finance', to: 'hr' });
    expect(refsOf((await api.request('GET', '/v1/queues/hr', { as: 'hugo' })).body)).toContain(fin);
    expect(refsOf((await api.request('GET', '/v1/queues/finance', { as: 'fran' })).body)).not.toContain(fin);
    expect((await api.request('GET', `/v1/work-items/${fin}`, { as: 'fiona' })).status).toBe(404);
    const back = await api.request('POST', `/v1/work-items/${fin}/queue`, { as: 'fiona', body: { queue: 'finance' } });
    expect(back.status).toBe(404);
  });

  it('R46, R34: a customer\'s reply reaches its item in another queue than its mailbox\'s, and a follow-up names its predecessor only to those who see it', async () => {
    const send = async (subject: string) =>
      (await api.request('POST', '/v1/inbound-emails', { body: { messageId: `<access-${++mails}@acme.example>`, from: 'ann@acme.example', to: ['finance@desk.example'], subject, body: 'Hello' } })).body;
    const first = await send('My payslip is wrong');
    expect(first.outcome).toBe('created');
    const ref = first.ref as string;
    await api.act(ref, '/queue', { queue: 'hr' }, 'fiona');
    expect(await send(`Re: [${ref}] My payslip is wrong`)).toMatchObject({ outcome: 'attached', ref });

    await api.act(ref, '/notes', { text: 'Fixed the payslip', isResolution: true }, 'hugo');
    await api.act(ref, '/resolve', { method: 'customer_communication' }, 'hugo');
    await api.viewWhen(ref, 'the feedback window to close it', (v) => v.state === 'closed');
    const followUp = await send(`Re: [${ref}] My payslip is wrong`);
    expect(followUp.outcome).toBe('created_follow_up');
    expect((await api.request('GET', `/v1/work-items/${followUp.ref}`)).body).toMatchObject({ queue: 'hr', linkedRefs: [ref] });
    // Handed to fran of finance, the follow-up is hers to see; its HR predecessor is not.
    await api.act(followUp.ref, '/assign', { resourceId: 'fran' }, 'hugo');
    const forFran = await api.request('GET', `/v1/work-items/${followUp.ref}`, { as: 'fran' });
    expect(forFran.body).toMatchObject({ ref: followUp.ref, assignee: 'fran', linkedRefs: [] });
    expect((await api.request('GET', `/v1/work-items/${followUp.ref}`, { as: 'hugo' })).body.linkedRefs).toEqual([ref]);
  });
});
