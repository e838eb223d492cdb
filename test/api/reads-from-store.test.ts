// Reads of an item come from PostgreSQL, never from a Temporal Query (api.md, "Conventions"): a
// command's answer is stored before the reply, so a GET after a 2xx never shows an older version;
// what a timer changes is stored by the item itself at once; and the workflow's own view stays
// available to operators as a diagnostic (`?source=workflow`).

import { afterAll, beforeAll, expect, it } from 'vitest';
import { ApiHarness } from '../support/api-harness.js';

let api: ApiHarness;

beforeAll(async () => {
  api = await ApiHarness.start();
  await api.resource('alice', 'human');
  expect((await api.request('PUT', '/v1/categories/reads', { body: { name: 'Reads' } })).status).toBe(200);
});
afterAll(async () => {
  await api?.stop();
});

const newTicket = async (): Promise<string> =>
  (await api.request('POST', '/v1/work-items', { as: 'alice', body: { kind: 'ticket', title: 'Reads', description: 'd', categoryId: 'reads', primaryContact: 'c@x.example', requester: 'c@x.example', submit: true } })).body.ref;

it('R42: a GET after a command\'s 2xx never shows an older version, with many commands at once on one item', async () => {
  const ref = await newTicket();
  await api.act(ref, '/pick-up', {}, 'alice');
  const seen = await Promise.all(
    Array.from({ length: 12 }, async (_, i) => {
      const res = await api.request('POST', `/v1/work-items/${ref}/notes`, { as: 'alice', body: { text: `note ${i}` }, headers: { 'Idempotency-Key': `reads-${ref}-${i}` } });
      expect([200, 503]).toContain(res.status);
      if (res.status !== 200) return undefined;
      const read = (await api.request('GET', `/v1/work-items/${ref}`, { as: 'alice' })).body;
      expect(read.version).toBeGreaterThanOrEqual(res.body.version);
      return res.body.version as number;
    }),
  );
  const answered = seen.filter((v): v is number => v !== undefined);
  expect(answered.length).toBeGreaterThan(0);
  const last = (await api.request('GET', `/v1/work-items/${ref}`, { as: 'alice' })).body;
  expect(last.version).toBe(Math.max(...answered));
});

it('R17: a wait ended by its timer is readable with no command sent, from the state the item stored itself', async () => {
  const ref = await newTicket();
  await api.act(ref, '/pick-up', {}, 'alice');
  const until = new Date(Date.now() + 3_000);
  const waiting = await api.act(ref, '/wait', { type: 'until', until: until.toISOString() }, 'alice');
  expect(waiting.state).toBe('waiting');
  const ended = await api.viewWhen(ref, 'the until wait to end on its timer', (v) => v.state === 'in_progress', 'alice');
  const lagMs = Date.now() - until.getTime();
  console.log(`R17: the wait's end was readable ${lagMs} ms after its instant`);
  expect(ended).toMatchObject({ waitEndedReason: 'until_reached', highlighted: true, version: waiting.version + 1 });
  const row = (await api.pool.query('SELECT version, state FROM work_items WHERE ref = $1', [ref])).rows[0];
  expect(row).toEqual({ version: ended.version, state: 'in_progress' });
});

it('api.md view: ?source=workflow asks the item\'s workflow (diagnostics) and shows what the stored view shows', async () => {
  const ref = await newTicket();
  await api.act(ref, '/pick-up', {}, 'alice');
  await api.act(ref, '/notes', { text: 'one note' }, 'alice');
  const stored = (await api.request('GET', `/v1/work-items/${ref}`, { as: 'alice' })).body;
  const held = await api.request('GET', `/v1/work-items/${ref}?source=workflow`, { as: 'alice' });
  expect(held.status).toBe(200);
  expect(held.body).toEqual(stored);
  const bad = await api.request('GET', `/v1/work-items/${ref}?source=cache`, { as: 'alice' });
  expect(bad.status).toBe(400);
  expect(bad.body.issues[0].path).toEqual(['query', 'source']);
});

it('404: a GET of an unknown item, and of its timeline', async () => {
  for (const path of ['/v1/work-items/T-999999991', '/v1/work-items/T-999999991/timeline']) {
    const res = await api.request('GET', path, { as: 'alice' });
    expect(res.status, path).toBe(404);
    expect(res.body.error, path).toBe('not_found');
  }
});
