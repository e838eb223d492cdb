// `npm run rebuild-read-model`: rewrites the lists' rows (the read model, R41) from Temporal, from
// every item's current state. Safe while the service runs (a row never goes back a version).
// Needs TEMPORAL_ADDRESS and DATABASE_URL (as `npm run serve` does), and TASK_QUEUE when the
// service uses another than `work-items`; TEMPORAL_NAMESPACE (default).

import { Client, Connection } from '@temporalio/client';
import { migrate } from '../activities/db/migrate.js';
import { createPool } from '../activities/db/pool.js';
import { ItemStore } from '../api/item-store.js';
import { countRows, rebuildReadModel } from '../api/read-model-rebuild.js';
import { WorkItemGateway } from '../api/work-item-gateway.js';
import { env, log, requireEnv } from './process-lifecycle.js';

const temporalAddress = requireEnv('TEMPORAL_ADDRESS', 'the Temporal frontend, e.g. 127.0.0.1:7233 (npm start prints it)');
const databaseUrl = requireEnv('DATABASE_URL', 'the PostgreSQL URL, e.g. the one npm start prints');
const pool = createPool(databaseUrl, 2);
const connection = await Connection.connect({ address: temporalAddress });
try {
  await migrate(pool);
  const gateway = new WorkItemGateway(new Client({ connection, namespace: env('TEMPORAL_NAMESPACE') ?? 'default' }), { taskQueue: env('TASK_QUEUE') });
  const before = await countRows(pool);
  const started = Date.now();
  const rebuilt = await rebuildReadModel(gateway, new ItemStore(pool), (done) => log(`${done} items rebuilt so far`));
  log(`rebuilt ${rebuilt} list rows from Temporal in ${((Date.now() - started) / 1000).toFixed(1)} s (${before} rows before, ${await countRows(pool)} now)`);
} finally {
  await connection.close();
  await pool.end();
}
