// Tickets that become other work over HTTP (R30, R31, R33, R32), with the real worker, Temporal
// dev server and PostgreSQL: merge, split and launch case, as the desk does them, and what the API
// refuses. Each test makes its own items.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiHarness } from '../support/api-harness.js';

let api: ApiHarness;
/** One stage of two actions. */
const PROCESS = 'other-work-refund';

beforeAll(async () => {
  api = await ApiHarness.start();
  await api.resource('pat', 'human');
  await api.resource('quinn', 'human');
  expect((await api.request('PUT', '/v1/categories/case-story-window', { body: { name: 'Invoices', feedbackWindow: 'PT2S' } })).status).toBe(200);
  const stage = { name: 'Refund', actions: [{ type: 'review', name: 'Check the payment' }, { type: 'task', name: 'Pay back' }] };
  expect((await api.request('PUT', `/v1/processes/${PROCESS}`, { body: { name: 'Refund', stages: [stage] } })).status).toBe(200);
});
afterAll(async () => {
  await api?.stop();
});

async function newCase(shortDescription: string): Promise<string> {
  const res = await api.request('POST', '/v1/work-items', { as: 'pat', body: { kind: 'case', processId: PROCESS, shortDescription, submit: true } });
  expect(res.status).toBe(201);
  return res.body.ref;
}
const caseWhen = (ref: string, what: string, check: (v: any) => boolean): Promise<any> => api.viewWhen(ref, what, check, 'pat');
const act = (ref: string, path: string, body: unknown = {}, as = 'quinn'): Promise<any> => api.act(ref, path, body, as);

describe('a ticket that launches a case (R33)', () => {
  it('R33, R32: the ticket waits case_launched; the case names the ticket; when the case resolves, the ticket resolves as customer_communication', async () => {
    const ticket = await api.request('POST', '/v1/work-items', {
      as: 'pat',
      body: { kind: 'ticket', title: 'Refund please', description: 'Invoice 42 was paid twice', categoryId: 'case-story-window', primaryContact: 'ann@acme.example', requester: 'ann@acme.example', submit: true },
    });
    expect(ticket.status).toBe(201);
    const ref = ticket.body.ref;
    await act(ref, '/pick-up', {}, 'pat');
    const unknown = await api.request('POST', `/v1/work-items/${ref}/launch-case`, { as: 'pat', body: { processId: 'no-such-process', shortDescription: 'Refund' } });
    expect(unknown.status).toBe(400);
    expect((await api.request('GET', `/v1/work-items/${ref}`, { as: 'pat' })).body.state).toBe('in_progress'); // refused: nothing changed
    const waiting = await act(ref, '/launch-case', { processId: PROCESS, shortDescription: 'Refund Acme' }, 'pat');
    expect(waiting).toMatchObject({ state: 'waiting', waitType: 'case_launched' });
    const resolveByHand = await api.request('POST', `/v1/work-items/${ref}/resolve`, { as: 'pat', body: { method: 'customer_communication' } });
    expect(resolveByHand.status).toBe(409);
    expect(waiting.childRefs).toHaveLength(1); // R32: the command's own answer names the case
    const caseRef = waiting.childRefs[0];
    const kase = await caseWhen(caseRef, 'the case\'s first stage', (x) => x.actions?.length === 2);
    expect(kase).toMatchObject({ kind: 'case', parentRef: ref, shortDescription: 'Refund Acme' });
    await act(caseRef, '/cancel', { reason: 'Refund made by hand' }, 'pat');
    const resolved = await api.eventually('the ticket resolved', async () => {
      const v = (await api.request('GET', `/v1/work-items/${ref}`, { as: 'pat' })).body;
      return (v.state === 'resolved' || v.state === 'closed') && v;
    });
    expect(resolved).toMatchObject({ resolutionMethod: 'customer_communication', childRefs: [caseRef] });
  });
});

describe('a ticket split into new tickets (R31)', () => {
  it('R31, R32: the split ticket waits; its new tickets name it and take its category, contacts and queue; it resolves when the last resolves', async () => {
    const ticket = await api.request('POST', '/v1/work-items', {
      as: 'pat',
      body: { kind: 'ticket', title: 'Two requests', description: 'Two invoices in one email', categoryId: 'case-story-window', primaryContact: 'ann@acme.example', requester: 'ann@acme.example', queue: 'finance', submit: true },
    });
    const ref = ticket.body.ref;
    await act(ref, '/pick-up', {}, 'pat');
    const tooFew = await api.request('POST', `/v1/work-items/${ref}/split`, { as: 'pat', body: { tickets: [{ title: 'Only one', description: 'x' }] } });
    expect(tooFew.status).toBe(400);
    const waiting = await act(ref, '/split', { tickets: [{ title: 'Invoice 42', description: 'The first' }, { title: 'Invoice 43', description: 'The second', queue: 'payables' }] }, 'pat');
    expect(waiting).toMatchObject({ state: 'waiting', waitType: 'split' });
    expect(waiting.childRefs).toHaveLength(2); // R32: the command's own answer names the new tickets
    const parts = await Promise.all(waiting.childRefs.map((r: string) => api.viewWhen(r, `${r} started`, (v) => v.state !== undefined, 'quinn')));
    expect(parts).toMatchObject([
      { kind: 'ticket', state: 'todo', title: 'Invoice 42', description: 'The first', parentRef: ref, categoryId: 'case-story-window', primaryContact: 'ann@acme.example', queue: 'finance' },
      { title: 'Invoice 43', parentRef: ref, queue: 'payables' },
    ]);
    for (const part of parts) await act(part.ref, '/resolve', { method: 'customer_communication' });
    const resolved = await api.eventually('the split ticket resolved', async () => {
      const v = (await api.request('GET', `/v1/work-items/${ref}`, { as: 'pat' })).body;
      return (v.state === 'resolved' || v.state === 'closed') && v; // its two-second window may have ended
    });
    expect(resolved).toMatchObject({ resolutionMethod: 'split_completed' });
  });
});

