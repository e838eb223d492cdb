// Rebuilding the lists (R41) from Temporal: wipe every list row, rebuild from each item's current
// state (running items by query, closed ones from their result), and find the rows exactly as
// they were.

import { afterAll, beforeAll, expect, it } from 'vitest';
import { ItemStore } from '../../store/item-store.js';
import { rebuildReadModel } from '../../api/read-model-rebuild.js';
import { WorkItemGateway } from '../../api/work-item-gateway.js';
import { ApiHarness } from '../support/api-harness.js';

let api: ApiHarness;

beforeAll(async () => {
  api = await ApiHarness.start();
  await api.resource('alice', 'human');
  expect((await api.request('PUT', '/v1/categories/quick', { body: { name: 'Quick', feedbackWindow: 'PT1S', sla: { target: 'P2D' } } })).status).toBe(200);
});
afterAll(async () => {
  await api?.stop();
});

const ticket = async (title: string) =>
  (await api.request('POST', '/v1/work-items', { as: 'alice', body: { kind: 'ticket', title, description: 'x', categoryId: 'quick', primaryContact: 'a@b.example', requester: 'a@b.example', queue: 'desk', submit: true } })).body.ref as string;

it('R41: the lists rebuilt from Temporal after every row was wiped equal the lists before', async () => {
  await ticket('stays todo');
  const draft = (await api.request('POST', '/v1/work-items', { as: 'alice', body: { kind: 'ticket', title: 'a draft' } })).body.ref;
  const working = await ticket('in progress');
  await api.act(working, '/pick-up', {}, 'alice');
  const waiting = await ticket('waiting');
  await api.act(waiting, '/pick-up', {}, 'alice');
  await api.act(waiting, '/wait', { type: 'more_info', days: 3 }, 'alice');
  const closed = await ticket('closed');
  await api.act(closed, '/pick-up', {}, 'alice');
  await api.act(closed, '/resolve', { method: 'customer_communication' }, 'alice');
  await api.viewWhen(closed, 'the feedback window to close it', (v) => v.state === 'closed');
  await api.eventually('every row at its item\'s version', async () => {
    for (const ref of [draft, working, waiting, closed]) {
      const view = (await api.request('GET', `/v1/work-items/${ref}`)).body;
      const row = (await api.pool.query('SELECT version FROM work_items WHERE ref = $1', [ref])).rows[0];
      if (row?.version !== view.version) return false;
    }
    return true;
  });

  const rows = async () => (await api.pool.query('SELECT * FROM work_items ORDER BY ref')).rows;
  const before = await rows();
  expect(before.length).toBe(5);
  await api.pool.query('DELETE FROM work_items');
  expect(await rows()).toEqual([]);

  const gateway = new WorkItemGateway(api.service.client, { taskQueue: api.taskQueue });
  const rebuilt = await rebuildReadModel(gateway, new ItemStore(api.pool));
  expect(rebuilt).toBe(5);
  expect(await rows()).toEqual(before);
});
