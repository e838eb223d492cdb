// The HTTP contract end to end: the API, the worker, the Temporal dev server and PostgreSQL,
// all real. One whole ticket story, then the error cases and idempotent replay. The calls go
// through the typed client (clients/typescript): paths, bodies and answers are checked by tsc
// against the service's OpenAPI document. `api.request` stays for what the types refuse on
// purpose (bodies that break the schema, malformed JSON, routes outside /v1).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiHarness, item } from '../support/api-harness.js';
import type { WorkItemsClient } from '../../clients/typescript/src/index.js';

let api: ApiHarness;
/** The typed client as resource `who`. */
const as = (who: string): WorkItemsClient => api.clientAs(who);

beforeAll(async () => {
  api = await ApiHarness.start();
  await api.resource('alice', 'human');
  await api.resource('bob', 'human');
  await api.resource('sam', 'human', ['supervisor']);
  await api.resource('robbie', 'robot');
  await api.resource('intake', 'integration');
  const category = await api.client.PUT('/v1/categories/{id}', { params: { path: { id: 'invoices' } }, body: { name: 'Invoices', requireResolutionCommunication: true, feedbackWindow: 'PT2S' } });
  expect(category.response.status).toBe(200);
  const mailbox = await api.client.PUT('/v1/mailboxes/{address}', { params: { path: { address: 'desk@example.com' } }, body: { starts: 'ticket', categoryId: 'invoices', queue: 'finance' } });
  expect(mailbox.response.status).toBe(200);
});
afterAll(async () => {
  await api?.stop();
});

const inbox = async (who: string) => (await as(who).GET('/v1/inbox')).data!.items;
const ownedWork = async (who: string) => (await as(who).GET('/v1/owned-work')).data!.items;
/** The item's view as `who` (the admin without one). */
const view = async (ref: string, who?: string) => (await (who ? as(who) : api.client).GET('/v1/work-items/{ref}', { params: { path: { ref } } })).data!;

