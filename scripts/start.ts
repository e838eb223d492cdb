// `npm start`: the whole service on one machine with embedded defaults. Uses TEMPORAL_ADDRESS,
// DATABASE_URL and SMTP_URL when set; otherwise starts a Temporal dev server (SQLite in
// .data/temporal.sqlite, UI on 127.0.0.1:8233), an embedded PostgreSQL (PGlite in .data/pglite,
// served on 127.0.0.1:5433) and Mailpit, a mail catcher that keeps every email the service sends
// (SMTP on 127.0.0.1:1025, web UI on 127.0.0.1:8025, .data/mailpit.db). All keep their data across
// restarts; delete .data/ to start afresh. Inbound mail is taken over SMTP on 127.0.0.1:2525.
// Environment: PORT (3000), HOST (127.0.0.1), ADMIN_TOKEN (else a dev token kept in
// .data/admin-token), TEMPORAL_PORT (7233), TEMPORAL_UI_PORT (8233), TEMPORAL_UI_URL, PGLITE_PORT (5433),
// SMTP_PORT (2525) and SMTP_HOST (127.0.0.1) for inbound mail, SMTP_URL (the outbound relay; else
// Mailpit), MAILPIT_SMTP_PORT (1025), MAILPIT_UI_PORT (8025), MAILPIT_PATH (else .tools/bin/mailpit),
// DATA_DIR (.data: where the dev server, PGlite, Mailpit and the dev token keep their files),
// PAYLOAD_KEYS (else a key made on the first run and kept in .data/payload-keys: R48).
// A port of 0 means any free port. The dev servers and Mailpit are waited for while they make
// progress (scripts/dependency.ts; docs/operating.md, "Starting on a busy machine").

import { randomBytes } from 'node:crypto';
import { newPayloadKey, parsePayloadKeys } from '../worker/payload-codec.js';
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time.js';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { startService } from '../worker/service.js';
import { workerMetricsExporter } from '../worker/worker-metrics.js';
import { assertPortFree, Cleanup, env, envPort, errorMessage, failStartup, log, StartupError, stopOnSignals } from './process-lifecycle.js';
import { DependencyError, PortInUseError } from './dependency.js';
import { type Mailpit, startMailpit } from './mailpit.js';
import { startTemporalDevServer, startTemporalTestServer, type TemporalServer, timeSkippingClockSource } from './temporal-dev-server.js';
import { mailpitPath, repoRoot, temporalCliPath, testServerPath } from './tool-paths.js';
import { SkippingClock } from '../api/clock.js';

const started = Date.now();
/**
 * TIME_SKIPPING=1 (for testers): the same service on Temporal's time-skipping test server, whose
 * clock POST /v1/test/clock/skip moves. Its data lives apart, in <DATA_DIR>/time-skipping, and
 * starts afresh every time (the test server keeps its workflows in memory only).
 */
const timeSkipping = env('TIME_SKIPPING') === '1';
const dataDir = resolve(repoRoot, env('DATA_DIR') ?? '.data', timeSkipping ? 'time-skipping' : '.');
const shownDataDir = relative(repoRoot, dataDir) || '.';
const cleanup = new Cleanup();
// The worker's own metrics (appended to GET /metrics) come with the Runtime, installed first.
const workerMetrics = await workerMetricsExporter(Number(process.env.WORKER_METRICS_PORT ?? 0) || 0);
stopOnSignals(cleanup, 30_000, { telemetryOptions: workerMetrics.telemetryOptions });
const workerMetricsUrl = workerMetrics.url;

