// What the query-across-* tests share: their world on the test run's dev server (a database of
// their own, a bundle with the run guard, connections), and a line saying which order a run took
// (the server hands worker B the waiting Query and the workflow task in either order).

import { Client, Connection } from '@temporalio/client';
import { NativeConnection, type WorkflowBundle } from '@temporalio/worker';
import type pg from 'pg';
import { afterAll, beforeAll, inject } from 'vitest';
import { migrate } from '../../store/db/migrate.js';
import { createPool } from '../../store/db/pool.js';
import { bundleWorkItemWorkflows } from '../../worker/create-worker.js';
import { ensureSearchAttributes } from '../../worker/search-attribute-registration.js';
import { freshDatabase, type FreshDatabase } from '../support/db.js';
import { quietLogger } from '../support/workflow-harness.js';

export interface DevServerWorld {
  pool: pg.Pool;
  client: Client;
  nativeConnection: NativeConnection;
  bundle: WorkflowBundle;
}

/** Sets the world up before the file's tests and tears it down after them; read its fields inside a test. */
export function useDevServerWorld(): DevServerWorld {
  const world = {} as DevServerWorld;
  let db: FreshDatabase | undefined;
  let connection: Connection | undefined;
  beforeAll(async () => {
    const address = inject('temporalAddress');
    let native: NativeConnection;
    [db, world.bundle, connection, native] = await Promise.all([
      freshDatabase(inject('databaseUrl')),
      bundleWorkItemWorkflows({ logger: quietLogger }),
      Connection.connect({ address }),
      NativeConnection.connect({ address }),
    ]);
    world.nativeConnection = native;
    world.pool = createPool(db.url);
    await migrate(world.pool);
    await ensureSearchAttributes(connection, 'default');
    world.client = new Client({ connection });
  }, 60_000);
  afterAll(async () => {
    await world.pool?.end();
    await db?.drop();
    await world.nativeConnection?.close();
    await connection?.close();
  });
  return world;
}

export function describeFirst(first: unknown): string {
  if (!(first instanceof Error)) return 'order: the workflow task came first; the Query was answered after it';
  if (/went past its history/.test(first.message)) return 'order: the Query came first, from a history past the last task; the run guard refused it (the run was dropped)';
  return `order: the Query got no answer in time (${first.message.slice(0, 80)})`;
}
