// R26 over HTTP: processes are saved by version, checked as a whole (every problem in one
// answer), and never form a cycle of start_case actions, even when two saves race.

import { afterAll, beforeAll, expect, it } from 'vitest';
import { ApiHarness } from '../support/api-harness.js';

let api: ApiHarness;
// Ids of this file's own, so that other files sharing the database do not meet them.
const id = (name: string) => `processes-test-${name}`;
const review = (name: string) => ({ type: 'review', name });
const startCase = (processId: string) => ({ name: 'Start', actions: [{ type: 'start_case', name: `Start ${processId}`, processId }] });

beforeAll(async () => {
  api = await ApiHarness.start();
  await api.resource('pat', 'human');
  expect((await api.request('PUT', '/v1/categories/processes-test-hr', { body: { name: 'HR' } })).status).toBe(200);
});
afterAll(async () => {
  await api?.stop();
});

it('R26: a process is saved as version 1, an unchanged save keeps its version, a change makes version 2', async () => {
  const definition = {
    name: 'Leaver',
    categoryId: 'processes-test-hr',
    autoResolve: true,
    stages: [
      { name: 'Paperwork', actions: [review('Collect laptop'), { type: 'check', name: 'Revoke access', robot: true }] },
      { name: 'Final pay', actions: [review('Compute final pay')] },
    ],
  };
  const first = await api.request('PUT', `/v1/processes/${id('leaver')}`, { body: definition });
  expect(first.status).toBe(200);
  expect(first.body).toEqual({ id: id('leaver'), version: 1, ...definition });
  expect((await api.request('PUT', `/v1/processes/${id('leaver')}`, { body: definition })).body.version).toBe(1);

  const changed = { ...definition, stages: [...definition.stages, { name: 'Archive', actions: [review('Archive the file')] }] };
  expect((await api.request('PUT', `/v1/processes/${id('leaver')}`, { body: changed })).body.version).toBe(2);
  const read = await api.request('GET', `/v1/processes/${id('leaver')}`, { as: 'pat' });
  expect(read.status).toBe(200);
  expect(read.body).toEqual({ id: id('leaver'), version: 2, ...changed });
  const listed = (await api.request('GET', '/v1/processes', { as: 'pat' })).body.processes;
  expect(listed.filter((p: { id: string }) => p.id === id('leaver'))).toEqual([read.body]);
});

it('R26: a definition with several problems gets one 400 listing each of them, and is not saved', async () => {
  const res = await api.request('PUT', `/v1/processes/${id('broken')}`, {
    body: {
      name: 'Broken',
      categoryId: 'processes-test-nowhere',
      stages: [
        { name: 'Empty', actions: [] },
        { name: 'Twice', actions: [review('Check'), review('Check')] },
        { name: 'Starts', actions: [{ type: 'start_case', name: 'Who knows', processId: id('ghost') }, { type: 'start_case', name: 'Nothing' }] },
      ],
    },
  });
  expect(res.status).toBe(400);
  expect(res.body.error).toBe('invalid_request');
  expect(res.body.issues.map((i: { path: unknown[] }) => i.path.join('.'))).toEqual([
    'body.categoryId',
    'body.stages.0.actions',
    'body.stages.1.actions.1.name',
    'body.stages.2.actions.0.processId',
    'body.stages.2.actions.1.processId',
  ]);
  expect(res.body.message).toContain(`no process ${id('ghost')}`);
  expect((await api.request('GET', `/v1/processes/${id('broken')}`, { as: 'pat' })).status).toBe(404);

  const noStages = await api.request('PUT', `/v1/processes/${id('broken')}`, { body: { name: 'No stages', stages: [] } });
  expect(noStages.status).toBe(400);
  expect(noStages.body.issues).toEqual([{ path: ['body', 'stages'], message: 'a process needs at least one stage' }]);
});

it('R26: a save that would close a cycle of start_case processes is refused, naming the cycle', async () => {
  expect((await api.request('PUT', `/v1/processes/${id('c')}`, { body: { name: 'C', stages: [{ name: 'Only', actions: [review('Work')] }] } })).status).toBe(200);
  expect((await api.request('PUT', `/v1/processes/${id('b')}`, { body: { name: 'B', stages: [startCase(id('c'))] } })).status).toBe(200);
  expect((await api.request('PUT', `/v1/processes/${id('a')}`, { body: { name: 'A', stages: [startCase(id('b'))] } })).status).toBe(200);
  const closing = await api.request('PUT', `/v1/processes/${id('c')}`, { body: { name: 'C', stages: [startCase(id('a'))] } });
  expect(closing.status).toBe(400);
  expect(closing.body.message).toContain(`${id('c')} -> ${id('a')} -> ${id('b')} -> ${id('c')}`);
  expect((await api.request('GET', `/v1/processes/${id('c')}`)).body.version).toBe(1);
});

it('R26: two saves sent at once that would together form a cycle: one is saved, the other refused', async () => {
  for (const p of ['x', 'y']) {
    expect((await api.request('PUT', `/v1/processes/${id(p)}`, { body: { name: p, stages: [{ name: 'Only', actions: [review('Work')] }] } })).status).toBe(200);
  }
  const [x, y] = await Promise.all([
    api.request('PUT', `/v1/processes/${id('x')}`, { body: { name: 'x', stages: [startCase(id('y'))] } }),
    api.request('PUT', `/v1/processes/${id('y')}`, { body: { name: 'y', stages: [startCase(id('x'))] } }),
  ]);
  expect([x.status, y.status].sort()).toEqual([200, 400]);
  expect([x, y].find((r) => r.status === 400)!.body.message).toMatch(/cycle/);
});

it('R26: processes are configured by the admin only; everyone may read them; an unknown one is a 404', async () => {
  const body = { name: 'P', stages: [{ name: 'S', actions: [review('Work')] }] };
  expect((await api.request('PUT', `/v1/processes/${id('mine')}`, { as: 'pat', body })).status).toBe(403);
  const missing = await api.request('GET', `/v1/processes/${id('none')}`, { as: 'pat' });
  expect(missing.status).toBe(404);
  expect(missing.body.message).toContain(`PUT /v1/processes/${id('none')}`);
});
