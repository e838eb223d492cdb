// Tickets that become other work over HTTP (R30, R31, R33, R32), with the real worker, Temporal
// dev server and PostgreSQL: merge, split and launch case, as the desk does them, and what the API
// refuses. Each test makes its own items. The calls go through the typed client
// (clients/typescript), checked by tsc against the service's OpenAPI document.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiHarness, item, ok } from '../support/api-harness.js';
import type { Schema, WorkItemsClient } from '../../clients/typescript/src/index.js';

let api: ApiHarness;
/** One stage of two actions. */
const PROCESS = 'other-work-refund';
/** The typed client as resource `who`. */
const as = (who: string): WorkItemsClient => api.clientAs(who);
const pat = () => as('pat');
const quinn = () => as('quinn');
type View = Schema<'WorkItem'>;

beforeAll(async () => {
  api = await ApiHarness.start();
  await api.resource('pat', 'human');
  await api.resource('quinn', 'human');
  await ok(api.client.PUT('/v1/categories/{id}', { params: { path: { id: 'case-story-window' } }, body: { name: 'Invoices', feedbackWindow: 'PT2S' } }));
  const stage = { name: 'Refund', actions: [{ type: 'review', name: 'Check the payment' }, { type: 'task', name: 'Pay back' }] };
  await ok(api.client.PUT('/v1/processes/{id}', { params: { path: { id: PROCESS } }, body: { name: 'Refund', stages: [stage] } }));
});
afterAll(async () => {
  await api?.stop();
});

async function newCase(shortDescription: string): Promise<string> {
  const res = await pat().POST('/v1/work-items', { body: { kind: 'case', processId: PROCESS, shortDescription, submit: true } });
  expect(res.response.status).toBe(201);
  return res.data!.ref;
}
/** The item's view as `who`. */
const view = (ref: string, who = 'pat'): Promise<View> => ok(as(who).GET('/v1/work-items/{ref}', item(ref)));
/** The item's view once `check` holds (what other items do to it arrives asynchronously; an item born in a workflow answers 404 until it is stored). */
const viewWhen = (ref: string, what: string, check: (v: View) => boolean, who = 'pat'): Promise<View> =>
  api.eventually(what, async () => {
    const { data } = await as(who).GET('/v1/work-items/{ref}', item(ref));
    return data && check(data) && data;
  });
const resolvedOrClosed = (v: View) => v.state === 'resolved' || v.state === 'closed'; // its two-second window may have ended

describe('a ticket that launches a case (R33)', () => {
  it('R33, R32: the ticket waits case_launched; the case names the ticket; when the case resolves, the ticket resolves as customer_communication', async () => {
    const ticket = await pat().POST('/v1/work-items', {
      body: { kind: 'ticket', title: 'Refund please', description: 'Invoice 42 was paid twice', categoryId: 'case-story-window', primaryContact: 'ann@acme.example', requester: 'ann@acme.example', submit: true },
    });
    expect(ticket.response.status).toBe(201);
    const ref = ticket.data!.ref;
    await ok(pat().POST('/v1/work-items/{ref}/pick-up', { ...item(ref), body: {} }));
    const unknown = await pat().POST('/v1/work-items/{ref}/launch-case', { ...item(ref), body: { processId: 'no-such-process', shortDescription: 'Refund' } });
    expect(unknown.response.status).toBe(400);
    expect((await view(ref)).state).toBe('in_progress'); // refused: nothing changed
    const waiting = await ok(pat().POST('/v1/work-items/{ref}/launch-case', { ...item(ref), body: { processId: PROCESS, shortDescription: 'Refund Acme' } }));
    expect(waiting).toMatchObject({ state: 'waiting', waitType: 'case_launched' });
    const resolveByHand = await pat().POST('/v1/work-items/{ref}/resolve', { ...item(ref), body: { method: 'customer_communication' } });
    expect(resolveByHand.response.status).toBe(409);
    expect(waiting.childRefs).toHaveLength(1); // R32: the command's own answer names the case
    const caseRef = waiting.childRefs[0];
    const kase = await viewWhen(caseRef, "the case's first stage", (x) => x.actions?.length === 2);
    expect(kase).toMatchObject({ kind: 'case', parentRef: ref, shortDescription: 'Refund Acme' });
    await ok(pat().POST('/v1/work-items/{ref}/cancel', { ...item(caseRef), body: { reason: 'Refund made by hand' } }));
    const resolved = await viewWhen(ref, 'the ticket resolved', resolvedOrClosed);
    expect(resolved).toMatchObject({ resolutionMethod: 'customer_communication', childRefs: [caseRef] });
  });
});

