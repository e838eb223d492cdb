// An Idempotency-Key whose first request died with its process (killed, its answer never stored)
// is taken over by the next retry as soon as that process is gone from service_instances, and
// the retry finds what the first request did: the same item (never a second one), the same
// command (never applied twice). A key whose first request runs in a live process still gets
// 409 idempotency_in_progress. The first request's death is staged by clearing its stored answer,
// as a SIGKILL between Temporal's answer and the answer's storing leaves it
// (test/faults/service-killed.test.ts does it with a real kill).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiHarness } from '../support/api-harness.js';

let api: ApiHarness;

beforeAll(async () => {
  api = await ApiHarness.start();
  await api.resource('alice', 'human');
});
afterAll(async () => {
  await api?.stop();
});

const ticket = (title: string) => ({ kind: 'ticket', title, description: 'd', primaryContact: 'p@example.com', requester: 'p@example.com' });

/** The key's first request as a SIGKILL leaves it: running (no answer stored), in process `owner`. */
async function abandon(key: string, owner: string): Promise<void> {
  const { rowCount } = await api.pool.query('UPDATE idempotency_keys SET status = NULL, response = NULL, owner = $2 WHERE key = $1', [key, owner]);
  expect(rowCount).toBe(1);
}

async function liveInstance(): Promise<string> {
  const { rows } = await api.pool.query(`SELECT id FROM service_instances WHERE seen_at > now() - interval '15 seconds'`);
  expect(rows.length).toBeGreaterThan(0);
  return rows[0].id;
}

describe('Idempotency-Key of a request whose process died', () => {
  it('Idempotency-Key (api.md): a creation retried after its process died answers with the item it started; no second item, no ref used up', async () => {
    const key = `create-${Date.now()}`;
    const first = await api.request('POST', '/v1/work-items', { as: 'alice', body: ticket('created once'), headers: { 'idempotency-key': key } });
    expect(first.status).toBe(201);
    await abandon(key, 'a-process-that-was-killed');
    const seqBefore = (await api.pool.query('SELECT last_value FROM ticket_ref_seq')).rows[0].last_value;

    const retry = await api.request('POST', '/v1/work-items', { as: 'alice', body: ticket('created once'), headers: { 'idempotency-key': key } });

    expect(retry.status).toBe(201);
    expect(retry.body.ref).toBe(first.body.ref);
    expect(retry.headers.get('idempotent-replayed')).toBeNull();
    expect((await api.pool.query('SELECT last_value FROM ticket_ref_seq')).rows[0].last_value).toBe(seqBefore);
    expect((await api.pool.query(`SELECT count(*)::int AS n FROM work_items WHERE title = 'created once'`)).rows[0].n).toBe(1);
    const stored = (await api.pool.query('SELECT status, owner FROM idempotency_keys WHERE key = $1', [key])).rows[0];
    expect(stored.status).toBe(201);
    expect(stored.owner).toBe(await liveInstance());
  });

  it('Idempotency-Key (api.md): a note retried after its process died is taken over at once and kept once', async () => {
    const ref = (await api.request('POST', '/v1/work-items', { as: 'alice', body: ticket('noted once') })).body.ref;
    const key = `note-${Date.now()}`;
    const send = () => api.request('POST', `/v1/work-items/${ref}/notes`, { as: 'alice', body: { text: 'kept once' }, headers: { 'idempotency-key': key } });
    expect((await send()).status).toBe(200);
    await abandon(key, 'a-process-that-was-killed');

    const retry = await send();

    expect(retry.status).toBe(200);
    expect(retry.body.timeline.filter((e: { text?: string }) => e.text === 'kept once')).toHaveLength(1);
    expect((await send()).headers.get('idempotent-replayed')).toBe('true');
  });

  it('Idempotency-Key (api.md): a retry while the first request still runs in a live process gets 409 idempotency_in_progress and changes nothing', async () => {
    const ref = (await api.request('POST', '/v1/work-items', { as: 'alice', body: ticket('in progress') })).body.ref;
    const key = `busy-${Date.now()}`;
    const send = () => api.request('POST', `/v1/work-items/${ref}/notes`, { as: 'alice', body: { text: 'still running' }, headers: { 'idempotency-key': key } });
    expect((await send()).status).toBe(200);
    const version = (await api.request('GET', `/v1/work-items/${ref}`, { as: 'alice' })).body.version;
    await abandon(key, await liveInstance());

    const retry = await send();

    expect(retry.status).toBe(409);
    expect(retry.body.error).toBe('idempotency_in_progress');
    expect((await api.request('GET', `/v1/work-items/${ref}`, { as: 'alice' })).body.version).toBe(version);
  });
});
