// An item whose workflow Temporal terminated or failed is not a closed item: commands are refused
// with needs_operator (409), naming the Temporal status and where to read the history, and never
// with "a closed item is final". So is one whose history the code cannot replay. A closed item
// still answers as closed.

import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { NativeConnection, Worker } from '@temporalio/worker';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { createWorker } from '../../worker/create-worker.js';
import { pollUntil } from '../faults/support/story-client.js';
import { ApiHarness } from '../support/api-harness.js';
import { ticketInput } from '../support/workflow-harness.js';
import { dataConverterFor } from '../../worker/payload-codec.js';
import { testPayloadKeys } from '../support/payload-keys.js';

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

it('an item whose history the code cannot replay (a nondeterminism) answers needs_operator to commands and to a diagnostic read of its workflow, saying why', async () => {
  const ref = 'T-990001';
  const taskQueue = `diverging-${randomUUID()}`;
  const connection = await NativeConnection.connect({ address: inject('temporalAddress') });
  try {
    // Its first workflow task ran other code...
    const other = await Worker.create({ connection, taskQueue, dataConverter: dataConverterFor(testPayloadKeys), workflowsPath: fileURLToPath(new URL('../support/diverging/work-item.ts', import.meta.url)) });
    const input = ticketInput(ref, { createdBy: { id: 'otto', kind: 'human', roles: [] } });
    const handle = await api.service.client.workflow.start('workItem', { workflowId: ref, taskQueue, args: [input] });
    await other.runUntil(pollUntil('its first task to run', async () => (await handle.fetchHistory()).events?.some((e) => e.activityTaskScheduledEventAttributes), 30_000, 50));
    // ...and the service's own code takes it now.
    const ours = await createWorker({ connection, pool: api.pool, taskQueue, dataConverter: dataConverterFor(testPayloadKeys) });
    await ours.runUntil(async () => {
      // A read of its workflow (?source=workflow) and a command are both told the item needs an
      // operator, and why: not a 500, and not a 503 that asks to retry what no retry can mend.
      const view = await api.request('GET', `/v1/work-items/${ref}?source=workflow`, { as: 'otto' });
      expect(view.status).toBe(409);
      expect(view.body).toMatchObject({ error: 'needs_operator', temporalStatus: 'RUNNING', problem: 'nondeterminism', command: 'view' });
      expect(view.body.message).toMatch(/cannot be replayed .*Nondeterminism/);
      const note = await api.request('POST', `/v1/work-items/${ref}/notes`, { as: 'otto', body: { text: 'anyone there?' } });
      expect(note.status).toBe(409);
      expect(note.body).toMatchObject({ error: 'needs_operator', problem: 'nondeterminism', command: 'addNote' });
    });
  } finally {
    await api.service.client.workflow.getHandle(ref).terminate('test over').catch(() => undefined);
    await connection.close();
  }
});
