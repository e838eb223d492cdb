// `npm run serve`: the service against an existing Temporal and PostgreSQL (the Docker image's
// command). Requires TEMPORAL_ADDRESS, DATABASE_URL, ADMIN_TOKEN and PAYLOAD_KEYS (R48); optional PORT (3000),
// HOST (0.0.0.0), TEMPORAL_NAMESPACE (default), TASK_QUEUE (work-items) and TEMPORAL_UI_URL. Waits up to 60 s for Temporal
// and PostgreSQL to accept connections, then runs until SIGTERM/SIGINT.
// Email: SMTP_URL is the outbound relay (unset: sending email fails); SMTP_PORT, when set, starts
// the inbound SMTP listener on SMTP_HOST (0.0.0.0):SMTP_PORT (unset: no listener).

import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Connection } from '@temporalio/client';
import { checkDatabase } from '../store/db/connection-check.js';
import { startService, type ServiceOptions } from '../worker/service.js';
import { parsePayloadKeys } from '../worker/payload-codec.js';
import { workerMetricsExporter } from '../worker/worker-metrics.js';
import { assertPortFree, Cleanup, env, envPort, failStartup, log, requireEnv, retry, StartupError, stopOnSignals } from './process-lifecycle.js';

/**
 * Runs the service as configured by the environment until SIGTERM/SIGINT. `customise` may change
 * the options before the service starts: a test entry adds its fault seams this way
 * (test/support/serve-with-fault.ts); `npm run serve` passes none.
 */
export async function serve(customise: (options: ServiceOptions) => ServiceOptions = (options) => options): Promise<void> {
  const cleanup = new Cleanup();
  // The worker's own metrics (appended to GET /metrics) come with the Runtime, installed first.
  const workerMetrics = await workerMetricsExporter(Number(process.env.WORKER_METRICS_PORT ?? 0) || 0);
  stopOnSignals(cleanup, 30_000, { telemetryOptions: workerMetrics.telemetryOptions });
  const workerMetricsUrl = workerMetrics.url;

  try {
    const temporalAddress = requireEnv('TEMPORAL_ADDRESS', 'set it to the Temporal frontend gRPC address, e.g. temporal:7233');
    const databaseUrl = requireEnv('DATABASE_URL', 'set it to a PostgreSQL URL, e.g. postgres://user:password@postgresql:5432/workitems');
    const adminToken = requireEnv('ADMIN_TOKEN', 'set it to a long random secret; it authorises the admin API');
    const payloadKeys = payloadKeysFromEnv();
    const port = envPort('PORT', 3000);
    const host = env('HOST') ?? '0.0.0.0';
    await assertPortFree('HTTP API', host, port, 'set PORT to another port');
    const smtpPort = env('SMTP_PORT') === undefined ? undefined : envPort('SMTP_PORT', 0);
    const smtpHost = env('SMTP_HOST') ?? '0.0.0.0';
    if (smtpPort !== undefined) await assertPortFree('SMTP listener (inbound mail)', smtpHost, smtpPort, 'set SMTP_PORT to another port, or unset it');
    const smtpUrl = env('SMTP_URL');
    const namespace = env('TEMPORAL_NAMESPACE') ?? 'default';

    await Promise.all([
      retry(
        `Temporal at ${temporalAddress}`,
        async () => {
          const connection = await Connection.connect({ address: temporalAddress, connectTimeout: '5s' });
          await connection.close();
        },
        { hint: 'check TEMPORAL_ADDRESS and that the Temporal server is up' },
      ),
      retry(`PostgreSQL at ${hostOf(databaseUrl)}`, () => checkDatabase(databaseUrl), {
        hint: 'check DATABASE_URL (host, credentials, database name) and that PostgreSQL is up',
      }),
    ]);

    const service = await startService(
      customise({
        workerMetricsUrl,
        temporalAddress,
        databaseUrl,
        adminToken,
        payloadKeys,
        port,
        host,
        namespace,
        temporalUiUrl: env('TEMPORAL_UI_URL'),
        taskQueue: env('TASK_QUEUE'),
        smtpUrl,
        smtp: smtpPort === undefined ? undefined : { port: smtpPort, host: smtpHost },
        unreadyBeforeCloseMs: stopUnreadyMs(),
      }),
    );
    cleanup.add('work-items service', () => service.stop());
    const smtpIn = service.smtpPort === undefined ? 'no inbound SMTP' : `inbound SMTP on ${smtpHost}:${service.smtpPort}`;
    log(`work-items listening on ${service.url} (Temporal ${temporalAddress}, namespace ${namespace}; ${smtpIn}; outbound SMTP ${smtpUrl ? `via ${hostOf(smtpUrl)}` : 'not configured'})`);
  } catch (err) {
    await failStartup(err, cleanup);
  }
}

/** R48: the service never runs without its payload keys; a bad value is refused with what to set. */
function payloadKeysFromEnv() {
  try {
    return parsePayloadKeys(process.env.PAYLOAD_KEYS);
  } catch (err) {
    throw new StartupError('configuration', (err as Error).message, 'keep every key that encrypted payloads still in history; add new ones first in the list');
  }
}

// `node --import tsx scripts/serve.ts` runs it; importing this module (a test entry) does not.
if (process.argv[1] && realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url))) await serve();

/** STOP_UNREADY_MS: how long a stop answers 503 before it closes its socket (default 2 s). */
function stopUnreadyMs(): number {
  const ms = Number(env('STOP_UNREADY_MS') ?? 2_000);
  if (!Number.isInteger(ms) || ms < 0) throw new Error(`STOP_UNREADY_MS must be a whole number of milliseconds, 0 or more (it is "${env('STOP_UNREADY_MS')}").`);
  return ms;
}

/** host:port of a database or SMTP URL, for log lines that must not show the password. */
function hostOf(url: string): string {
  try {
    return new URL(url).host || '(socket)';
  } catch {
    return '(unparseable URL)';
  }
}
