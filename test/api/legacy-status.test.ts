// R43 over HTTP: POST /v1/legacy/map-status answers where an old status lands, and refuses one the
// mapping does not list with an error naming the status and the kind.

import { afterAll, beforeAll, expect, it } from 'vitest';
import { ApiHarness } from '../support/api-harness.js';

let api: ApiHarness;
beforeAll(async () => {
  api = await ApiHarness.start();
  await api.resource('legacy-intake', 'integration');
});
afterAll(async () => {
  await api?.stop();
});

it('R43: a listed status maps to its state, wait type, resolution method or attention flag', async () => {
  const cases = [
    [{ kind: 'ticket', status: 'Paused – scheduled for follow-up' }, { state: 'waiting', waitType: 'until' }],
    [{ kind: 'ticket', status: 'Rejected as spam' }, { state: 'closed', resolutionMethod: 'rejected_spam' }],
    [{ kind: 'action', status: 'Unable to complete' }, { state: 'closed', resolutionMethod: 'unable_to_complete' }],
    [{ kind: 'case', status: 'Needs attention' }, { state: 'todo', attention: true }],
  ] as const;
  for (const [body, expected] of cases) {
    const res = await api.request('POST', '/v1/legacy/map-status', { as: 'legacy-intake', body });
    expect(res.status).toBe(200);
    expect(res.body).toEqual(expected);
  }
});

it('R43: a status not listed for the kind is refused (422), naming the status and the kind', async () => {
  const res = await api.request('POST', '/v1/legacy/map-status', { as: 'legacy-intake', body: { kind: 'action', status: 'Paused' } });
  expect(res.status).toBe(422);
  expect(res.body).toMatchObject({ error: 'unknown_status', kind: 'action', status: 'Paused' });
  expect(res.body.message).toMatch(/"Paused" is not a v2020.1 status of an action; an action's statuses are/);
});