try {
  if (timeSkipping) {
    rmSync(dataDir, { recursive: true, force: true });
    log(`TIME-SKIPPING MODE, for testing only: Temporal's time-skipping test server; the data in ${shownDataDir} starts afresh now and is thrown away at the next start`);
  }
  mkdirSync(dataDir, { recursive: true });
  const port = envPort('PORT', 3000);
  const host = env('HOST') ?? '127.0.0.1';
  await assertPortFree('HTTP API', host, port, 'set PORT to another port');
  const smtpPort = envPort('SMTP_PORT', 2525);
  const smtpHost = env('SMTP_HOST') ?? '127.0.0.1';
  await assertPortFree('SMTP listener (inbound mail)', smtpHost, smtpPort, 'set SMTP_PORT to another port');
  const admin = adminToken();
  const payloadKeys = parsePayloadKeys(keptPayloadKeys());

  // Temporal, the database and the mail catcher start side by side; each stops what it started, in order.
  const temporalCleanup = new Cleanup();
  const databaseCleanup = new Cleanup();
  const mailCleanup = new Cleanup();
  cleanup.add('Temporal', () => temporalCleanup.run());
  cleanup.add('database', () => databaseCleanup.run());
  cleanup.add('mail catcher', () => mailCleanup.run());
  // R48: the UI decodes payloads through the service's codec server (once an operator signs in there).
  const codecEndpoint = port ? `http://${['0.0.0.0', '::'].includes(host) ? '127.0.0.1' : host}:${port}/v1/codec` : undefined;
  const [temporal, database, mail] = await Promise.allSettled([startTemporal(temporalCleanup, codecEndpoint), startDatabase(databaseCleanup), startMailCatcher(mailCleanup)]);
  if (temporal.status === 'rejected') throw temporal.reason;
  if (database.status === 'rejected') throw database.reason;
  if (mail.status === 'rejected') throw mail.reason;

  let service: Awaited<ReturnType<typeof startService>>;
  try {
    service = await startService({
      workerMetricsUrl,
      temporalAddress: temporal.value.address,
      databaseUrl: database.value.url,
      poolMax: database.value.poolMax,
      adminToken: admin.token,
      payloadKeys,
      port,
      host,
      temporalUiUrl: temporal.value.uiUrl,
      ...(temporal.value.testClock ? { testClock: temporal.value.testClock } : {}),
      smtpUrl: mail.value.smtpUrl,
      smtp: { port: smtpPort, host: smtpHost },
    });
  } catch (err) {
    throw new StartupError('work-items service (migrations, worker, HTTP API)', errorMessage(err), 'see the error above; LOG_LEVEL=debug shows more', { cause: err });
  }
  cleanup.add('work-items service', () => service.stop());

  const url = service.url.replace('//0.0.0.0:', '//127.0.0.1:');
  const smtpIn = `smtp://${['0.0.0.0', '::'].includes(smtpHost) ? '127.0.0.1' : smtpHost}:${service.smtpPort ?? smtpPort}`;
  const auth = `-H 'authorization: Bearer ${admin.generated ? admin.token : '$ADMIN_TOKEN'}'`;
  console.log(
    [
      '',
      `work-items is ready (${((Date.now() - started) / 1000).toFixed(1)} s)`,
      `  API           ${url}`,
      `  OpenAPI       ${url}/v1/openapi.json`,
      ...(timeSkipping
        ? [
            `  Temporal      ${temporal.value.address} (TIME-SKIPPING test server, for testing only: no UI, nothing kept)`,
            `  Test clock    GET ${url}/v1/test/clock; POST ${url}/v1/test/clock/skip {"duration":"P3D"} moves it (docs/testing-sla-scenarios.md)`,
          ]
        : [
            `  Temporal UI   ${temporal.value.uiUrl ?? '(unknown: set TEMPORAL_UI_URL)'}`,
            `  Codec server  ${url}/v1/codec: sign in at ${url}/v1/codec/sign-in with the admin token, and the UI shows payloads decoded (payloads are encrypted, R48; key in ${env('PAYLOAD_KEYS') ? 'PAYLOAD_KEYS' : `${shownDataDir}/payload-keys`})`,
            `  Temporal      ${temporal.value.address}${env('TEMPORAL_ADDRESS') ? '' : ` (dev server, ${shownDataDir}/temporal.sqlite)`}`,
          ]),
      `  PostgreSQL    ${database.value.label}`,
      `  SMTP in       ${smtpIn} (mail to a configured mailbox)`,
      mail.value.banner,
      `  Admin token   ${admin.generated ? `${admin.token}  (dev token, kept in ${shownDataDir}/admin-token)` : '(from ADMIN_TOKEN)'}`,
      `  Try           curl -s -X POST ${url}/v1/resources ${auth} -H 'content-type: application/json' -d '{"id":"alice","name":"Alice","kind":"human"}'`,
      'Press Ctrl-C to stop.',
      '',
    ].join('\n'),
  );
} catch (err) {
  await failStartup(err, cleanup);
}