describe('a ticket split into new tickets (R31)', () => {
  it('R31, R32: the split ticket waits; its new tickets name it and take its category, contacts and queue; it resolves when the last resolves', async () => {
    const ticket = await ok(pat().POST('/v1/work-items', {
      body: { kind: 'ticket', title: 'Two requests', description: 'Two invoices in one email', categoryId: 'case-story-window', primaryContact: 'ann@acme.example', requester: 'ann@acme.example', queue: 'finance', submit: true },
    }));
    const ref = ticket.ref;
    await ok(pat().POST('/v1/work-items/{ref}/pick-up', { ...item(ref), body: {} }));
    const tooFew = await pat().POST('/v1/work-items/{ref}/split', { ...item(ref), body: { tickets: [{ title: 'Only one', description: 'x' }] } });
    expect(tooFew.response.status).toBe(400);
    const waiting = await ok(pat().POST('/v1/work-items/{ref}/split', { ...item(ref), body: { tickets: [{ title: 'Invoice 42', description: 'The first' }, { title: 'Invoice 43', description: 'The second', queue: 'payables' }] } }));
    expect(waiting).toMatchObject({ state: 'waiting', waitType: 'split' });
    expect(waiting.childRefs).toHaveLength(2); // R32: the command's own answer names the new tickets
    const parts = await Promise.all(waiting.childRefs.map((r) => viewWhen(r, `${r} started`, (v) => v.state !== undefined, 'quinn')));
    expect(parts).toMatchObject([
      { kind: 'ticket', state: 'todo', title: 'Invoice 42', description: 'The first', parentRef: ref, categoryId: 'case-story-window', primaryContact: 'ann@acme.example', queue: 'finance' },
      { title: 'Invoice 43', parentRef: ref, queue: 'payables' },
    ]);
    for (const part of parts) await ok(quinn().POST('/v1/work-items/{ref}/resolve', { ...item(part.ref), body: { method: 'customer_communication' } }));
    const resolved = await viewWhen(ref, 'the split ticket resolved', resolvedOrClosed);
    expect(resolved).toMatchObject({ resolutionMethod: 'split_completed' });
  });
});

describe('merge (R30)', () => {
  async function ticket(title: string): Promise<string> {
    const res = await pat().POST('/v1/work-items', {
      body: { kind: 'ticket', title, description: `${title}, in full`, categoryId: 'case-story-window', primaryContact: 'ann@acme.example', requester: 'ann@acme.example', submit: true },
    });
    expect(res.response.status).toBe(201);
    return res.data!.ref;
  }
  const merge = (ref: string, into: string) => pat().POST('/v1/work-items/{ref}/merge', { ...item(ref), body: { into } });

  it('R30, R32, R34: a merged ticket closes as merged; its target carries its timeline; both link; later emails of its thread reach the target', async () => {
    const duplicate = await ticket('Invoice 42 again');
    const target = await ticket('Invoice 42');
    await ok(pat().POST('/v1/work-items/{ref}/notes', { ...item(duplicate), body: { text: 'Same as the other one' } }));
    const merged = await ok(merge(duplicate, target));
    expect(merged).toMatchObject({ state: 'closed', resolutionMethod: 'merged', linkedRefs: [target] });
    const t = await view(target);
    expect(t.linkedRefs).toEqual([duplicate]);
    const entry = t.timeline.find((e) => e.type === 'merged_in');
    expect(entry).toMatchObject({ ref: duplicate, entries: expect.any(Number) });
    expect((entry!.timeline as Array<{ text?: string }>).map((e) => e.text).filter(Boolean)).toEqual(['Invoice 42 again, in full', 'Same as the other one']);
    const email = await api.client.POST('/v1/inbound-emails', { body: { messageId: '<merge-1@acme.example>', from: 'ann@acme.example', to: ['desk@example.com'], subject: `Re: [${duplicate}] invoice`, body: 'Any news?' } });
    expect(email.data).toEqual({ outcome: 'attached', ref: target });
  });

  it('R30, R10: a merge the ticket refuses changes neither item: the target has no merged_in entry and no link', async () => {
    const ticketRef = await ticket('Held by quinn');
    const target = await ticket('Target');
    await ok(quinn().POST('/v1/work-items/{ref}/pick-up', { ...item(ticketRef), body: {} }));
    const before = await view(target);
    const refused = await merge(ticketRef, target);
    expect(refused.response.status).toBe(409);
    expect(refused.error).toMatchObject({ error: 'assigned_to_other' });
    expect(await view(target)).toMatchObject({ version: before.version, linkedRefs: [], timelineCount: before.timelineCount });
  });

  it('R34: an email naming an item whose row is not stored yet (born in a workflow, or during a rebuild) reaches that item', async () => {
    const ref = await ticket('Stored late');
    await api.pool.query('DELETE FROM work_items WHERE ref = $1', [ref]);
    const email = await api.client.POST('/v1/inbound-emails', { body: { messageId: `<late-${ref}@acme.example>`, from: 'ann@acme.example', to: ['nobody@example.com'], subject: `Re: [${ref}] invoice`, body: 'Any news?' } });
    expect(email.data).toEqual({ outcome: 'attached', ref });
  });

  it('R30: a ticket does not merge into itself, into a closed item, or into an action', async () => {
    const a = await ticket('A');
    expect((await merge(a, a)).response.status).toBe(400);
    const closed = await ticket('Closed');
    await ok(pat().POST('/v1/work-items/{ref}/pick-up', { ...item(closed), body: {} }));
    await ok(pat().POST('/v1/work-items/{ref}/resolve', { ...item(closed), body: { method: 'rejected_spam' } }));
    const intoClosed = await merge(a, closed);
    expect(intoClosed.response.status).toBe(409);
    expect(intoClosed.error).toMatchObject({ error: 'invalid_transition', from: 'closed' });
    const kase = await newCase('Merge target case');
    const v = await viewWhen(kase, 'its actions', (x) => x.actions?.length === 2);
    expect((await merge(a, v.actions![0].ref)).response.status).toBe(400);
    expect((await view(a)).state).toBe('todo'); // nothing changed
    // A case takes a merged ticket.
    expect(await ok(merge(a, kase))).toMatchObject({ state: 'closed', resolutionMethod: 'merged' });
  });
});