describe('a whole ticket story over HTTP', () => {
  let ref: string;

  it('R4: a ticket created by hand is a draft with a reference', async () => {
    const res = await as('alice').POST('/v1/work-items', { body: { kind: 'ticket', title: 'Invoice 42 unpaid' } });
    expect(res.response.status).toBe(201);
    expect(res.data).toMatchObject({ kind: 'ticket', state: 'draft', title: 'Invoice 42 unpaid', version: 1 });
    ref = res.data!.ref;
    expect(ref).toMatch(/^T-\d{6}$/);
  });

  it('R5: submit is refused with every missing field listed, and nothing changes', async () => {
    const res = await as('alice').POST('/v1/work-items/{ref}/submit', { ...item(ref), body: {} });
    expect(res.response.status).toBe(422);
    expect(res.error).toMatchObject({ error: 'validation_failed', missing: ['description', 'categoryId', 'primaryContact', 'requester'] });
    expect(await view(ref, 'alice')).toMatchObject({ state: 'draft', version: 1 });
  });

  it('R5, R6: after filling the fields the ticket submits, and its description is the first note', async () => {
    const patch = await as('alice').PATCH('/v1/work-items/{ref}', {
      ...item(ref),
      body: { description: 'Supplier ACME says invoice 42 was never paid.', categoryId: 'invoices', primaryContact: 'ann@acme.example', requester: 'ann@acme.example' },
    });
    expect(patch.response.status).toBe(200);
    const res = await as('alice').POST('/v1/work-items/{ref}/submit', { ...item(ref), body: {} });
    expect(res.response.status).toBe(200);
    expect(res.data!.state).toBe('todo');
    expect(res.data!.timeline.filter((e) => e.type === 'note')[0]).toMatchObject({ text: 'Supplier ACME says invoice 42 was never paid.', initialSubmission: true });
  });

  it('R10: bob updating the todo ticket picks it up: assigned to bob, in_progress', async () => {
    const res = await as('bob').POST('/v1/work-items/{ref}/notes', { ...item(ref), body: { text: 'Checking the ledger' } });
    expect(res.response.status).toBe(200);
    expect(res.data).toMatchObject({ state: 'in_progress', assignee: 'bob' });
    await api.eventually('the Inbox to list it', async () => (await inbox('bob')).find((i) => i.ref === ref && i.state === 'in_progress'));
  });

  it('R10: another human is refused with assigned_to_other (409); a supervisor is not', async () => {
    const res = await as('alice').POST('/v1/work-items/{ref}/notes', { ...item(ref), body: { text: 'me too' } });
    expect(res.response.status).toBe(409);
    expect(res.error).toMatchObject({ error: 'assigned_to_other', assignee: 'bob' });
    expect((await as('sam').POST('/v1/work-items/{ref}/notes', { ...item(ref), body: { text: 'Supervisor: keep me posted' } })).response.status).toBe(200);
  });

  it('R14, R15, R41: waiting for more information moves it from the Inbox to Owned Work', async () => {
    const res = await as('bob').POST('/v1/work-items/{ref}/wait', { ...item(ref), body: { type: 'more_info' } });
    expect(res.response.status).toBe(200);
    expect(res.data).toMatchObject({ state: 'waiting', waitType: 'more_info' });
    await api.eventually('Owned Work to list it', async () => (await ownedWork('bob')).find((i) => i.ref === ref));
    expect((await inbox('bob')).find((i) => i.ref === ref)).toBeUndefined();
  });

  it('R16, R34, R15: an inbound email with the reference in its subject ends the wait and highlights the ticket', async () => {
    const res = await as('intake').POST('/v1/inbound-emails', {
      body: { messageId: '<reply-1@acme.example>', from: 'Ann <ann@acme.example>', to: ['desk@example.com'], subject: `Re: [${ref}] invoice 42`, body: 'Attached the remittance.' },
    });
    expect(res.response.status).toBe(200);
    expect(res.data).toEqual({ outcome: 'ended_wait', ref });
    expect(await view(ref, 'bob')).toMatchObject({ state: 'in_progress', highlighted: true, waitEndedReason: 'email_received' });
    const row = await api.eventually('the Inbox to show it highlighted', async () => (await inbox('bob')).find((i) => i.ref === ref && i.highlighted));
    expect(row).toMatchObject({ state: 'in_progress', highlighted: true, categoryId: 'invoices', queue: null });
  });

  it('R34: the same Message-ID delivered twice has one effect', async () => {
    const res = await as('intake').POST('/v1/inbound-emails', {
      body: { messageId: '<reply-1@acme.example>', from: 'ann@acme.example', to: ['desk@example.com'], subject: `Re: [${ref}] invoice 42`, body: 'Attached the remittance.' },
    });
    expect(res.data).toEqual({ outcome: 'duplicate', ref });
    expect((await view(ref, 'bob')).timeline.filter((e) => e.type === 'email_in')).toHaveLength(1);
  });

  it('R22: resolving without resolution communication is refused with a reminder, and nothing changes', async () => {
    const before = await view(ref, 'bob');
    const res = await as('bob').POST('/v1/work-items/{ref}/resolve', { ...item(ref), body: { method: 'customer_communication' } });
    expect(res.response.status).toBe(422);
    expect(res.error!.error).toBe('resolution_communication_required');
    expect(res.error!.message).toMatch(/resolution email or add an internal resolution note/);
    expect((await view(ref, 'bob')).version).toBe(before.version);
  });

  it('R22, R23, R21: after a note the ticket resolves, the note is tagged, and a PT2S feedback window closes it', async () => {
    expect((await as('bob').POST('/v1/work-items/{ref}/notes', { ...item(ref), body: { text: 'Paid on 3 March; remittance forwarded.' } })).response.status).toBe(200);
    const res = await as('bob').POST('/v1/work-items/{ref}/resolve', { ...item(ref), body: { method: 'customer_communication' } });
    expect(res.response.status).toBe(200);
    const resolved = res.data!;
    expect(resolved).toMatchObject({ state: 'resolved', resolutionMethod: 'customer_communication' });
    expect(Date.parse(resolved.feedbackWindowEndsAt!) - Date.parse(resolved.resolvedAt!)).toBe(2000);
    expect(resolved.timeline.find((e) => e.text === 'Paid on 3 March; remittance forwarded.')).toMatchObject({ isResolution: true });
    const closed = await api.eventually('the feedback window to close it', async () => {
      const v = await view(ref, 'bob');
      return v.state === 'closed' && v;
    });
    expect(closed.closedAt).toBeDefined();
  });

  it('R21, R32: a later email starts a follow-up ticket that links back, and the closed one links to it', async () => {
    const res = await as('intake').POST('/v1/inbound-emails', {
      body: { messageId: '<later-1@acme.example>', from: 'ann@acme.example', to: ['desk@example.com'], subject: `Re: [${ref}] one more thing`, body: 'Invoice 43 too, please.' },
    });
    expect(res.response.status).toBe(200);
    expect(res.data!.outcome).toBe('created_follow_up');
    const followUp = res.data!.ref!;
    expect(followUp).not.toBe(ref);
    expect(await view(followUp, 'bob')).toMatchObject({ state: 'todo', linkedRefs: [ref], categoryId: 'invoices', title: `Re: [${ref}] one more thing` });
    expect(await view(ref, 'bob')).toMatchObject({ state: 'closed', linkedRefs: [followUp] });
  });

  it('R42: the history endpoint summarises the Temporal history and links to the Temporal UI', async () => {
    const res = await as('bob').GET('/v1/work-items/{ref}/history', item(ref));
    expect(res.response.status).toBe(200);
    expect(res.data).toMatchObject({ ref, status: 'COMPLETED', uiUrl: `http://127.0.0.1:8233/namespaces/default/workflows/${ref}` });
    expect(res.data!.eventCount).toBeGreaterThan(20);
  });
});