async function startTemporal(stops: Cleanup, codecEndpoint: string | undefined): Promise<{ address: string; uiUrl?: string; testClock?: SkippingClock }> {
  if (timeSkipping) return startTimeSkippingServer(stops);
  const address = env('TEMPORAL_ADDRESS');
  if (address) return { address, uiUrl: env('TEMPORAL_UI_URL') };

  const path = temporalCliPath();
  const port = envPort('TEMPORAL_PORT', 7233);
  const uiPort = envPort('TEMPORAL_UI_PORT', 8233);
  // Checked first: a server already answering on the port would be taken for the one started here.
  const inUse = `another Temporal or \`npm start\`? Set TEMPORAL_ADDRESS=127.0.0.1:${port} to use it, or TEMPORAL_PORT / TEMPORAL_UI_PORT`;
  await assertPortFree('Temporal dev server', '127.0.0.1', port, inUse);
  await assertPortFree('Temporal UI', '127.0.0.1', uiPort, inUse);
  const dbFilename = join(dataDir, 'temporal.sqlite');
  if (!path) return startTemporalBySdk(stops, port, uiPort, dbFilename, codecEndpoint);
  log(`starting the Temporal dev server on 127.0.0.1:${port || '(a free port)'} (UI on ${uiPort || 'a free port'}) from ${path}`);
  let server: TemporalServer;
  try {
    server = await startTemporalDevServer({
      path,
      port,
      uiPort,
      dbFilename,
      ...(codecEndpoint ? { extraArgs: ['--ui-codec-endpoint', codecEndpoint] } : {}),
      // Registered before it is up, so that a Ctrl-C during startup still stops it.
      onSpawn: (stop) => stops.add('Temporal dev server', stop),
      // SIGKILL, as the SDK did: its SQLite file is safe, and a graceful stop only adds noise.
      wait: { log, stopGraceMs: 0 },
    });
  } catch (err) {
    const hint = err instanceof PortInUseError ? inUse : 'TEMPORAL_ADDRESS uses a Temporal that is already running';
    throw notReady('Temporal dev server', err, hint);
  }
  // The dev server keeps a closed workflow's history for one day; closed items stay readable
  // (GET, the Temporal UI) for RETENTION_DAYS instead.
  const connection = await Connection.connect({ address: server.address, connectTimeout: '1 minute' }); // it answers already; the machine may be slow
  try {
    await setRetention(connection);
  } finally {
    await connection.close();
  }
  return { address: server.address, uiUrl: env('TEMPORAL_UI_URL') ?? `http://127.0.0.1:${server.uiPort}` };
}

async function setRetention(connection: Connection): Promise<void> {
  const days = Number(env('RETENTION_DAYS') ?? 30);
  await connection.workflowService.updateNamespace({
    namespace: 'default',
    config: { workflowExecutionRetentionTtl: msToTs(`${days} days`) },
  });
}

/** No provisioned CLI: the SDK downloads one and starts it (with the SDK's own short start deadline). */
async function startTemporalBySdk(stops: Cleanup, port: number, uiPort: number, dbFilename: string, codecEndpoint: string | undefined): Promise<{ address: string; uiUrl?: string }> {
  log(`starting the Temporal dev server on 127.0.0.1:${port} (UI on ${uiPort}) (downloading the Temporal CLI; \`npm run provision\` provisions it)`);
  const starting = TestWorkflowEnvironment.createLocal({
    server: { dbFilename, ip: '127.0.0.1', port: port || undefined, ui: true, uiPort, namespace: 'default', ...(codecEndpoint ? { extraArgs: ['--ui-codec-endpoint', codecEndpoint] } : {}) },
  });
  stops.add('Temporal dev server', async () => (await starting.catch(() => undefined))?.teardown());
  let testEnv: TestWorkflowEnvironment;
  try {
    testEnv = await starting;
  } catch (err) {
    const hint = 'the Temporal CLI could not be downloaded or started: run `npm run provision`, set TEMPORAL_CLI_PATH, or set TEMPORAL_ADDRESS';
    throw new StartupError('Temporal dev server', errorMessage(err), hint, { cause: err });
  }
  await setRetention(testEnv.connection);
  return { address: testEnv.address, uiUrl: env('TEMPORAL_UI_URL') ?? `http://127.0.0.1:${uiPort}` };
}

