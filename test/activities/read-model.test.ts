// The read-model activity against a real PostgreSQL: upserts, and the version guard that keeps a
// late, older write from overwriting a newer row (activities may retry or arrive out of order).

import { afterAll, beforeAll, expect, it } from 'vitest';
import { inject } from 'vitest';
import type pg from 'pg';
import { migrate } from '../../activities/db/migrate.js';
import { createPool } from '../../activities/db/pool.js';
import { createWorkItemActivities } from '../../activities/read-model.js';
import type { WorkItemSummary } from '../../workflows/domain/item/types.js';
import { freshDatabase, type FreshDatabase } from '../support/db.js';

let db: FreshDatabase;
let pool: pg.Pool;

beforeAll(async () => {
  db = await freshDatabase(inject('databaseUrl'));
  pool = createPool(db.url);
  await migrate(pool);
});
afterAll(async () => {
  await pool?.end();
  await db?.drop();
});

const summary = (version: number, state: WorkItemSummary['state']): WorkItemSummary => ({
  ref: 'T-000001', kind: 'ticket', state, waitType: null, highlighted: false, assignee: 'alice', queue: null, needsHuman: false,
  title: 'Printer', categoryId: null, parentRef: null, dueAt: null, breached: false,
  createdAt: '2026-03-02T09:00:00.000Z', updatedAt: `2026-03-02T09:0${version}:00.000Z`, version,
});

it('R41: the read model takes newer versions and ignores an older one that arrives late', async () => {
  const { syncSummary } = createWorkItemActivities(pool);
  await syncSummary(summary(1, 'todo'));
  await syncSummary(summary(3, 'waiting'));
  await syncSummary(summary(2, 'in_progress')); // late
  await syncSummary(summary(3, 'waiting')); // a retry of the same write
  const { rows } = await pool.query('SELECT state, version FROM work_items');
  expect(rows).toEqual([{ state: 'waiting', version: 3 }]);
});

it('R41: migrations are idempotent: running them again applies nothing', async () => {
  expect(await migrate(pool)).toEqual([]);
});

it('R42: recordChanges stores timeline entries once by (ref, seq), tags stored entries, queues each email once, and a retry changes nothing', async () => {
  const { recordChanges } = createWorkItemActivities(pool);
  const ref = 'T-000002';
  const note = (seq: number) => ({ seq, at: '2026-03-02T09:00:00.000Z', by: 'alice', type: 'note' as const, text: `note ${seq}`, isResolution: false });
  const email = { messageId: `<${ref}.3@work-items.invalid>`, ref, to: ['ann@example.com'], subject: 'Paid', body: 'It is paid.', isResolution: false };
  const first = { summary: { ...summary(1, 'in_progress'), ref }, entries: [note(1), note(2)], resolutionTags: [], emails: [email] };
  await recordChanges(first);
  await recordChanges(first); // an activity retried after a crash
  const second = { summary: { ...summary(2, 'closed'), ref }, entries: [note(3)], resolutionTags: [2], emails: [] };
  await recordChanges(second);
  await recordChanges(second);
  const { rows: entries } = await pool.query('SELECT seq, entry FROM timeline_entries WHERE ref = $1 ORDER BY seq', [ref]);
  expect(entries.map((r) => [r.seq, r.entry.text, r.entry.isResolution])).toEqual([[1, 'note 1', false], [2, 'note 2', true], [3, 'note 3', false]]);
  expect((await pool.query('SELECT message_id, recipients, body FROM outbound_emails WHERE ref = $1', [ref])).rows).toEqual([
    { message_id: email.messageId, recipients: ['ann@example.com'], body: 'It is paid.' },
  ]);
  expect((await pool.query('SELECT state, version FROM work_items WHERE ref = $1', [ref])).rows).toEqual([{ state: 'closed', version: 2 }]);
});
