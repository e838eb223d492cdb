// No secrets in logs: the service's real log output, captured while callers use their tokens,
// holds neither a bearer token, nor a cookie, nor the token POST /v1/resources answers with.

import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ApiHarness } from '../support/api-harness.js';

let api: ApiHarness;
const lines: string[] = [];

beforeAll(async () => {
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  // The level a production service runs at, with every request logged.
  api = await ApiHarness.start({ logger: pino({ level: 'info' }, sink) });
});
afterAll(async () => {
  await api?.stop();
});

it('request logs redact Authorization and Cookie, and never carry a token the API issued', async () => {
  const created = await api.request('POST', '/v1/resources', {
    body: { id: 'logged-alice', name: 'Alice', kind: 'human' },
    headers: { 'idempotency-key': 'create-logged-alice', cookie: 'session=cookie-secret-value' },
  });
  expect(created.status).toBe(201);
  const issued = created.body.token as string;
  expect(issued.length).toBeGreaterThan(20);

  expect((await api.request('GET', '/v1/inbox', { token: issued })).status).toBe(200);
  expect((await api.request('POST', '/v1/work-items', { token: issued, body: { kind: 'ticket', title: 'Logged' } })).status).toBe(201);
  expect((await api.request('GET', '/v1/work-items/T-999999', { token: issued })).status).toBe(404);
  expect((await api.request('GET', '/v1/inbox', { token: 'not-a-known-token-but-still-secret' })).status).toBe(401);
  // A replay answers with the stored body, token included: still not logged.
  const replayed = await api.request('POST', '/v1/resources', {
    body: { id: 'logged-alice', name: 'Alice', kind: 'human' },
    headers: { 'idempotency-key': 'create-logged-alice' },
  });
  expect(replayed.body.token).toBe(issued);

  await api.eventually('the request logs to be written', async () => lines.filter((l) => l.includes('/v1/')).length >= 6);
  const log = lines.join('\n');
  expect(log).toContain('"authorization":"[Redacted]"');
  expect(log).toContain('"cookie":"[Redacted]"');
  for (const secret of [api.adminToken, issued, 'not-a-known-token-but-still-secret', 'cookie-secret-value']) {
    expect(log).not.toContain(secret);
  }
});
