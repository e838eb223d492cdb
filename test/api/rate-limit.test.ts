// Requests over a per-token rate get 429 with Retry-After; other tokens are not held back; with
// no rate set (npm start's default) nothing is limited.

import { randomBytes, randomUUID } from 'node:crypto';
import pino from 'pino';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { rateLimitFromEnv } from '../../api/rate-limit.js';
import { startService, type RunningService } from '../../worker/service.js';
import { ApiHarness } from '../support/api-harness.js';
import { testPayloadKeys } from '../support/payload-keys.js';

let api: ApiHarness;
let limited: RunningService;
const adminToken = randomBytes(16).toString('hex');

beforeAll(async () => {
  api = await ApiHarness.start();
  await api.resource('ann', 'human');
  await api.resource('bob', 'human');
  limited = await startService({ payloadKeys: testPayloadKeys, temporalAddress: inject('temporalAddress'), databaseUrl: api.databaseUrl, adminToken, taskQueue: `rate-${randomUUID()}`, rateLimitPerSecond: 5, logger: pino({ level: 'silent' }) });
});
afterAll(async () => {
  await limited?.stop();
  await api?.stop();
});

const get = (url: string, token: string) => fetch(`${url}/v1/inbox`, { headers: { authorization: `Bearer ${token}` } });

it('requests over the per-token rate get 429 with Retry-After and a sentence; another token is not held back', async () => {
  const answers = await Promise.all(Array.from({ length: 30 }, () => get(limited.url, api.tokens.ann)));
  const statuses = answers.map((r) => r.status);
  expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(10); // the burst: twice the rate
  const refused = answers.find((r) => r.status === 429)!;
  expect(refused).toBeDefined();
  expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  expect(await refused.json()).toMatchObject({ error: 'rate_limited', message: expect.stringMatching(/Over 5 requests a second for ann/) });
  expect((await get(limited.url, api.tokens.bob)).status).toBe(200);
});

it('with no rate set, nothing is limited; a malformed RATE_LIMIT_PER_SECOND is refused at start', async () => {
  const statuses = (await Promise.all(Array.from({ length: 30 }, () => get(api.url, api.tokens.ann)))).map((r) => r.status);
  expect(statuses.every((s) => s === 200)).toBe(true);
  expect(rateLimitFromEnv({})).toBeUndefined();
  expect(() => rateLimitFromEnv({ RATE_LIMIT_PER_SECOND: 'lots' })).toThrow(/RATE_LIMIT_PER_SECOND=lots/);
});
