// Inbound SMTP loses nothing once it has answered 250 (R34, R35): the service (`npm run serve`,
// a real process) is killed with SIGKILL right after the 250 and before it processes the message
// (test/support/serve-with-fault.ts kill-after-smtp-accept). A fresh service on the same
// database takes the stored message at its start: the ticket exists once.

import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import pino from 'pino';
import type pg from 'pg';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { migrate } from '../../store/db/migrate.js';
import { createPool } from '../../store/db/pool.js';
import { startService } from '../../worker/service.js';
import { freshDatabase, type FreshDatabase } from '../support/db.js';
import { freePort } from '../../worker/free-port.js';
import { SmtpClient } from '../support/smtp-client.js';
import { testPayloadKeys, TEST_PAYLOAD_KEYS } from '../support/payload-keys.js';

let db: FreshDatabase;
let pool: pg.Pool;
const stops: Array<() => Promise<unknown>> = [];

beforeAll(async () => {
  db = await freshDatabase(inject('databaseUrl'));
  pool = createPool(db.url);
  await migrate(pool);
  // This file's refs must not collide with other files' on the shared dev server.
  await pool.query(`ALTER SEQUENCE ticket_ref_seq RESTART WITH ${900_000 + Math.floor(Math.random() * 90_000)}`);
  await pool.query(`INSERT INTO mailboxes (address, starts) VALUES ('desk@example.com', 'ticket')`);
});
afterAll(async () => {
  for (const stop of stops.reverse()) await stop().catch(() => undefined);
  await pool?.end();
  await db?.drop();
});

it('R34, R35: a message the listener answered 250 for, when the service is killed before processing it, is processed once after the restart', { timeout: 120_000 }, async () => {
  const taskQueue = `smtp-crash-${randomUUID()}`;
  const smtpPort = await freePort();
  const doomed = spawn(process.execPath, ['--import', 'tsx', 'test/support/serve-with-fault.ts', 'kill-after-smtp-accept'], {
    env: {
      ...process.env,
      TEMPORAL_ADDRESS: inject('temporalAddress'), DATABASE_URL: db.url, ADMIN_TOKEN: randomBytes(16).toString('hex'),
      PORT: String(await freePort()), HOST: '127.0.0.1', SMTP_PORT: String(smtpPort), SMTP_HOST: '127.0.0.1',
      TASK_QUEUE: taskQueue, LOG_LEVEL: 'warn', PAYLOAD_KEYS: TEST_PAYLOAD_KEYS,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const exited = new Promise<NodeJS.Signals | null>((resolve) => doomed.once('exit', (_code, signal) => resolve(signal)));
  stops.push(async () => doomed.kill('SIGKILL'));

  const smtp = new SmtpClient(smtpPort, pool);
  const mail = { from: 'ann@acme.example', to: ['desk@example.com'], subject: 'Sent just before a crash', body: 'Please do not lose me.', messageId: '<crash-1@acme.example>' };
  let accepted: { storedId: number; response: string } | undefined;
  for (let i = 0; i < 300 && !accepted; i++) {
    accepted = await smtp.send(mail).catch(async (err: NodeJS.ErrnoException) => {
      if (err.code !== 'ESOCKET' && err.code !== 'ECONNECTION') throw err; // the listener is not up yet
      await new Promise((r) => setTimeout(r, 100));
      return undefined;
    });
  }
  expect(accepted?.response).toMatch(/^250 /);
  expect(await exited).toBe('SIGKILL');
  const stored = await pool.query('SELECT processed_at FROM inbound_messages WHERE id = $1', [accepted!.storedId]);
  expect(stored.rows).toEqual([{ processed_at: null }]); // stored, not processed
  expect((await pool.query('SELECT count(*)::int AS n FROM work_items')).rows[0].n).toBe(0);

  const service = await startService({ payloadKeys: testPayloadKeys, temporalAddress: inject('temporalAddress'), databaseUrl: db.url, adminToken: randomBytes(16).toString('hex'), taskQueue, smtp: { port: 0 }, logger: pino({ level: 'silent' }) });
  stops.push(() => service.stop());
  const taken = await smtp.processed(accepted!.storedId, 30_000);
  expect(taken.outcome).toBe('created');
  const { rows } = await pool.query('SELECT ref, title, state FROM work_items');
  expect(rows).toEqual([{ ref: taken.ref, title: 'Sent just before a crash', state: 'todo' }]);
});
