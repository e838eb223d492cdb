// R47: webhooks through the API, on Temporal's time-skipping test server (the retries' timers
// are skipped), with the worker and PostgreSQL for real, and a real HTTP receiver on loopback
// that checks every signature with the `standardwebhooks` package. Each test sets its own
// webhook and makes its own items.

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiHarness } from '../support/api-harness.js';

let api: ApiHarness;

beforeAll(async () => {
  api = await ApiHarness.start({ timeSkipping: true });
  await api.resource('agent', 'human');
  expect((await api.request('PUT', '/v1/categories/quick', { body: { name: 'Quick', feedbackWindow: 'PT1H' } })).status).toBe(200);
}, 120_000);
afterAll(async () => {
  await api?.stop();
});

interface Received {
  id: string;
  status: number;
  body: string;
  data: { ref: string; version: number };
}

/** An HTTP receiver: answers as `answer` says, verifies each request's signature, and keeps them. */
class Receiver {
  readonly received: Received[] = [];
  answer: (n: number) => number = () => 200;
  unsigned = 0;
  private server!: Server;

  constructor(private readonly secret: string) {}

  async start(): Promise<string> {
    const verifier = new Webhook(this.secret);
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        try {
          verifier.verify(body, req.headers as Record<string, string>);
        } catch {
          this.unsigned++;
        }
        const status = this.answer(this.received.length + 1);
        this.received.push({ id: String(req.headers['webhook-id']), status, body, data: JSON.parse(body).data });
        res.writeHead(status, { 'content-type': 'text/plain' }).end(status === 200 ? 'ok' : 'receiver failed: '.padEnd(2_000, 'x'));
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hooks`;
  }

  async stop(): Promise<void> {
    await new Promise((resolve) => this.server.close(resolve));
  }
}

const SECRET = 'whsec_' + Buffer.from('a-secret-of-thirty-two-bytes!!!!').toString('base64');

async function story(queue: string): Promise<string> {
  const created = await api.request('POST', '/v1/work-items', {
    body: { kind: 'ticket', title: 'Hook', description: 'Details', categoryId: 'quick', primaryContact: 'ann@acme.example', requester: 'ann@acme.example', queue, submit: true },
  });
  expect(created.status).toBe(201);
  const ref = created.body.ref as string;
  expect((await api.request('POST', `/v1/work-items/${ref}/assign`, { body: { resourceId: 'agent' } })).status).toBe(200);
  expect((await api.request('POST', `/v1/work-items/${ref}/pick-up`, { as: 'agent', body: {} })).status).toBe(200);
  expect((await api.request('POST', `/v1/work-items/${ref}/notes`, { as: 'agent', body: { text: 'Done', isResolution: true } })).status).toBe(200);
  expect((await api.request('POST', `/v1/work-items/${ref}/resolve`, { as: 'agent', body: { method: 'customer_communication' } })).status).toBe(200);
  return ref;
}

async function skip(duration: string): Promise<void> {
  expect((await api.request('POST', '/v1/test/clock/skip', { body: { duration } })).status).toBe(200);
}

/** The changes of `refs` in the feed after `cursor`, as `ref@version`, in feed order. */
async function feedOf(cursor: string, refs: string[]): Promise<string[]> {
  const res = await api.request('GET', `/v1/changes?after=${cursor}&limit=1000`);
  return (res.body.changes as Array<{ ref: string; version: number }>).filter((c) => refs.includes(c.ref)).map((c) => `${c.ref}@${c.version}`);
}

/**
 * What the receiver got, checked: every change of the feed delivered (a 2xx), each item's
 * deliveries in version order, and every repeated `webhook-id` a retry of the same change.
 */
function tally(receiver: Receiver, changes: string[]) {
  const delivered = receiver.received.filter((r) => r.status === 200);
  const key = (r: Received) => `${r.data.ref}@${r.data.version}`;
  const deliveredKeys = new Set(delivered.map(key));
  const lost = changes.filter((c) => !deliveredKeys.has(c));
  const byId = new Map<string, Set<string>>();
  for (const r of receiver.received) byId.set(r.id, (byId.get(r.id) ?? new Set()).add(r.body));
  const duplicates = receiver.received.length - byId.size;
  for (const [id, bodies] of byId) expect(bodies.size, `${id}: one change per webhook-id`).toBe(1);
  const perItem = new Map<string, number[]>();
  for (const r of delivered) perItem.set(r.data.ref, [...(perItem.get(r.data.ref) ?? []), r.data.version]);
  for (const [ref, versions] of perItem) expect(versions, `${ref} in order`).toEqual([...versions].sort((a, b) => a - b));
  return { changes: changes.length, requests: receiver.received.length, failed: receiver.received.length - delivered.length, duplicates, lost: lost.length, unsigned: receiver.unsigned };
}

async function latest(): Promise<string> {
  return (await api.request('GET', '/v1/changes?after=latest')).body.nextCursor as string;
}

describe('R47: webhooks', () => {
  it('R47: a receiver that is down for ten minutes gets every change afterwards, in order per item, signed', async () => {
    const receiver = new Receiver(SECRET);
    const url = await receiver.start();
    try {
      receiver.answer = () => 503; // down
      expect((await api.request('PUT', '/v1/webhooks/down-ten', { body: { url, secret: SECRET, queues: ['down'], giveUpAfter: 'P1D' } })).status).toBe(200);
      const cursor = await latest();
      const refs = [await story('down'), await story('down'), await story('down')];
      for (let i = 0; i < 10; i++) await skip('PT1M');
      const whileDown = receiver.received.length;
      expect(whileDown).toBeGreaterThan(0);
      expect(receiver.received.every((r) => r.status === 503)).toBe(true);

      receiver.answer = () => 200; // back
      const changes = await feedOf(cursor, refs);
      await api.eventually('every change delivered', async () => {
        await skip('PT5M');
        return tally(receiver, changes).lost === 0;
      }, 60_000);
      const t = tally(receiver, changes);
      console.log('R47 receiver down for 10 min:', JSON.stringify({ ...t, attemptsWhileDown: whileDown }));
      expect(t).toMatchObject({ lost: 0, unsigned: 0 });
      expect(t.changes).toBeGreaterThanOrEqual(refs.length * 4);

      const log = await api.request('GET', '/v1/webhooks/down-ten/deliveries?limit=500');
      expect(log.status).toBe(200);
      expect(log.body.deliveries).toHaveLength(changes.length);
      const first = log.body.deliveries.at(-1);
      expect(first.status).toBe('delivered');
      expect(first.attemptLog.length).toBeGreaterThan(1);
      expect(first.attemptLog[0]).toMatchObject({ status: 503, response: expect.stringMatching(/^receiver failed: x+$/) });
      expect(first.attemptLog[0].response.length).toBe(500);
      expect(first.attemptLog.at(-1)).toMatchObject({ status: 200, response: 'ok' });
    } finally {
      await receiver.stop();
    }
  });

  it('R47: a receiver that answers 500 to every third request still gets each change, once delivered', async () => {
    const receiver = new Receiver(SECRET);
    const url = await receiver.start();
    try {
      receiver.answer = (n) => (n % 3 === 0 ? 500 : 200);
      expect((await api.request('PUT', '/v1/webhooks/flaky', { body: { url, secret: SECRET, queues: ['flaky'] } })).status).toBe(200);
      const cursor = await latest();
      const refs = [await story('flaky'), await story('flaky'), await story('flaky')];
      const changes = await feedOf(cursor, refs);
      await api.eventually('every change delivered', async () => {
        await skip('PT10S');
        return tally(receiver, changes).lost === 0;
      }, 60_000);
      const t = tally(receiver, changes);
      console.log('R47 receiver failing every third request:', JSON.stringify(t));
      expect(t).toMatchObject({ lost: 0, unsigned: 0 });
      expect(t.failed).toBeGreaterThan(0);
      expect(t.duplicates).toBe(t.failed); // each repeat is the retry of a failed attempt
    } finally {
      await receiver.stop();
    }
  });

  it('R47: a delivery is sent again on request, with the same webhook-id', async () => {
    const receiver = new Receiver(SECRET);
    const url = await receiver.start();
    try {
      expect((await api.request('PUT', '/v1/webhooks/again', { body: { url, secret: SECRET, queues: ['again'], events: ['resolved'] } })).status).toBe(200);
      const ref = await story('again');
      await api.eventually('the resolution delivered', async () => receiver.received.length === 1);
      expect(receiver.received[0]!.data).toMatchObject({ ref, change: expect.any(String) });
      const log = await api.request('GET', '/v1/webhooks/again/deliveries');
      expect(log.body.deliveries).toHaveLength(1); // `events` kept only the change that resolved it
      const again = await api.request('POST', `/v1/webhooks/again/deliveries/${log.body.deliveries[0].id}/redeliver`, { body: {} });
      expect(again.status).toBe(202);
      await api.eventually('sent again', async () => receiver.received.length === 2);
      expect(receiver.received[1]!.id).toBe(receiver.received[0]!.id);
      expect((await api.request('POST', `/v1/webhooks/again/deliveries/999999/redeliver`, { body: {} })).status).toBe(404);
    } finally {
      await receiver.stop();
    }
  });

  it('R47: bad webhooks are refused and change nothing: not http(s), this service itself, a bad secret; unknown ones are 404', async () => {
    const put = (id: string, body: object) => api.request('PUT', `/v1/webhooks/${id}`, { body });
    const self = new URL(api.url);
    for (const [url, why] of [
      ['ftp://example.com/hook', 'not http(s)'],
      ['file:///etc/passwd', 'not http(s)'],
      [`${api.url}/v1/work-items`, 'itself'],
      [`http://localhost:${self.port}/x`, 'itself'],
    ] as const) {
      const res = await put('bad', { url, secret: SECRET });
      expect(res.status, url).toBe(400);
      expect(res.body.issues[0].path, url).toEqual(['body', 'url']);
      expect(res.body.issues[0].message, url).toContain(why === 'itself' ? 'this service itself' : 'http');
    }
    expect((await put('bad', { url: 'https://example.com/h', secret: 'short' })).status).toBe(400);
    expect((await put('bad', { url: 'https://example.com/h', secret: 'whsec_not base64 at all!!!!!!!!!!' })).status).toBe(400);
    expect((await put('bad', { url: 'https://example.com/h', secret: SECRET, events: ['no_such_event'] })).status).toBe(400);
    expect((await api.request('GET', '/v1/webhooks/bad')).status).toBe(404);
    expect((await api.request('GET', '/v1/webhooks/bad/deliveries')).status).toBe(404);
    expect((await api.request('DELETE', '/v1/webhooks/bad')).status).toBe(404);
    await api.resource('hooker', 'integration');
    expect((await api.request('PUT', '/v1/webhooks/mine', { as: 'hooker', body: { url: 'https://example.com/h', secret: SECRET } })).status).toBe(403);
  });
});
