// GET /metrics in Prometheus's text format: HTTP requests by route pattern, method and status
// with latency histograms; work-item figures from the read model; the Temporal worker's own
// metrics from the SDK core's exporter.

import { afterAll, beforeAll, expect, it } from 'vitest';
import { ApiHarness } from '../support/api-harness.js';

let api: ApiHarness;

beforeAll(async () => {
  api = await ApiHarness.start({ workerMetrics: true });
  await api.resource('alice', 'human');
  expect((await api.request('PUT', '/v1/categories/claims', { body: { name: 'Claims', sla: { target: 'PT1S' } } })).status).toBe(200);
});
afterAll(async () => {
  await api?.stop();
});

const scrape = async () => {
  const res = await fetch(`${api.url}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
  return res.text();
};
const value = (text: string, series: string) => Number(new RegExp(`^${series.replace(/[{}()[\]|.+*?^$\\]/g, '\\$&')} (\\S+)$`, 'm').exec(text)?.[1]);

it('operators: /metrics counts requests by route pattern (not by item), shows open items by kind and state, breached items and the oldest todo of each queue, and the worker\'s own metrics', async () => {
  const created = await api.request('POST', '/v1/work-items', {
    as: 'alice',
    body: { kind: 'ticket', title: 'Claim', description: 'x', categoryId: 'claims', primaryContact: 'a@b.example', requester: 'a@b.example', queue: 'finance', submit: true },
  });
  expect(created.status).toBe(201);
  const ref = created.body.ref;
  for (let i = 0; i < 3; i++) expect((await api.request('GET', `/v1/work-items/${ref}`)).status).toBe(200);
  expect((await api.request('GET', '/v1/work-items/T-999999')).status).toBe(404);
  await api.eventually('the breach (a 1-second SLA)', async () => (await api.pool.query('SELECT breached FROM work_items WHERE ref = $1 AND breached', [ref])).rowCount);

  const text = await scrape();
  expect(value(text, 'work_items_http_request_duration_seconds_count{route="/v1/work-items/:ref",method="GET",status="200"}')).toBe(3);
  expect(value(text, 'work_items_http_request_duration_seconds_count{route="/v1/work-items/:ref",method="GET",status="404"}')).toBe(1);
  expect(text).not.toContain(ref); // one series per route, never per item
  expect(value(text, 'work_items_open{kind="ticket",state="todo"}')).toBe(1);
  expect(value(text, 'work_items_breached_open')).toBe(1);
  expect(value(text, 'work_items_oldest_todo_age_seconds{queue="finance"}')).toBeGreaterThanOrEqual(0);
  expect(value(text, 'work_items_outbound_email{delivery="failed"}')).toBe(0);
  expect(text).toMatch(/^temporal_\w+/m); // the SDK core's exporter
});
