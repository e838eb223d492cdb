// `npm run test:fuzz`: fuzzes every operation of the live API's OpenAPI document with
// schemathesis (provisioned into .tools/fuzz-venv), as three callers: the admin, a human and an
// integration. It starts the service on its embedded defaults (the `npm start` setup: Temporal
// dev server + PGlite) in a throwaway data directory on free ports, so it never touches `.data/`
// or a running `npm start`. Checks: server errors, response schema, status code and content
// type conformance, in every phase (examples, coverage, fuzzing, and stateful along the
// document's links). Reports go to fuzz-report/<caller>/. Exits non-zero on any failure.
//
// Environment: FUZZ_MAX_EXAMPLES (30), FUZZ_WORKERS (2), FUZZ_CALLERS (admin,human,integration),
// FUZZ_PHASES (every phase; e.g. `stateful` to run that one alone).

import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../../scripts/tool-paths.js';
import { freePort } from '../../worker/free-port.js';

const CHECKS = ['not_a_server_error', 'response_schema_conformance', 'status_code_conformance', 'content_type_conformance'];
const maxExamples = Number(process.env.FUZZ_MAX_EXAMPLES ?? 30);
const workers = Number(process.env.FUZZ_WORKERS ?? 2);
const callers = (process.env.FUZZ_CALLERS ?? 'admin,human,integration').split(',').map((c) => c.trim());
const schemathesis = join(repoRoot, '.tools/fuzz-venv/bin/schemathesis');
const config = join(repoRoot, 'test/fuzz/schemathesis.toml');
const reportRoot = join(repoRoot, 'fuzz-report');

interface CallerRun {
  caller: string;
  exitCode: number;
  /** Requests answered. */
  requests: number;
  /** Test cases whose checks all passed, and those with a failed check. */
  passed: number;
  failed: number;
  seconds: number;
}

function say(line: string): void {
  process.stdout.write(`[fuzz] ${line}\n`);
}

async function waitReady(url: string, service: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (service.exitCode !== null) throw new Error(`the service exited (code ${service.exitCode}) before it was ready; see fuzz-report/service.log`);
    const ok = await fetch(`${url}/readyz`).then((r) => r.ok, () => false);
    if (ok) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`the service was not ready after ${timeoutMs / 1000} s; see fuzz-report/service.log`);
}