/** TIME_SKIPPING=1: Temporal's time-skipping test server (in memory), and its clock. */
async function startTimeSkippingServer(stops: Cleanup): Promise<{ address: string; testClock: SkippingClock }> {
  if (env('TEMPORAL_ADDRESS')) throw new StartupError('time-skipping mode', 'TEMPORAL_ADDRESS is set', 'time-skipping mode runs its own test server: unset TEMPORAL_ADDRESS (or TIME_SKIPPING)');
  const path = testServerPath();
  const port = envPort('TEMPORAL_PORT', 7233);
  const hint = 'set TEMPORAL_PORT to another port (0: any free port)';
  await assertPortFree('Temporal time-skipping test server', '127.0.0.1', port, hint);
  if (!path) return startTimeSkippingServerBySdk(stops, port);
  log(`starting Temporal's time-skipping test server on 127.0.0.1:${port || '(a free port)'} from ${path}`);
  let address: string;
  try {
    ({ address } = await startTemporalTestServer({ path, port, onSpawn: (stop) => stops.add('Temporal test server', stop), wait: { log, stopGraceMs: 0 } }));
  } catch (err) {
    throw notReady('Temporal time-skipping test server', err, hint);
  }
  const clock = await timeSkippingClockSource(address);
  stops.add('test clock connection', () => clock.close());
  return { address, testClock: await SkippingClock.of(clock.env) };
}

/** No provisioned test server: the SDK downloads one and starts it (with the SDK's own short start deadline). */
async function startTimeSkippingServerBySdk(stops: Cleanup, port: number): Promise<{ address: string; testClock: SkippingClock }> {
  log(`starting Temporal's time-skipping test server on 127.0.0.1:${port} (downloading it; \`npm run provision\` provisions it)`);
  const starting = TestWorkflowEnvironment.createTimeSkipping({ server: port ? { port } : {} });
  stops.add('Temporal test server', async () => (await starting.catch(() => undefined))?.teardown());
  let testEnv: TestWorkflowEnvironment;
  try {
    testEnv = await starting;
  } catch (err) {
    throw new StartupError('Temporal time-skipping test server', errorMessage(err), 'the test server could not be downloaded: run `npm run provision`, or set TEMPORAL_TEST_SERVER_PATH', { cause: err });
  }
  return { address: testEnv.address, testClock: await SkippingClock.of(testEnv) };
}

/** SMTP_URL, else Mailpit started here (its SMTP is the service's relay), else no relay at all. */
async function startMailCatcher(stops: Cleanup): Promise<{ smtpUrl: string | undefined; banner: string }> {
  const relay = env('SMTP_URL');
  if (relay) return { smtpUrl: relay, banner: `  SMTP out      ${withoutPassword(relay)}` };

  const path = mailpitPath();
  if (!path) {
    log('warning: Mailpit (the mail catcher) is not provisioned, so outbound email fails: run `npm run provision`, or set MAILPIT_PATH or SMTP_URL');
    return { smtpUrl: undefined, banner: '  Mail catcher  none: Mailpit is not provisioned, so outbound email fails (`npm run provision`, or SMTP_URL)' };
  }
  const smtpPort = envPort('MAILPIT_SMTP_PORT', 1025);
  const uiPort = envPort('MAILPIT_UI_PORT', 8025);
  const inUse = 'another Mailpit or `npm start`? Set MAILPIT_SMTP_PORT / MAILPIT_UI_PORT, or SMTP_URL to send through a relay that runs already';
  await assertPortFree('Mailpit SMTP', '127.0.0.1', smtpPort, inUse);
  await assertPortFree('Mailpit web UI', '127.0.0.1', uiPort, inUse);
  log(`starting Mailpit with SMTP on 127.0.0.1:${smtpPort || '(a free port)'} (web UI on ${uiPort || 'a free port'}) from ${path}`);
  let mailpit: Mailpit;
  let stopping = false;
  const onSpawn = (stop: () => Promise<void>) =>
    stops.add('Mailpit', async () => {
      stopping = true;
      await stop();
    });
  try {
    mailpit = await startMailpit({ path, database: join(dataDir, 'mailpit.db'), smtpPort, uiPort, onSpawn, wait: { log } });
  } catch (err) {
    const hint = err instanceof PortInUseError ? inUse : 'SMTP_URL sends through a relay that runs already';
    throw notReady('Mailpit', err, hint);
  }
  void mailpit.process.exited.then((how) => {
    if (!stopping) log(`Mailpit exited (${how}): outbound email fails until \`npm start\` is restarted`);
  });
  return { smtpUrl: `smtp://127.0.0.1:${mailpit.smtpPort}`, banner: `  Mail catcher  http://127.0.0.1:${mailpit.uiPort} (every email the service sends)` };
}

