// R42: the whole timeline is readable through the API, in order, page by page: every entry once,
// numbered 1, 2, 3, ... by `seq`; the item's view holds its latest 50 of them (api.md, "The view
// of a work item").

import { afterAll, beforeAll, expect, it } from 'vitest';
import { ApiHarness } from '../support/api-harness.js';

let api: ApiHarness;
let ref: string;

beforeAll(async () => {
  api = await ApiHarness.start();
  await api.resource('tess', 'human');
  ref = (await api.request('POST', '/v1/work-items', { as: 'tess', body: { kind: 'ticket', title: 'Long story', description: 'd' } })).body.ref;
  for (let i = 0; i < 60; i++) {
    expect((await api.request('POST', `/v1/work-items/${ref}/notes`, { as: 'tess', body: { text: `note ${i}` } })).status).toBe(200);
  }
});
afterAll(async () => {
  await api?.stop();
});

it('R42: paging through a long timeline finds every entry once, in order; the view holds the latest 50 and counts them all', async () => {
  const view = (await api.request('GET', `/v1/work-items/${ref}`, { as: 'tess' })).body;
  expect(view.timelineCount).toBeGreaterThan(60);
  expect(view.timeline.map((e: { seq: number }) => e.seq)).toEqual(Array.from({ length: 50 }, (_, i) => view.timelineCount - 49 + i));

  const paged: Array<{ seq: number }> = [];
  let after: number | undefined = 0;
  let pages = 0;
  while (after !== undefined) {
    const page: { status: number; body: { entries: Array<{ seq: number }>; nextAfter?: number } } = await api.request('GET', `/v1/work-items/${ref}/timeline?after=${after}&limit=7`, { as: 'tess' });
    expect(page.status).toBe(200);
    expect(page.body.entries.length).toBeLessThanOrEqual(7);
    paged.push(...page.body.entries);
    after = page.body.nextAfter;
    pages++;
  }
  expect(pages).toBe(Math.ceil(view.timelineCount / 7));
  expect(paged.map((e) => e.seq)).toEqual(Array.from({ length: view.timelineCount }, (_, i) => i + 1));
  expect(paged.slice(-50)).toEqual(view.timeline);
  expect(paged.filter((e: any) => e.type === 'note' && e.text?.startsWith('note ')).map((e: any) => e.text)).toEqual(Array.from({ length: 60 }, (_, i) => `note ${i}`));
});

it('a page after the last entry is empty and has no next page', async () => {
  const view = (await api.request('GET', `/v1/work-items/${ref}`, { as: 'tess' })).body;
  const page = await api.request('GET', `/v1/work-items/${ref}/timeline?after=${view.timelineCount}`, { as: 'tess' });
  expect(page.body).toEqual({ entries: [] });
});

it('a bad after or limit is a 400 naming it', async () => {
  for (const [query, field] of [['after=-1', 'after'], ['after=first', 'after'], ['limit=0', 'limit'], ['limit=501', 'limit'], ['page=2', undefined]] as const) {
    const res = await api.request('GET', `/v1/work-items/${ref}/timeline?${query}`, { as: 'tess' });
    expect(res.status, query).toBe(400);
    expect(res.body.issues[0].path, query).toEqual(field ? ['query', field] : ['query']);
  }
});