describe('merge (R30)', () => {
  async function ticket(title: string): Promise<string> {
    const res = await api.request('POST', '/v1/work-items', {
      as: 'pat',
      body: { kind: 'ticket', title, description: `${title}, in full`, categoryId: 'case-story-window', primaryContact: 'ann@acme.example', requester: 'ann@acme.example', submit: true },
    });
    expect(res.status).toBe(201);
    return res.body.ref;
  }

  it('R30, R32, R34: a merged ticket closes as merged; its target carries its timeline; both link; later emails of its thread reach the target', async () => {
    const duplicate = await ticket('Invoice 42 again');
    const target = await ticket('Invoice 42');
    await act(duplicate, '/notes', { text: 'Same as the other one' }, 'pat');
    const merged = await act(duplicate, '/merge', { into: target }, 'pat');
    expect(merged).toMatchObject({ state: 'closed', resolutionMethod: 'merged', linkedRefs: [target] });
    const t = (await api.request('GET', `/v1/work-items/${target}`, { as: 'pat' })).body;
    expect(t.linkedRefs).toEqual([duplicate]);
    const entry = t.timeline.find((e: { type: string }) => e.type === 'merged_in');
    expect(entry).toMatchObject({ ref: duplicate, entries: expect.any(Number) });
    expect(entry.timeline.map((e: { type: string; text?: string }) => e.text).filter(Boolean)).toEqual(['Invoice 42 again, in full', 'Same as the other one']);
    const email = await api.request('POST', '/v1/inbound-emails', { body: { messageId: '<merge-1@acme.example>', from: 'ann@acme.example', to: ['desk@example.com'], subject: `Re: [${duplicate}] invoice`, body: 'Any news?' } });
    expect(email.body).toEqual({ outcome: 'attached', ref: target });
  });

  it('R30, R10: a merge the ticket refuses changes neither item: the target has no merged_in entry and no link', async () => {
    const ticketRef = await ticket('Held by quinn');
    const target = await ticket('Target');
    await act(ticketRef, '/pick-up', {}, 'quinn');
    const before = (await api.request('GET', `/v1/work-items/${target}`, { as: 'pat' })).body;
    const refused = await api.request('POST', `/v1/work-items/${ticketRef}/merge`, { as: 'pat', body: { into: target } });
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ error: 'assigned_to_other' });
    const after = (await api.request('GET', `/v1/work-items/${target}`, { as: 'pat' })).body;
    expect(after).toMatchObject({ version: before.version, linkedRefs: [], timelineCount: before.timelineCount });
  });

  it('R34: an email naming an item whose row is not stored yet (born in a workflow, or during a rebuild) reaches that item', async () => {
    const ref = await ticket('Stored late');
    await api.pool.query('DELETE FROM work_items WHERE ref = $1', [ref]);
    const email = await api.request('POST', '/v1/inbound-emails', { body: { messageId: `<late-${ref}@acme.example>`, from: 'ann@acme.example', to: ['nobody@example.com'], subject: `Re: [${ref}] invoice`, body: 'Any news?' } });
    expect(email.body).toEqual({ outcome: 'attached', ref });
  });

  it('R30: a ticket does not merge into itself, into a closed item, or into an action', async () => {
    const a = await ticket('A');
    const itself = await api.request('POST', `/v1/work-items/${a}/merge`, { as: 'pat', body: { into: a } });
    expect(itself.status).toBe(400);
    const closed = await ticket('Closed');
    await act(closed, '/pick-up', {}, 'pat');
    await act(closed, '/resolve', { method: 'rejected_spam' }, 'pat');
    const intoClosed = await api.request('POST', `/v1/work-items/${a}/merge`, { as: 'pat', body: { into: closed } });
    expect(intoClosed.status).toBe(409);
    expect(intoClosed.body).toMatchObject({ error: 'invalid_transition', from: 'closed' });
    const kase = await newCase('Merge target case');
    const v = await caseWhen(kase, 'its actions', (x) => x.actions?.length === 2);
    const intoAction = await api.request('POST', `/v1/work-items/${a}/merge`, { as: 'pat', body: { into: v.actions[0].ref } });
    expect(intoAction.status).toBe(400);
    expect((await api.request('GET', `/v1/work-items/${a}`, { as: 'pat' })).body.state).toBe('todo'); // nothing changed
    // A case takes a merged ticket.
    expect(await act(a, '/merge', { into: kase }, 'pat')).toMatchObject({ state: 'closed', resolutionMethod: 'merged' });
  });
});
