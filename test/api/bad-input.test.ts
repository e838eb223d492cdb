// Bad input over real HTTP: every malformed path parameter, query parameter, cursor, header and
// body is a 400 invalid_request whose issues name the field (413 for an oversize body), no
// response carries a stack trace, and the item is left as it was.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiHarness } from '../support/api-harness.js';

let api: ApiHarness;
let ref: string;

beforeAll(async () => {
  api = await ApiHarness.start();
  await api.resource('bea', 'human');
  const created = await api.request('POST', '/v1/work-items', { as: 'bea', body: { kind: 'ticket', title: 'Untouched' } });
  expect(created.status).toBe(201);
  ref = created.body.ref;
});
afterAll(async () => {
  await api?.stop();
});

const CASES: Array<{ what: string; method: string; path: () => string; body?: unknown; raw?: string; headers?: Record<string, string>; admin?: boolean; field: string[] }> = [
  { what: 'a malformed ref', method: 'GET', path: () => '/v1/work-items/not-a-ref', field: ['params', 'ref'] },
  { what: 'a ref far too long for a workflow id', method: 'POST', path: () => `/v1/work-items/T-${'9'.repeat(2000)}/notes`, body: { text: 'x' }, field: ['params', 'ref'] },
  { what: 'a category id with a space', method: 'PUT', path: () => '/v1/categories/%20bad', body: { name: 'x' }, admin: true, field: ['params', 'id'] },
  { what: 'a mailbox that is no address', method: 'PUT', path: () => '/v1/mailboxes/nobody', body: { starts: 'ticket' }, admin: true, field: ['params', 'address'] },
  { what: 'a cursor too large for the database', method: 'GET', path: () => '/v1/work-items?kind=ticket&cursor=653249928212333739892&limit=258', field: ['query', 'cursor'] },
  { what: 'a cursor on the Owned Work list', method: 'GET', path: () => '/v1/owned-work?kind=case&cursor=79188729774400722280694&limit=328', field: ['query', 'cursor'] },
  { what: 'a limit out of range', method: 'GET', path: () => '/v1/work-items?limit=100000', field: ['query', 'limit'] },
  { what: 'a limit that is no number', method: 'GET', path: () => '/v1/inbox?limit=ten', field: ['query', 'limit'] },
  { what: 'an unknown query parameter', method: 'GET', path: () => '/v1/work-items?colour=red', field: ['query'] },
  { what: 'a repeated query parameter', method: 'GET', path: () => '/v1/work-items?kind=ticket&kind=case', field: ['query', 'kind'] },
  { what: 'an Idempotency-Key with spaces', method: 'POST', path: () => `/v1/work-items/${ref}/notes`, body: { text: 'x' }, headers: { 'idempotency-key': 'has spaces' }, field: ['headers', 'Idempotency-Key'] },
  { what: 'an Idempotency-Key over 200 characters', method: 'POST', path: () => `/v1/work-items/${ref}/notes`, body: { text: 'x' }, headers: { 'idempotency-key': 'k'.repeat(201) }, field: ['headers', 'Idempotency-Key'] },
  { what: 'a body that is not JSON', method: 'POST', path: () => `/v1/work-items/${ref}/notes`, raw: '{"text": ', headers: { 'content-type': 'application/json' }, field: ['body'] },
  { what: 'a blank note', method: 'POST', path: () => `/v1/work-items/${ref}/notes`, body: { text: ' \t ' }, field: ['body', 'text'] },
  { what: 'a NUL character in a title', method: 'PATCH', path: () => `/v1/work-items/${ref}`, body: { title: 'a\u0000b' }, field: ['body', 'title'] },
  { what: 'an unknown body field', method: 'PATCH', path: () => `/v1/work-items/${ref}`, body: { colour: 'red' }, field: ['body'] },
  { what: 'a wait of an unknown type', method: 'POST', path: () => `/v1/work-items/${ref}/wait`, body: { type: 'forever' }, field: ['body', 'type'] },
  { what: 'an until that is no instant', method: 'POST', path: () => `/v1/work-items/${ref}/wait`, body: { type: 'until', until: 'tomorrow' }, field: ['body', 'until'] },
  { what: 'an email to no address', method: 'POST', path: () => `/v1/work-items/${ref}/emails`, body: { to: ['nobody'], subject: 's', body: 'b' }, field: ['body', 'to', '0'] },
  { what: 'a feedback window of a hundred years', method: 'PUT', path: () => '/v1/categories/centuries', body: { name: 'Slow', feedbackWindow: 'P36500D' }, admin: true, field: ['body', 'feedbackWindow'] },
  { what: 'a duration that is only "P"', method: 'PUT', path: () => '/v1/categories/empty-window', body: { name: 'Empty', feedbackWindow: 'P' }, admin: true, field: ['body', 'feedbackWindow'] },
];

describe('malformed input is a 400 naming the field, and changes nothing', () => {
  for (const c of CASES) {
    it(`${c.what}: 400 naming ${c.field.join('.')}`, async () => {
      const res = await api.request(c.method, c.path(), { as: c.admin ? undefined : 'bea', body: c.body, raw: c.raw, headers: c.headers });
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('invalid_request');
      expect(res.body.message).toMatch(/\S/);
      expect(res.body.issues.map((i: { path: string[] }) => i.path)).toContainEqual(expect.arrayContaining(c.field));
      expect(res.body.issues[0].path.slice(0, c.field.length)).toEqual(c.field);
      expect(JSON.stringify(res.body)).not.toMatch(/\n\s+at /); // no stack trace
    });
  }

  it('a body over the 1 MB limit is 413 naming the limit', async () => {
    const res = await api.request('POST', `/v1/work-items/${ref}/notes`, { as: 'bea', body: { text: 'x'.repeat(1_100_000) } });
    expect(res.status).toBe(413);
    expect(res.body).toMatchObject({ error: 'payload_too_large', limitBytes: 1_048_576 });
  });

  it('notes of 100, 300, 600 and 900 KB, and a 300 KB email body, are refused with 413 naming the limit', async () => {
    for (const kb of [100, 300, 600, 900]) {
      const res = await api.request('POST', `/v1/work-items/${ref}/notes`, { as: 'bea', body: { text: 'x'.repeat(kb * 1024) } });
      expect(res.status, `${kb} KB`).toBe(413);
      expect(res.body).toMatchObject({ error: 'payload_too_large', field: 'body.text', limitChars: 20_000 });
    }
    const email = await api.request('POST', `/v1/work-items/${ref}/emails`, { as: 'bea', body: { to: ['ann@acme.example'], subject: 'Long', body: 'y'.repeat(300 * 1024) } });
    expect(email.status).toBe(413);
    expect(email.body).toMatchObject({ error: 'payload_too_large', field: 'body.body', limitChars: 100_000 });
  });

  it('after all of it the item is as it was created', async () => {
    const view = await api.request('GET', `/v1/work-items/${ref}`, { as: 'bea' });
    expect(view.body).toMatchObject({ state: 'draft', title: 'Untouched', version: 1 });
    expect(view.body.timeline.filter((e: { type: string }) => e.type === 'note')).toEqual([]);
  });

  it('and it keeps working: a small note afterwards is taken', async () => {
    const res = await api.request('POST', `/v1/work-items/${ref}/notes`, { as: 'bea', body: { text: 'Still here' } });
    expect(res.status).toBe(200);
    expect(res.body.version).toBe(2);
  });
});