describe('inbound email that matches nothing', () => {
  it('R35: an unmatched email to a mailbox starts a submitted ticket in its queue', async () => {
    const res = await as('intake').POST('/v1/inbound-emails', {
      body: { messageId: '<new-1@acme.example>', from: 'bo@acme.example', to: ['Desk <DESK@example.com>'], subject: 'Credit note request', body: 'Please issue a credit note.' },
    });
    expect(res.data!.outcome).toBe('created');
    const queue = await api.eventually('the queue to list it', async () => {
      const items = (await as('alice').GET('/v1/queues/{queue}', { params: { path: { queue: 'finance' } } })).data!.items;
      return items.find((i) => i.ref === res.data!.ref) && items;
    });
    expect(queue.find((i) => i.ref === res.data!.ref)).toMatchObject({ state: 'todo', assignee: null, title: 'Credit note request' });
  });

  it('R35: an email to an address no mailbox configures becomes a ticket closed as rejected_unknown_address', async () => {
    const res = await as('intake').POST('/v1/inbound-emails', {
      body: { messageId: '<stray-1@spam.example>', from: 'x@spam.example', to: ['nobody@example.com'], subject: 'Hello', body: 'Buy now' },
    });
    expect(res.data!.outcome).toBe('rejected_unknown_address');
    expect(await view(res.data!.ref!)).toMatchObject({ state: 'closed', resolutionMethod: 'rejected_unknown_address' });
  });

  it('R34: a reply matched by In-Reply-To to an email the item sent reaches that item', async () => {
    const created = await as('alice').POST('/v1/work-items', {
      body: { kind: 'ticket', title: 'Refund', description: 'Refund order 7', categoryId: 'invoices', primaryContact: 'c@x.example', requester: 'c@x.example', submit: true },
    });
    const ref = created.data!.ref;
    const sent = await as('alice').POST('/v1/work-items/{ref}/emails', { ...item(ref), body: { to: ['c@x.example'], subject: 'Which order?', body: 'Order 7 or 8?' } });
    const messageId = sent.data!.timeline.find((e) => e.type === 'email_out')!.messageId as string;
    await api.eventually('the outbox', async () => (await api.pool.query('SELECT 1 FROM outbound_emails WHERE message_id = $1', [messageId])).rowCount);
    const raw = [`Message-ID: <answer-7@x.example>`, `From: c@x.example`, `To: desk@example.com`, `Subject: Re: Which order?`, `In-Reply-To: ${messageId}`, '', 'Order 7.', ''].join('\r\n');
    const res = await api.request('POST', '/v1/inbound-emails', { as: 'intake', raw, headers: { 'content-type': 'message/rfc822' } });
    expect(res.body).toEqual({ outcome: 'attached', ref });
  });
});

