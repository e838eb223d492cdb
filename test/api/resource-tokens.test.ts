// Tokens that can be rotated and resources that can be deactivated: the old token stops working
// at once, on this replica and on another one sharing the database, and each change is audited
// with who made it and when. Tokens are stored hashed.

import { randomBytes, randomUUID } from 'node:crypto';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { hashToken } from '../../api/auth.js';
import { startService, type RunningService } from '../../worker/service.js';
import { ApiHarness } from '../support/api-harness.js';
import { testPayloadKeys } from '../support/payload-keys.js';

let api: ApiHarness;
let replica: RunningService | undefined;

beforeAll(async () => {
  api = await ApiHarness.start();
  expect((await api.request('PUT', '/v1/categories/general', { body: { name: 'General' } })).status).toBe(200);
});
afterAll(async () => {
  await replica?.stop();
  await api?.stop();
});

const inbox = (token: string, url = api.url) => fetch(`${url}/v1/inbox`, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.status);

describe('resource tokens', () => {
  it('rotating a token: the new one works, the old one is refused at once (even though it was cached), and the rotation is audited with who and when', async () => {
    const old = await api.resource('rita', 'human');
    expect(await inbox(old)).toBe(200); // now cached
    const rotated = await api.request('POST', '/v1/resources/rita/token', { body: {} });
    expect(rotated.status).toBe(200);
    expect(rotated.body.token).not.toBe(old);
    expect(await inbox(old)).toBe(401);
    expect(await inbox(rotated.body.token)).toBe(200);
    const { rows } = await api.pool.query('SELECT token_hash FROM resources WHERE id = $1', ['rita']);
    expect(rows[0].token_hash).toBe(hashToken(rotated.body.token)); // hashed at rest
    const view = (await api.request('GET', '/v1/resources/rita')).body;
    expect(view).toMatchObject({ id: 'rita', active: true });
    expect(view.audit.map((a: any) => [a.action, a.by])).toEqual([['created', 'admin'], ['token_rotated', 'admin']]);
    expect(Date.parse(view.audit[1].at)).toBeGreaterThan(Date.now() - 60_000);
  });

  it('deactivating a resource: its token is refused at once, its items stay assigned to it, it can no longer be assigned work, and a second deactivation changes nothing', async () => {
    const token = await api.resource('dora', 'human');
    await api.resource('sue', 'human', ['supervisor']);
    const created = await api.request('POST', '/v1/work-items', { as: 'dora', body: { kind: 'ticket', title: 'Left behind', description: 'x', categoryId: 'general', primaryContact: 'a@b.example', requester: 'a@b.example', submit: true } });
    await api.act(created.body.ref, '/pick-up', {}, 'dora');
    expect(await inbox(token)).toBe(200);

    const gone = await api.request('DELETE', '/v1/resources/dora');
    expect(gone.status).toBe(200);
    expect(gone.body).toMatchObject({ id: 'dora', active: false });
    expect(gone.body.audit.at(-1)).toMatchObject({ action: 'deactivated', by: 'admin' });
    expect(await inbox(token)).toBe(401);
    expect((await api.request('GET', `/v1/work-items/${created.body.ref}`)).body.assignee).toBe('dora');
    const reassign = await api.request('POST', `/v1/work-items/${created.body.ref}/assign`, { as: 'sue', body: { resourceId: 'dora' } });
    expect(reassign.status).toBe(400);
    expect((await api.request('POST', `/v1/work-items/${created.body.ref}/assign`, { as: 'sue', body: { resourceId: 'sue' } })).status).toBe(200);

    const again = await api.request('DELETE', '/v1/resources/dora');
    expect(again.status).toBe(200);
    expect(again.body.audit.filter((a: any) => a.action === 'deactivated')).toHaveLength(1);
    expect((await api.request('POST', '/v1/resources/dora/token', { body: {} })).status).toBe(409);
  });

  it('a rotated token is refused at once by another replica sharing the database (PostgreSQL notifies it), though that replica had it cached', async () => {
    replica = await startService({ payloadKeys: testPayloadKeys, temporalAddress: inject('temporalAddress'), databaseUrl: api.databaseUrl, adminToken: randomBytes(16).toString('hex'), taskQueue: `replica-${randomUUID()}`, logger: pino({ level: 'silent' }) });
    const old = await api.resource('remy', 'human');
    expect(await inbox(old, replica.url)).toBe(200); // cached by the replica
    expect((await api.request('POST', '/v1/resources/remy/token', { body: {} })).status).toBe(200);
    const refused = await api.eventually('the replica to refuse the old token', async () => (await inbox(old, replica!.url)) === 401, 5_000); // against a cache that keeps tokens 60 s
    expect(refused).toBe(true);
  });

  it('rotating or deactivating an unknown resource is 404, and only admins may do either', async () => {
    expect((await api.request('POST', '/v1/resources/nobody/token', { body: {} })).status).toBe(404);
    expect((await api.request('DELETE', '/v1/resources/nobody')).status).toBe(404);
    await api.resource('ivy', 'human');
    expect((await api.request('POST', '/v1/resources/ivy/token', { as: 'ivy', body: {} })).status).toBe(403);
    expect((await api.request('DELETE', '/v1/resources/ivy', { as: 'ivy' })).status).toBe(403);
  });
});
