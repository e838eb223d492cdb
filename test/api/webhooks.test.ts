// R47: webhooks through the API, on Temporal's time-skipping test server (the retries' timers
// are skipped), with the worker and PostgreSQL for real, and a real HTTP receiver on loopback
// that checks every signature with the `standardwebhooks` package. Each test sets its own
// webhook and makes its own items.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiHarness } from '../support/api-harness.js';
import { Receiver, tally } from '../support/webhook-receiver.js';

let api: ApiHarness;

beforeAll(async () => {
  api = await ApiHarness.start({ timeSkipping: true });
  await api.resource('agent', 'human');
  expect((await api.request('PUT', '/v1/categories/quick', { body: { name: 'Quick', feedbackWindow: 'PT1H' } })).status).toBe(200);
}, 120_000);
afterAll(async () => {
  await api?.stop();
});

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
      await skip('PT5M');
      await skip('PT5M');
      const whileDown = receiver.received.length;
      expect(whileDown).toBeGreaterThan(0);
      expect(receiver.received.every((r) => r.status === 503)).toBe(true);

      receiver.answer = () => 200; // back
      const changes = await feedOf(cursor, refs);
      await api.eventually('every change delivered', async () => {
        await skip('PT5M');
        return tally(receiver, changes).lost === 0;
      }, 150_000);
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
  }, 180_000);

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
      }, 150_000);
      const t = tally(receiver, changes);
      console.log('R47 receiver failing every third request:', JSON.stringify(t));
      expect(t).toMatchObject({ lost: 0, unsigned: 0 });
      expect(t.failed).toBeGreaterThan(0);
      expect(t.duplicates).toBe(t.failed); // each repeat is the retry of a failed attempt
    } finally {
      await receiver.stop();
    }
  }, 180_000);

  it('R47: a receiver that does not answer for one item is cut at the timeout and retried, and holds up no other item', async () => {
    const receiver = new Receiver(SECRET);
    const url = await receiver.start();
    try {
      expect((await api.request('PUT', '/v1/webhooks/slow', { body: { url, secret: SECRET, queues: ['slow'] } })).status).toBe(200);
      const cursor = await latest();
      let slowRef = '';
      receiver.hangs = (data) => data.ref === slowRef;
      const created = await api.request('POST', '/v1/work-items', {
        body: { kind: 'ticket', title: 'Slow', description: 'Details', categoryId: 'quick', primaryContact: 'ann@acme.example', requester: 'ann@acme.example', queue: 'slow', submit: true },
      });
      slowRef = created.body.ref;
      await api.eventually('the slow item held', async () => receiver.hung.length === 1);
      const heldAt = Date.now();
      const others = [await story('slow'), await story('slow')];
      const changes = await feedOf(cursor, others);
      await api.eventually('the other items delivered', async () => tally(receiver, changes).lost === 0);
      const tookMs = Date.now() - heldAt;
      expect(receiver.hung).toHaveLength(1); // still the one request, unanswered
      receiver.hangs = () => false;
      await api.eventually('the slow item delivered after its timeout', async () => {
        await skip('PT10S');
        return receiver.received.some((r) => r.data.ref === slowRef && r.status === 200);
      }, 150_000);
      const log = (await api.request('GET', '/v1/webhooks/slow/deliveries?limit=500')).body.deliveries as Array<{ ref: string; attemptLog: Array<{ error: string | null }> }>;
      expect(log.find((d) => d.ref === slowRef)!.attemptLog[0]!.error).toBe('no answer within 10000 ms');
      console.log(`R47 slow receiver: ${changes.length} changes of 2 other items delivered in ${tookMs} ms while one request hung`);
    } finally {
      await receiver.stop();
    }
  }, 180_000);

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
  }, 180_000);

  it('R47: a secret that is not `whsec_` signs with its own bytes, and the receiver verifies it', async () => {
    const secret = 'a-plain-secret-of-more-than-24-characters';
    const receiver = new Receiver(secret);
    const url = await receiver.start();
    try {
      expect((await api.request('PUT', '/v1/webhooks/plain', { body: { url, secret, queues: ['plain'] } })).status).toBe(200);
      const ref = await story('plain');
      await api.eventually('delivered', async () => receiver.received.some((r) => r.data.ref === ref && r.status === 200));
      expect(receiver.unsigned).toBe(0);
    } finally {
      await receiver.stop();
    }
  }, 180_000);

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