async function createResource(url: string, adminToken: string, id: string, kind: string): Promise<string> {
  const res = await fetch(`${url}/v1/resources`, {
    method: 'POST',
    headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ id, name: id, kind }),
  });
  if (res.status !== 201) throw new Error(`could not create the ${kind} resource ${id}: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { token: string }).token;
}

interface OpenApiDocument {
  paths: Record<string, Record<string, { operationId: string; responses: Record<string, unknown> }>>;
}

/** The not-built list of the fuzz configuration must be the operations that may answer 501. */
function checkNotBuiltList(document: OpenApiDocument): void {
  const declared = Object.values(document.paths)
    .flatMap((ops) => Object.values(ops))
    .filter((op) => '501' in op.responses)
    .map((op) => op.operationId)
    .sort();
  const listed = [...readFileSync(config, 'utf8').matchAll(/^\s*"(\w+)",?\s*$/gm)].map((m) => m[1]).sort();
  if (JSON.stringify(declared) !== JSON.stringify(listed)) {
    throw new Error(`test/fuzz/schemathesis.toml lists ${listed.join(', ')} as not built, but the OpenAPI document says ${declared.join(', ')} may answer 501: bring them in line`);
  }
  say(`operations not built yet (answer 501): ${declared.length}: ${declared.join(', ')}`);
}

function runSchemathesis(url: string, caller: string, token: string): Promise<CallerRun> {
  const dir = join(reportRoot, caller);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const args = [
    '--no-color',
    '--config-file', config,
    'run', `${url}/v1/openapi.json`,
    '--url', url,
    '--header', `Authorization: Bearer ${token}`,
    '--checks', CHECKS.join(','),
    '--workers', String(workers),
    '--max-examples', String(maxExamples),
    ...(process.env.FUZZ_PHASES ? ['--phases', process.env.FUZZ_PHASES] : []),
    '--report', 'junit,ndjson',
    '--report-dir', dir,
  ];
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(schemathesis, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const log = createWriteStream(join(dir, 'schemathesis.log'));
    child.stdout.pipe(log);
    child.stderr.pipe(log);
    // The summary is what a person reads: pass it through, without the per-test progress lines.
    let tail = '';
    child.stdout.on('data', (chunk: Buffer) => {
      tail = (tail + chunk.toString()).slice(-200_000);
    });
    child.once('error', reject);
    child.once('close', (code) => {
      const summaryAt = tail.search(/^=+ (SUMMARY|FAILURES)/m);
      if (summaryAt >= 0) process.stdout.write(withoutBanners(tail.slice(summaryAt).replaceAll(token, '<token>')));
      resolve({ caller, exitCode: code ?? 1, ...countFromNdjson(dir), seconds: Math.round((Date.now() - started) / 1000) });
    });
  });
}

/**
 * Schemathesis frames its summary in pytest-style banners (`==== 2 warnings in 135.22s ====`).
 * CI reads such a line as a pytest run that closed on no test, so the banners are redrawn with
 * dashes: the text a person reads stays, the shape a test-runner parser looks for goes.
 */
function withoutBanners(text: string): string {
  return text.replace(/^=+ (.*?) =+$/gm, '--- $1 ---');
}

/** Requests answered and test cases passed and failed, from schemathesis's ndjson event stream. */
function countFromNdjson(dir: string): { requests: number; passed: number; failed: number } {
  const file = readdirSync(dir).find((f) => f.endsWith('.ndjson'));
  if (!file) throw new Error(`schemathesis wrote no ndjson report in ${dir}; see ${join(dir, 'schemathesis.log')}`);
  let requests = 0;
  let passed = 0;
  let failed = 0;
  for (const line of readFileSync(join(dir, file), 'utf8').split('\n')) {
    if (!line.includes('"ScenarioFinished"')) continue;
    const recorder = JSON.parse(line).ScenarioFinished.recorder as {
      interactions?: Record<string, { response?: unknown }>;
      checks?: Record<string, Array<{ status: string }>>;
    };
    requests += Object.values(recorder.interactions ?? {}).filter((i) => i.response).length;
    for (const checks of Object.values(recorder.checks ?? {})) {
      if (checks.some((c) => c.status === 'failure')) failed++;
      else passed++;
    }
  }
  return { requests, passed, failed };
}

async function main(): Promise<number> {
  if (!existsSync(schemathesis)) throw new Error('schemathesis is not provisioned: run `bash scripts/provision.sh fuzz`');
  mkdirSync(reportRoot, { recursive: true });
  const dataDir = mkdtempSync(join(tmpdir(), 'work-items-fuzz-'));
  const [port, temporalPort, uiPort, pglitePort] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
  const adminToken = `fuzz-admin-${randomBytes(16).toString('hex')}`;
  const url = `http://127.0.0.1:${port}`;

  say(`starting the service (embedded Temporal dev server + PGlite) in ${dataDir}`);
  const serviceLog = createWriteStream(join(reportRoot, 'service.log'));
  const service = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'scripts/start.ts')], {
    cwd: repoRoot,
    env: {
      ...process.env,
      DATA_DIR: dataDir,
      PORT: String(port),
      TEMPORAL_PORT: String(temporalPort),
      TEMPORAL_UI_PORT: String(uiPort),
      PGLITE_PORT: String(pglitePort),
      // Inbound SMTP and the mail catcher on free ports too (0: any free port).
      SMTP_PORT: '0',
      MAILPIT_SMTP_PORT: '0',
      MAILPIT_UI_PORT: '0',
      ADMIN_TOKEN: adminToken,
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  service.stdout!.pipe(serviceLog);
  service.stderr!.pipe(serviceLog);
  const stopService = async () => {
    if (service.exitCode !== null) return;
    const exited = new Promise((r) => service.once('exit', r));
    service.kill('SIGTERM');
    const timer = setTimeout(() => service.kill('SIGKILL'), 30_000);
    await exited;
    clearTimeout(timer);
  };

  try {
    const t0 = Date.now();
    await waitReady(url, service, 180_000);
    say(`service ready at ${url} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    const document = (await (await fetch(`${url}/v1/openapi.json`)).json()) as OpenApiDocument;
    const operations = Object.values(document.paths).reduce((n, ops) => n + Object.keys(ops).length, 0);
    say(`${operations} operations in GET /v1/openapi.json; ${maxExamples} examples per operation, ${workers} workers; checks: ${CHECKS.join(', ')}`);
    checkNotBuiltList(document);

    const tokens: Record<string, string> = { admin: adminToken };
    if (callers.includes('human')) tokens.human = await createResource(url, adminToken, 'fuzz-human', 'human');
    if (callers.includes('integration')) tokens.integration = await createResource(url, adminToken, 'fuzz-integration', 'integration');

    const runs: CallerRun[] = [];
    for (const caller of callers) {
      if (!tokens[caller]) throw new Error(`unknown caller ${caller}: use admin, human or integration`);
      say(`fuzzing as ${caller} ...`);
      const run = await runSchemathesis(url, caller, tokens[caller]);
      runs.push(run);
      say(`${caller}: ${run.requests} requests, ${run.failed} failing test cases, exit ${run.exitCode}, ${run.seconds} s (fuzz-report/${caller}/)`);
    }

    say('caller        requests  cases passed  cases failed  seconds');
    for (const r of runs) {
      say(`${r.caller.padEnd(12)}  ${String(r.requests).padStart(8)}  ${String(r.passed).padStart(12)}  ${String(r.failed).padStart(12)}  ${String(r.seconds).padStart(7)}`);
    }
    const failedRuns = runs.filter((r) => r.exitCode !== 0);
    const sum = (key: 'requests' | 'passed' | 'failed') => runs.reduce((n, r) => n + r[key], 0);
    say(failedRuns.length ? `FAILED as ${failedRuns.map((r) => r.caller).join(', ')}` : `passed: ${sum('requests')} requests, no failure`);
    // Not in the `N passed, N failed` shape: the test suite's summary is the one line CI counts.
    say(`fuzz test cases: ${sum('passed')} passing, ${sum('failed')} failing`);
    return failedRuns.length ? 1 : 0;
  } finally {
    await stopService();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    say(`error: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
