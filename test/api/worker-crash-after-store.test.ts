// Point 5 of issue 7: nothing outside an item runs ahead of its history. The item stores its
// changes by an activity that history schedules, so the one window left is between that
// activity's write and its completion. This test kills a real worker process (SIGKILL) in that
// window, deterministically (test/support/serve-with-fault.ts kill-after-store), starts a fresh
// worker, and finds, without sending any command, the lists, the timeline and the outbox exactly
// as the item's history says: each entry and email once, the list row at the item's version.

import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import pino from 'pino';
import type pg from 'pg';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { migrate } from '../../store/db/migrate.js';
import { createPool } from '../../store/db/pool.js';
import { ItemStore } from '../../store/item-store.js';
import { WorkItemGateway } from '../../api/work-item-gateway.js';
import { startService, type RunningService } from '../../worker/service.js';
import type { Actor } from '../../workflows/domain/item/types.js';
import { freshDatabase, type FreshDatabase } from '../support/db.js';
import { freePort } from '../../worker/free-port.js';
import { eventTypes } from '../support/history.js';
import { ensureSearchAttributes } from '../../worker/search-attribute-registration.js';
import { testPayloadKeys, TEST_PAYLOAD_KEYS } from '../support/payload-keys.js';
import { dataConverterFor } from '../../worker/payload-codec.js';

const alice: Actor = { id: 'alice', kind: 'human', roles: [] };
let db: FreshDatabase;
let pool: pg.Pool;
let client: Client;
const stops: Array<() => Promise<unknown>> = [];

beforeAll(async () => {
  db = await freshDatabase(inject('databaseUrl'));
  pool = createPool(db.url);
  await migrate(pool);
  const connection = await Connection.connect({ address: inject('temporalAddress') });
  client = new Client({ connection, dataConverter: dataConverterFor(testPayloadKeys) });
  await ensureSearchAttributes(connection, 'default'); // items start with theirs, before the worker's service registers them
});
afterAll(async () => {
  for (const stop of stops.reverse()) await stop().catch(() => undefined);
  await client?.connection.close();
  await pool?.end();
  await db?.drop();
});

it('R41, R42: a worker killed after storing an item\'s changes and before the store completes loses nothing, and a fresh worker leaves lists, timeline and outbox matching the item with no further command', { timeout: 120_000 }, async () => {
  const taskQueue = `crash-${randomUUID()}`;
  const worker = spawn(process.execPath, ['--import', 'tsx', 'test/support/serve-with-fault.ts', 'kill-after-store'], {
    env: {
      ...process.env,
      TEMPORAL_ADDRESS: inject('temporalAddress'), DATABASE_URL: db.url, ADMIN_TOKEN: randomBytes(16).toString('hex'),
      PORT: String(await freePort()), HOST: '127.0.0.1', TASK_QUEUE: taskQueue, LOG_LEVEL: 'warn', PAYLOAD_KEYS: TEST_PAYLOAD_KEYS,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const exited = new Promise<NodeJS.Signals | null>((resolve) => worker.once('exit', (_code, signal) => resolve(signal)));
  stops.push(async () => worker.kill('SIGKILL'));

  // Commands go straight to Temporal (not through the doomed process's API), so each one's
  // answer is in hand before the worker dies.
  const gateway = new WorkItemGateway(client, { taskQueue });
  const ref = `T-${String(Date.now()).slice(-9)}`;
  await gateway.start({ ref, kind: 'ticket', createdBy: alice, submit: true, fields: { title: 'Invoice 42', description: 'Unpaid', primaryContact: 'ann@example.com', requester: 'ann@example.com' } });
  await gateway.command(ref, alice, { type: 'pickUp' });
  await gateway.command(ref, alice, { type: 'addNote', text: 'Called the supplier.' });
  // An outbound email is stored at once: the store activity writes, then the worker dies.
  const sent = await gateway.command(ref, alice, { type: 'sendEmail', to: ['ann@example.com'], subject: 'Invoice 42', body: 'It is paid.' });
  expect(await exited).toBe('SIGKILL');

  const handle = client.workflow.getHandle(ref);
  const stored = async () => (await pool.query('SELECT seq, entry FROM timeline_entries WHERE ref = $1 ORDER BY seq', [ref])).rows;
  expect((await stored()).map((r) => r.seq)).toEqual(Array.from({ length: sent.timelineLength }, (_, i) => i + 1)); // written...
  const types = await eventTypes(handle);
  expect(types).toContain('ACTIVITY_TASK_SCHEDULED');
  expect(types).not.toContain('ACTIVITY_TASK_COMPLETED'); // ...but not completed

  // A fresh worker (and API) on the same task queue. No command is sent from here on.
  const service: RunningService = await startService({ payloadKeys: testPayloadKeys, temporalAddress: inject('temporalAddress'), databaseUrl: db.url, adminToken: randomBytes(16).toString('hex'), taskQueue, logger: pino({ level: 'silent' }) });
  stops.push(() => service.stop());
  for (let i = 0; i < 600 && !(await eventTypes(handle)).includes('ACTIVITY_TASK_COMPLETED'); i++) await new Promise((r) => setTimeout(r, 100));
  expect(await eventTypes(handle)).toContain('ACTIVITY_TASK_COMPLETED'); // retried after its 10 s start-to-close timeout

  // The item as its workflow holds it (a Query: this test reads Temporal directly), against what is
  // stored, once the email's delivery outcome (one more change: no relay is set, so it fails) is
  // stored too and the two agree.
  const items = new ItemStore(pool);
  const settled = async () => {
    const item = await items.item(ref);
    const queued = item ? (await items.allEntries(item)).some((e) => e.type === 'email_out' && e.delivery === 'queued') : true;
    return !queued && item?.version === (await gateway.workflowView(ref)).version;
  };
  for (let i = 0; i < 200 && !(await settled()); i++) await new Promise((r) => setTimeout(r, 100));
  const held = await gateway.workflowView(ref);
  expect(held.version).toBe(sent.version + 1); // the delivery outcome
  expect(held.timeline).toEqual([]); // nothing left unstored
  const timeline = await items.allEntries((await items.item(ref))!);
  const rows = await stored();
  expect(rows.map((r) => r.entry)).toEqual(timeline); // every entry once, in order, as history has it
  expect(timeline.map((e) => e.seq)).toEqual(Array.from({ length: held.timelineCount }, (_, i) => i + 1));
  expect((await pool.query('SELECT state, version FROM work_items WHERE ref = $1', [ref])).rows).toEqual([{ state: held.state, version: held.version }]);
  const outbox = (await pool.query('SELECT message_id FROM outbound_emails WHERE ref = $1', [ref])).rows.map((r) => r.message_id);
  expect(outbox).toEqual(timeline.filter((e) => e.type === 'email_out').map((e) => e.messageId));
});
