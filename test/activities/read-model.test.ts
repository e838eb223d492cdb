// The read-model activity against a real PostgreSQL: upserts, and the version guard that keeps a
// late, older write from overwriting a newer row (activities may retry or arrive out of order).

import { afterAll, beforeAll, expect, it } from 'vitest';
import { inject } from 'vitest';
import type pg from 'pg';
import { migrate } from '../../activities/db/migrate.js';
import { createPool } from '../../activities/db/pool.js';
import { createWorkItemActivities } from '../../activities/read-model.js';
import type { WorkItemSummary } from '../../workflows/domain/types.js';
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