/** A dependency's failure to start; a DependencyError's message says it all, but for the name the StartupError gives. */
function notReady(part: string, err: unknown, hint: string): StartupError {
  return err instanceof DependencyError ? new StartupError(part, err.detail, hint) : new StartupError(part, errorMessage(err), hint, { cause: err });
}

/** The URL for display, its password (if any) masked. */
function withoutPassword(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparseable SMTP_URL)';
  }
}

async function startDatabase(stops: Cleanup): Promise<{ url: string; poolMax: number; label: string }> {
  const url = env('DATABASE_URL');
  if (url) return { url, poolMax: 5, label: 'from DATABASE_URL' };

  const dir = join(dataDir, 'pglite');
  lockPglite(dir, stops);
  log(`opening PGlite in ${dir}`);
  const opening = PGlite.create(dir);
  stops.add('PGlite', async () => (await opening.catch(() => undefined))?.close()); // close() flushes the data directory
  let db: PGlite;
  try {
    db = await opening;
  } catch (err) {
    throw new StartupError('PGlite', `could not open ${dir}: ${errorMessage(err)}`, `delete ${dir} to start with an empty database, or set DATABASE_URL`, { cause: err });
  }

  // One connection at a time: pg pools with several connections get dropped (ECONNRESET).
  const wanted = envPort('PGLITE_PORT', 5433);
  let server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: wanted, maxConnections: 1 });
  try {
    await server.start();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw new StartupError('PGlite socket server', errorMessage(err), undefined, { cause: err });
    log(`port ${wanted} is in use; serving PGlite on a free port instead`);
    server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 1 });
    await server.start();
  }
  stops.add('PGlite socket server', () => server.stop());
  const dbUrl = `postgres://postgres@${server.getServerConn()}/postgres`;
  return { url: dbUrl, poolMax: 1, label: `PGlite in ${shownDataDir}/pglite, served at ${dbUrl}` };
}

/** PGlite's data directory must not be opened by two processes at once. */
function lockPglite(dir: string, stops: Cleanup): void {
  const file = join(dataDir, 'pglite.pid');
  let pid = 0;
  try {
    pid = Number(readFileSync(file, 'utf8'));
  } catch {
    // no lock file
  }
  if (pid && pid !== process.pid && isAlive(pid)) {
    throw new StartupError('PGlite', `${dir} is in use by process ${pid}`, `stop the other \`npm start\` first (or delete ${file} if that process is not one)`);
  }
  writeFileSync(file, String(process.pid));
  stops.add('PGlite lock', async () => rmSync(file, { force: true }));
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A secret kept in the data directory (mode 600): read back, or made by `make` on the first run. */
function keptSecret(name: string, make: () => string): string {
  const file = join(dataDir, name);
  let value = '';
  try {
    value = readFileSync(file, 'utf8').trim();
  } catch {
    // not made yet
  }
  if (!value) {
    value = make();
    writeFileSync(file, `${value}\n`, { mode: 0o600 });
  }
  chmodSync(file, 0o600);
  return value;
}

/** R48: PAYLOAD_KEYS, or the key this data directory's items are encrypted with (made on its first run). */
function keptPayloadKeys(): string {
  return env('PAYLOAD_KEYS') ?? keptSecret('payload-keys', () => newPayloadKey());
}

/** ADMIN_TOKEN, else a dev token generated once and kept in .data/admin-token (mode 600). */
function adminToken(): { token: string; generated: boolean } {
  const fromEnv = env('ADMIN_TOKEN');
  if (fromEnv) return { token: fromEnv, generated: false };
  return { token: keptSecret('admin-token', () => `dev-${randomBytes(24).toString('base64url')}`), generated: true };
}