describe('inbound email under concurrency and after retention', () => {
  it('R34: the same Message-ID delivered concurrently starts one ticket', async () => {
    const email = { messageId: '<burst-1@acme.example>', from: 'cy@acme.example', to: ['desk@example.com'], subject: 'Statement please', body: 'Q3 statement' };
    const answers = await Promise.all([1, 2, 3, 4].map(() => as('intake').POST('/v1/inbound-emails', { body: email })));
    expect(answers.map((a) => a.response.status)).toEqual([200, 200, 200, 200]);
    const outcomes = answers.map((a) => a.data!.outcome).sort();
    expect(outcomes).toEqual(['created', 'duplicate', 'duplicate', 'duplicate']);
    expect(new Set(answers.map((a) => a.data!.ref)).size).toBe(1);
    await api.eventually('the ticket in the read model', async () => (await api.pool.query("SELECT 1 FROM work_items WHERE title = 'Statement please'")).rowCount);
    await new Promise((r) => setTimeout(r, 300));
    const { rows } = await api.pool.query("SELECT count(*)::int AS n FROM work_items WHERE title = 'Statement please'");
    expect(rows[0].n).toBe(1);
  });

  it('R21: an email for a closed item whose history Temporal no longer keeps still starts a linked follow-up', async () => {
    // An item closed long ago: its summary is in the read model, its workflow is past retention.
    await api.pool.query(
      `INSERT INTO work_items (ref, kind, state, highlighted, needs_human, title, category_id, queue, created_at, updated_at, version)
       VALUES ('T-000999', 'ticket', 'closed', false, false, 'Old', 'invoices', 'finance', now(), now(), 9)`,
    );
    const res = await as('intake').POST('/v1/inbound-emails', {
      body: { messageId: '<old-1@acme.example>', from: 'ann@acme.example', to: ['desk@example.com'], subject: 'Re: [T-000999] again', body: 'Same problem' },
    });
    expect(res.response.status).toBe(200);
    expect(res.data!.outcome).toBe('created_follow_up');
    expect(await view(res.data!.ref!, 'alice')).toMatchObject({ linkedRefs: ['T-000999'], categoryId: 'invoices', queue: 'finance' });
    const old = await as('alice').GET('/v1/work-items/{ref}', item('T-000999'));
    expect(old.response.status).toBe(404);
    expect(old.error!.message).toMatch(/retention/);
  });
});

