// An item whose workflow Temporal terminated or failed is not a closed item: commands are refused
// with needs_operator (409), naming the Temporal status and where to read the history, and never
// with "a closed item is final". A closed item still answers as closed.

import { afterAll, beforeAll, expect, it } from 'vitest';
import { ApiHarness } from '../support/api-harness.js';

let api: ApiHarness;

beforeAll(async () => {
  api = await ApiHarness.start();
  await api.resource('otto', 'human');
});
afterAll(async () => {
  await api?.stop();
});

async function ticket(): Promise<string> {
  const created = await api.request('POST', '/v1/work-items', { as: 'otto', body: { kind: 'ticket', title: 'Stops', description: 'd' } });
  expect(created.status).toBe(201);
  return created.body.ref;
}

it('a terminated item refuses commands as needing an operator, with its Temporal status and history link', async () => {
  const ref = await ticket();
  await api.service.client.workflow.getHandle(ref).terminate('stopped by hand in the Temporal UI');

  const res = await api.request('POST', `/v1/work-items/${ref}/notes`, { as: 'otto', body: { text: 'anyone there?' } });
  expect(res.status).toBe(409);
  expect(res.body).toMatchObject({ error: 'needs_operator', temporalStatus: 'TERMINATED', command: 'addNote' });
  expect(res.body.historyUrl).toContain(`/workflows/${ref}`);
  expect(res.body.message).toContain('TERMINATED');
  expect(res.body.message).not.toMatch(/closed item is final/);

  const history = await api.request('GET', `/v1/work-items/${ref}/history`, { as: 'otto' });
  expect(history.body.status).toBe('TERMINATED');
});

it('R2: a closed item still refuses commands as closed and final', async () => {
  const ref = await ticket();
  // Resolving as spam closes at once (R20); the workflow then completes.
  expect((await api.request('POST', `/v1/work-items/${ref}/resolve`, { as: 'otto', body: { method: 'rejected_spam' } })).body.state).toBe('closed');
  await api.service.client.workflow.getHandle(ref).result();

  const res = await api.request('POST', `/v1/work-items/${ref}/notes`, { as: 'otto', body: { text: 'late' } });
  expect(res.status).toBe(409);
  expect(res.body).toMatchObject({ error: 'invalid_transition', from: 'closed' });
});
