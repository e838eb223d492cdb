// `npm run serve:cluster`: the Temporal server proper (scripts/temporal-cluster-server.ts:
// PostgreSQL persistence and visibility, as docker-compose.yml's temporalio/auto-setup) for local
// use, until Ctrl-C. Its PostgreSQL data, config and log live in <DATA_DIR>/cluster (.data/cluster)
// and are reused by the next start; delete the directory to start afresh.
// Environment: TEMPORAL_PORT (7233; 0: any free port), TEMPORAL_POSTGRES_URL (an existing
// PostgreSQL to keep the `temporal` and `temporal_visibility` databases in, instead of a private
// one), RETENTION_DAYS (30: of the `default` namespace, when this creates it), TEMPORAL_LOG_LEVEL
// (warn), DATA_DIR (.data).

import { relative, resolve } from 'node:path';
import { assertPortFree, Cleanup, env, envPort, failStartup, log, StartupError, stopOnSignals } from './process-lifecycle.js';
import { clusterServerProvisioned, startClusterServer } from './temporal-cluster-server.js';
import { repoRoot } from './tool-paths.js';

const started = Date.now();
const dataDir = resolve(repoRoot, env('DATA_DIR') ?? '.data', 'cluster');
const cleanup = new Cleanup();
stopOnSignals(cleanup, 60_000);

try {
  if (!clusterServerProvisioned()) {
    throw new StartupError('Temporal server', 'not provisioned (.tools/bin/temporal-server)', 'run `bash scripts/provision.sh cluster` (or `npm run provision`)');
  }
  const port = envPort('TEMPORAL_PORT', 7233);
  await assertPortFree('Temporal frontend', '127.0.0.1', port, 'another Temporal or `npm start`? Set TEMPORAL_PORT to another port (0: any free port)');
  const logLevel = env('TEMPORAL_LOG_LEVEL') ?? 'warn';
  if (!['debug', 'info', 'warn', 'error'].includes(logLevel)) throw new StartupError('configuration', `TEMPORAL_LOG_LEVEL=${logLevel}`, 'set it to debug, info, warn or error');
  log(`starting the Temporal server in ${relative(repoRoot, dataDir)}`);
  const server = await startClusterServer({
    dataDir,
    port,
    postgresUrl: env('TEMPORAL_POSTGRES_URL'),
    retentionDays: Number(env('RETENTION_DAYS') ?? 30),
    logLevel: logLevel as 'warn',
    log,
  }).catch((err) => {
    throw new StartupError('Temporal server', (err as Error).message, `see ${relative(repoRoot, dataDir)}/temporal-server.log`, { cause: err });
  });
  cleanup.add('the Temporal server and its PostgreSQL', () => server.stop());
  process.stdout.write(
    [
      '',
      `Temporal server (PostgreSQL persistence and visibility) ready in ${((Date.now() - started) / 1000).toFixed(1)} s`,
      `  Address       ${server.address} (namespace ${server.namespace})`,
      `  PostgreSQL    ${server.postgresUrl.replace(/:[^:@/]*@/, ':***@')} (databases temporal, temporal_visibility)`,
      `  Data          ${relative(repoRoot, dataDir)} (kept; delete it to start afresh)`,
      `  Server log    ${relative(repoRoot, server.logFile)}`,
      `  Use it        TEMPORAL_ADDRESS=${server.address} npm start`,
      'Press Ctrl-C to stop.',
      '',
    ].join('\n'),
  );
} catch (err) {
  await failStartup(err, cleanup);
}