describe('errors and idempotency', () => {
  it('401: a missing or unknown token', async () => {
    expect((await api.clientWith(null).GET('/v1/inbox')).response.status).toBe(401);
    const res = await api.clientWith('not-a-token').GET('/v1/inbox');
    expect(res.response.status).toBe(401);
    expect(res.error!.error).toBe('unauthorized');
  });

  it('R3: 403 when a known caller lacks the right', async () => {
    const human = await as('alice').POST('/v1/resources', { body: { id: 'eve', name: 'Eve', kind: 'human' } });
    expect(human.response.status).toBe(403);
    expect(human.error!.error).toBe('forbidden');
    const created = await as('intake').POST('/v1/work-items', { body: { kind: 'ticket', title: 'From an integration' } });
    expect(created.response.status).toBe(201);
    const pick = await as('intake').POST('/v1/work-items/{ref}/pick-up', { ...item(created.data!.ref), body: {} });
    expect(pick.response.status).toBe(403);
    expect((await api.request('POST', '/v1/inbound-emails', { as: 'alice', body: {} })).status).toBe(403);
  });

  it('400: a body that breaks the schema lists the issues with their paths, and creates nothing', async () => {
    const res = await api.request('POST', '/v1/work-items', { as: 'alice', body: { kind: 'parcel', title: 7 } });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_request');
    expect(res.body.issues.map((i: any) => i.path.join('.'))).toEqual(expect.arrayContaining(['body.kind', 'body.title']));
    const bad = await api.request('POST', '/v1/work-items', { as: 'alice', raw: '{not json', headers: { 'content-type': 'application/json' } });
    expect(bad.status).toBe(400);
    const wait = await api.request('PUT', '/v1/categories/x', { body: { name: 'X', feedbackWindow: 'three days' } });
    expect(wait.status).toBe(400);
  });

  it('404: an unknown work item', async () => {
    const res = await as('alice').GET('/v1/work-items/{ref}', item('T-999999'));
    expect(res.response.status).toBe(404);
    expect(res.error!.error).toBe('not_found');
    expect((await as('alice').POST('/v1/work-items/{ref}/pick-up', { ...item('T-999999'), body: {} })).response.status).toBe(404);
  });

  it('R2: 409 invalid_transition names the from state and the command', async () => {
    const created = await as('alice').POST('/v1/work-items', {
      body: { kind: 'ticket', title: 't', description: 'd', categoryId: 'invoices', primaryContact: 'p@x', requester: 'p@x', submit: true },
    });
    expect(created.data!.state).toBe('todo');
    const res = await as('alice').POST('/v1/work-items/{ref}/submit', { ...item(created.data!.ref), body: {} });
    expect(res.response.status).toBe(409);
    expect(res.error).toMatchObject({ error: 'invalid_transition', from: 'todo', command: 'submit' });
  });

  it('R5: an invalid submit at creation is 422 and creates nothing', async () => {
    const before = await api.pool.query("SELECT last_value, is_called FROM ticket_ref_seq");
    const res = await as('alice').POST('/v1/work-items', { body: { kind: 'ticket', title: 'x', submit: true } });
    expect(res.response.status).toBe(422);
    expect(res.error!.missing).toEqual(['description', 'categoryId', 'primaryContact', 'requester']);
    expect((await api.pool.query("SELECT last_value, is_called FROM ticket_ref_seq")).rows).toEqual(before.rows);
  });

  it('a repeat with the same Idempotency-Key returns the first response and changes nothing more', async () => {
    const created = await as('alice').POST('/v1/work-items', { body: { kind: 'ticket', title: 'idem', description: 'd', categoryId: 'invoices', primaryContact: 'p@x', requester: 'p@x', submit: true } });
    const ref = created.data!.ref;
    const note = (text: string) => as('alice').POST('/v1/work-items/{ref}/notes', { params: { path: { ref }, header: { 'Idempotency-Key': 'note-1' } }, body: { text } });
    const first = await note('only once');
    const second = await note('only once');
    expect(first.response.status).toBe(200);
    expect(second.response.status).toBe(200);
    expect(second.data).toEqual(first.data);
    expect(second.response.headers.get('idempotent-replayed')).toBe('true');
    expect((await view(ref, 'alice')).timeline.filter((e) => e.text === 'only once')).toHaveLength(1);
    const reused = await note('different');
    expect(reused.response.status).toBe(422);
    expect(reused.error!.error).toBe('idempotency_key_reused');
  });

  it('R41: lists filter by kind and state and are sorted, with a cursor for the next page', async () => {
    const list = async (query: { limit: number; cursor?: string }) =>
      (await as('alice').GET('/v1/work-items', { params: { query: { kind: 'ticket', state: 'todo', ...query } } })).data!;
    const all = await list({ limit: 2 });
    expect(all.items).toHaveLength(2);
    expect(all.items.every((i) => i.kind === 'ticket' && i.state === 'todo')).toBe(true);
    const next = await list({ limit: 2, cursor: all.nextCursor! });
    const whole = (await list({ limit: 500 })).items.map((i) => i.ref);
    expect([...all.items, ...next.items].map((i) => i.ref)).toEqual(whole.slice(0, all.items.length + next.items.length));
    expect((await api.request('GET', '/v1/work-items?state=bogus', { as: 'alice' })).status).toBe(400);
  });
});

describe('service surface', () => {
  it('GET /v1/openapi.json is generated from the schemas and needs no token', async () => {
    const res = await api.request('GET', '/v1/openapi.json', { token: null });
    expect(res.status).toBe(200);
    expect(res.body.openapi).toMatch(/^3\./);
    for (const path of ['/v1/work-items', '/v1/work-items/{ref}', '/v1/work-items/{ref}/resolve', '/v1/inbound-emails', '/v1/inbox', '/v1/resources', '/v1/categories/{id}']) {
      expect(Object.keys(res.body.paths)).toContain(path);
    }
    expect(res.body.components.schemas.WorkItem.properties.state.enum).toContain('waiting');
  });

  it('healthz and readyz answer without a token', async () => {
    expect((await api.request('GET', '/healthz', { token: null })).status).toBe(200);
    const ready = await api.request('GET', '/readyz', { token: null });
    expect(ready.body).toEqual({ ok: true, temporal: true, postgres: true });
  });
});
