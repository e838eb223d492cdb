// `npm run rebuild-read-model`: rewrites every item's stored state and list row (the read model,
// R41) from Temporal, from the state its workflow holds (a Query per running item: an operator's
// tool, never run on a request path). Safe while the service runs (a row never goes back a version).
// Needs TEMPORAL_ADDRESS, DATABASE_URL and PAYLOAD_KEYS (as `npm run serve` does: the items'
// payloads are encrypted, R48), and TASK_QUEUE when the service uses another than `work-items`;
// TEMPORAL_NAMESPACE (default).

import { Client, Connection } from '@temporalio/client';
import { migrate } from '../store/db/migrate.js';
import { createPool } from '../store/db/pool.js';
import { ItemStore } from '../store/item-store.js';
import { rebuildReadModel } from '../api/read-model-rebuild.js';
import { WorkItemGateway } from '../api/work-item-gateway.js';
import { env, log, requireEnv } from './process-lifecycle.js';
import { dataConverterFor, parsePayloadKeys } from '../worker/payload-codec.js';

const temporalAddress = requireEnv('TEMPORAL_ADDRESS', 'the Temporal frontend, e.g. 127.0.0.1:7233 (npm start prints it)');
const databaseUrl = requireEnv('DATABASE_URL', 'the PostgreSQL URL, e.g. the one npm start prints');
const payloadKeys = parsePayloadKeys(requireEnv('PAYLOAD_KEYS', "the service's payload keys (npm start keeps its own in .data/payload-keys)"));
const pool = createPool(databaseUrl, 2);
const connection = await Connection.connect({ address: temporalAddress });
try {
  await migrate(pool);
  const gateway = new WorkItemGateway(new Client({ connection, namespace: env('TEMPORAL_NAMESPACE') ?? 'default', dataConverter: dataConverterFor(payloadKeys) }), { taskQueue: env('TASK_QUEUE') });
  const items = new ItemStore(pool);
  const before = await items.count();
  const started = Date.now();
  const rebuilt = await rebuildReadModel(gateway, items, (done) => log(`${done} items rebuilt so far`));
  log(`rebuilt ${rebuilt} items' states and list rows from Temporal in ${((Date.now() - started) / 1000).toFixed(1)} s (${before} rows before, ${await items.count()} now)`);
} finally {
  await connection.close();
  await pool.end();
}
