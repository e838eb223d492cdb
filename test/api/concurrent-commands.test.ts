// Many commands at once on one item, as a busy desk sends them: each either takes effect (in some
// order, once) or answers a retryable status (409, 429 or 503 with Retry-After). Never a 500,
// and nothing acknowledged is lost.

import { afterAll, beforeAll, expect, it } from 'vitest';
import { ApiHarness } from '../support/api-harness.js';

let api: ApiHarness;

beforeAll(async () => {
  api = await ApiHarness.start();
  await api.resource('cora', 'human');
  expect((await api.request('PUT', '/v1/categories/busy', { body: { name: 'Busy desk' } })).status).toBe(200);
});
afterAll(async () => {
  await api?.stop();
});

const RETRYABLE = new Set([409, 429, 503]);

for (const n of [30, 200]) {
  it(`${n} notes posted at once to one ticket: each answered 200 once on the timeline, or a retryable status; no 500`, async () => {
    const created = await api.request('POST', '/v1/work-items', {
      as: 'cora',
      body: { kind: 'ticket', title: 'Busy', description: 'Many notes', categoryId: 'busy', primaryContact: 'p@x.org', requester: 'p@x.org', submit: true },
    });
    const ref = created.body.ref as string;
    expect((await api.request('POST', `/v1/work-items/${ref}/pick-up`, { as: 'cora' })).status).toBe(200);

    const answers = await Promise.all(
      Array.from({ length: n }, (_, i) =>
        api.request('POST', `/v1/work-items/${ref}/notes`, { as: 'cora', body: { text: `note ${i}` }, headers: { 'idempotency-key': `${ref}-note-${i}` } }),
      ),
    );
    const byStatus: Record<number, number> = {};
    for (const a of answers) byStatus[a.status] = (byStatus[a.status] ?? 0) + 1;
    console.log(`${n} concurrent notes on ${ref}: answers by status ${JSON.stringify(byStatus)}`);

    const unexpected = answers.filter((a) => a.status !== 200 && !RETRYABLE.has(a.status));
    expect(unexpected.map((a) => `${a.status} ${JSON.stringify(a.body)}`)).toEqual([]);
    for (const a of answers.filter((x) => x.status === 503 || x.status === 429)) expect(a.headers.get('retry-after')).toMatch(/^\d+$/);

    const notes = (await api.timeline(ref, 'cora')).filter((e: { type: string; text?: string }) => e.type === 'note' && e.text?.startsWith('note ')).map((e: { text: string }) => e.text);
    expect(new Set(notes).size, 'no note twice').toBe(notes.length);
    answers.forEach((a, i) => {
      if (a.status === 200) expect(notes).toContain(`note ${i}`);
    });

    // A client retries what it was told to retry, with the same Idempotency-Key: then every note
    // is on the timeline exactly once.
    for (const [i, a] of answers.entries()) {
      if (a.status === 200) continue;
      let retried = a;
      for (let attempt = 0; retried.status !== 200 && attempt < 20; attempt++) {
        expect(RETRYABLE.has(retried.status), `${retried.status} ${JSON.stringify(retried.body)}`).toBe(true);
        await new Promise((r) => setTimeout(r, Number(retried.headers.get('retry-after') ?? 1) * 100));
        retried = await api.request('POST', `/v1/work-items/${ref}/notes`, { as: 'cora', body: { text: `note ${i}` }, headers: { 'idempotency-key': `${ref}-note-${i}` } });
      }
      expect(retried.status).toBe(200);
    }
    const all = (await api.timeline(ref, 'cora')).filter((e: { type: string; text?: string }) => e.type === 'note' && e.text?.startsWith('note ')).map((e: { text: string }) => e.text);
    expect(all.sort()).toEqual(Array.from({ length: n }, (_, i) => `note ${i}`).sort());
  }, 300_000);
}
