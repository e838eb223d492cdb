// A graceful stop (SIGTERM: `service.stop()`): no new connections, requests in flight finish,
// a request still arriving on an open connection is refused retryably (503 with Retry-After),
// and no request the service took is cut off.

import { randomBytes, randomUUID } from 'node:crypto';
import { Agent, request as httpRequest } from 'node:http';
import pino from 'pino';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { startService, type RunningService } from '../../worker/service.js';
import { ApiHarness } from '../support/api-harness.js';
import { testPayloadKeys } from '../support/payload-keys.js';

let api: ApiHarness;
let replica: RunningService;
const adminToken = randomBytes(16).toString('hex');

beforeAll(async () => {
  api = await ApiHarness.start();
  await api.resource('alice', 'human');
  replica = await startService({ payloadKeys: testPayloadKeys, temporalAddress: inject('temporalAddress'), databaseUrl: api.databaseUrl, adminToken, taskQueue: `stop-${randomUUID()}`, logger: pino({ level: 'silent' }) });
});
afterAll(async () => {
  await api?.stop();
});

/** Connections opened before the stop, kept alive, as a client pool keeps them. */
const agent = new Agent({ keepAlive: true, maxSockets: 20 });

/** One POST; resolves with the status, or with the socket error's code (never rejects). */
function create(url: string, token: string, viaAgent?: Agent): Promise<number | string> {
  return new Promise((resolve) => {
    const body = JSON.stringify({ kind: 'ticket', title: 'During a stop' });
    const req = httpRequest(`${url}/v1/work-items`, { method: 'POST', ...(viaAgent ? { agent: viaAgent } : {}), headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'));
    });
    req.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'));
    req.end(body);
  });
}

it('a graceful stop lets every request in flight finish, refuses new ones retryably or at connect, and cuts none', async () => {
  // Twenty connections open, then twenty requests on them; the stop comes while some are served.
  expect(await Promise.all(Array.from({ length: 20 }, () => create(replica.url, adminToken, agent)))).toEqual(Array(20).fill(201));
  const onOpenConnections = Array.from({ length: 20 }, () => create(replica.url, adminToken, agent));
  await api.eventually('requests in flight', async () => replica.requestsInFlight() > 0, 5_000);
  const started = Date.now();
  const stopped = replica.stop();
  const onNewConnections = Array.from({ length: 5 }, () => create(replica.url, adminToken));
  const served = await Promise.all(onOpenConnections);
  await stopped;
  // On open connections: served (201) or refused retryably (503); none cut. New ones: refused at connect.
  expect(served.filter((o) => o !== 201 && o !== 503)).toEqual([]);
  expect(served.filter((o) => o === 201).length).toBeGreaterThan(0);
  expect(await Promise.all(onNewConnections)).toEqual(Array(5).fill('ECONNREFUSED'));
  expect(Date.now() - started).toBeLessThan(30_000);
  agent.destroy();
});
