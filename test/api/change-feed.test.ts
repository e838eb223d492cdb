// R47: the change feed through the API, with the worker, Temporal and PostgreSQL for real. Each
// test makes its own items and reads the feed from the cursor it took before them.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChangeFeedStore } from '../../store/change-feed-store.js';
import { ApiHarness } from '../support/api-harness.js';

let api: ApiHarness;

beforeAll(async () => {
  api = await ApiHarness.start();
  await api.resource('fran', 'human', [], ['finance']);
  await api.resource('agent', 'human');
  expect((await api.request('PUT', '/v1/categories/quick', { body: { name: 'Quick', feedbackWindow: 'PT1H' } })).status).toBe(200);
});
afterAll(async () => {
  await api?.stop();
});

interface Change {
  cursor: string;
  ref: string;
  version: number;
  kind: string;
  state: string;
  change: string;
  entryTypes: string[];
  at: string;
}

async function latest(as?: string): Promise<string> {
  const res = await api.request('GET', '/v1/changes?after=latest', { as });
  expect(res.status).toBe(200);
  return res.body.nextCursor as string;
}

async function ticket(queue: string): Promise<string> {
  const res = await api.request('POST', '/v1/work-items', {
    body: { kind: 'ticket', title: 'Feed', description: 'Details', categoryId: 'quick', primaryContact: 'ann@acme.example', requester: 'ann@acme.example', queue, submit: true },
  });
  expect(res.status).toBe(201);
  return res.body.ref as string;
}

/** A ticket taken through a few commands: created, picked up, noted, resolved. */
async function story(queue: string): Promise<string> {
  const ref = await ticket(queue);
  expect((await api.request('POST', `/v1/work-items/${ref}/assign`, { body: { resourceId: 'agent' } })).status).toBe(200);
  expect((await api.request('POST', `/v1/work-items/${ref}/pick-up`, { as: 'agent', body: {} })).status).toBe(200);
  expect((await api.request('POST', `/v1/work-items/${ref}/notes`, { as: 'agent', body: { text: 'Looking', isResolution: true } })).status).toBe(200);
  expect((await api.request('POST', `/v1/work-items/${ref}/resolve`, { as: 'agent', body: { method: 'customer_communication' } })).status).toBe(200);
  return ref;
}

/** Every change after `cursor` until the feed has none, `limit` a page. */
async function readAll(cursor: string, limit: number, as?: string): Promise<{ changes: Change[]; cursor: string }> {
  const changes: Change[] = [];
  for (;;) {
    const res = await api.request('GET', `/v1/changes?after=${cursor}&limit=${limit}`, { as });
    expect(res.status).toBe(200);
    changes.push(...res.body.changes);
    cursor = res.body.nextCursor;
    if (res.body.changes.length < limit) return { changes, cursor };
  }
}

/** The item's stored version, from its view. */
async function version(ref: string): Promise<number> {
  return (await api.request('GET', `/v1/work-items/${ref}`)).body.version as number;
}

describe('R47: the change feed', () => {
  it('R47: every stored version of an item is one change, in order, with what it did; the cursor moves on', async () => {
    const start = await latest();
    const ref = await story('finance');
    const { changes } = await readAll(start, 2);
    const mine = changes.filter((c) => c.ref === ref);
    expect(mine[0]).toMatchObject({ ref, version: 1, kind: 'ticket', change: 'created' });
    expect(mine.map((c) => c.version)).toEqual([...mine.map((c) => c.version)].sort((a, b) => a - b));
    expect(new Set(mine.map((c) => c.version)).size).toBe(mine.length);
    expect(mine.at(-1)).toMatchObject({ version: await version(ref), state: 'resolved' });
    expect(mine.flatMap((c) => c.entryTypes)).toEqual(expect.arrayContaining(['created', 'assigned', 'state_changed', 'note', 'resolved']));
    // Cursors increase along the feed.
    const cursors = changes.map((c) => BigInt(c.cursor));
    expect(cursors).toEqual([...cursors].sort((a, b) => (a < b ? -1 : 1)));
  });

  it('R47: a consumer killed mid-page restarts from its last cursor and misses nothing and sees nothing twice', async () => {
    const start = await latest();
    const refs = await Promise.all(['finance', 'hr', 'finance', 'hr', 'finance', 'hr'].map(story));
    const whole = (await readAll(start, 1000)).changes.filter((c) => refs.includes(c.ref));

    // The consumer keeps its cursor after each change it handles; it dies after 3 changes of a page of 5.
    const seen: Change[] = [];
    let kept = start;
    let crashes = 0;
    for (;;) {
      const page = (await api.request('GET', `/v1/changes?after=${kept}&limit=5`)).body as { changes: Change[]; nextCursor: string };
      let handled = 0;
      let died = false;
      for (const change of page.changes) {
        if (handled === 3 && crashes < 4) {
          crashes++;
          died = true; // the process dies here: what it did not keep is lost
          break;
        }
        seen.push(change);
        kept = change.cursor;
        handled++;
      }
      if (died) continue; // restarted, from `kept`
      if (page.changes.length < 5) break;
      kept = page.nextCursor;
    }
    expect(crashes).toBe(4);
    const mine = seen.filter((c) => refs.includes(c.ref));
    expect(mine.map((c) => `${c.ref}@${c.version}`)).toEqual(whole.map((c) => `${c.ref}@${c.version}`));
    expect(new Set(seen.map((c) => c.cursor)).size).toBe(seen.length);
  });

  it('R47: a bounded caller reads only the changes of items it may see (R46), and its cursor still moves past the rest', async () => {
    const start = await latest('fran');
    const [fin, hr] = [await story('finance'), await story('hr')];
    const asFran = await readAll(start, 3, 'fran');
    const refs = new Set(asFran.changes.map((c) => c.ref));
    expect(refs.has(fin)).toBe(true);
    expect(refs.has(hr)).toBe(false);
    const asAdmin = await readAll(start, 1000);
    expect(new Set(asAdmin.changes.map((c) => c.ref)).has(hr)).toBe(true);
    expect(BigInt(asFran.cursor)).toBeGreaterThanOrEqual(BigInt(asAdmin.changes.at(-1)!.cursor));
  });

  it('R47: `wait` long-polls: a read after the head answers as soon as a change commits', async () => {
    const cursor = await latest();
    const t0 = Date.now();
    const reading = api.request('GET', `/v1/changes?after=${cursor}&wait=PT20S`);
    await new Promise((r) => setTimeout(r, 300));
    const ref = await ticket('finance');
    const committed = Date.now();
    const res = await reading;
    expect(res.status).toBe(200);
    expect(res.body.changes[0]).toMatchObject({ ref, change: 'created' });
    expect(Date.now() - t0).toBeLessThan(20_000);
    console.log(`long-poll wake-up after the commit: ${Date.now() - committed} ms`);
  });

  it('R47: a cursor that is not one is 400; one from before what retention kept is 410 with the oldest cursor', async () => {
    for (const bad of ['abc', '-1', '1.5', 'latest2']) {
      const res = await api.request('GET', `/v1/changes?after=${bad}`);
      expect(res.status, bad).toBe(400);
      expect(res.body.issues[0].path).toEqual(['query', 'after']);
    }
    expect((await api.request('GET', '/v1/changes?wait=PT2M')).status).toBe(400);
    await story('finance');
    const feed = new ChangeFeedStore(api.pool);
    await feed.sequence();
    const pruned = await feed.prune(new Date(Date.now() + 60_000));
    expect(pruned).toBeGreaterThan(0);
    const gone = await api.request('GET', '/v1/changes?after=0');
    expect(gone.status).toBe(410);
    expect(gone.body).toMatchObject({ error: 'cursor_expired', oldestCursor: expect.stringMatching(/^\d+$/) });
    const from = await api.request('GET', `/v1/changes?after=${gone.body.oldestCursor}`);
    expect(from.status).toBe(200);
  });
});
