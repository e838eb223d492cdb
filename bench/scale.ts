// `npm run bench:scale`: one worker and one dev server holding many open items.
//   1. Baseline on an empty system: commands on random items of 16, beside bare Updates.
//   2. ITEMS (10,000) tickets created through the API, CONCURRENCY (16) at a time; every other one
//      then waits for more information with a timer a day ahead. Creation rate; worker RSS.
//   3. The same commands on random open items, beside bare Updates measured again.
//   4. A fresh process (so that RSS holds nothing of the first worker) with the workflow cache
//      bounded to CACHE_BOUND (1,000) items: the commands again (most items now replay from
//      history first) and its RSS.
//   5. One item's age: AGE_NOTES (10,000) notes on one ticket through the API, 4 at a time; at
//      10, 100, 1,000 and 10,000 notes the run's events and bytes, the history bytes of one
//      command (a window of 20), the command latency of the stretch and the response size.
// Phases 1 and 3 also print the CPU per command of each process (and of this one by thread).
// After phase 3, unless PROFILE=0, PROFILE_S (20) seconds of the same commands run under CPU
// profilers: this process's threads (bench/cpu-profile.ts) and, on the server proper, Go's pprof:
// where one command's time goes with ITEMS open.
// Every figure is printed and written to bench/results/scale-<time>.json.
// Uses TEMPORAL_ADDRESS / DATABASE_URL when set; otherwise starts a dev server and PostgreSQL.

import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes, randomUUID } from 'node:crypto';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import pino from 'pino';
import { startService, type RunningService } from '../worker/service.js';
import { bareUpdates, bareUpdatesAcross } from './bare-updates.js';
import { cachedWorkflowFloor } from './cached-workflow-floor.js';
import { PatientClient } from './http-client.js';
import { startBenchServers, benchPayloadKeys } from './bench-servers.js';
import { pool as inLanes, summarise, type Summary } from './stats.js';
import { cpuFigures, ratioOf, recordResult } from './results.js';
import { cpuPerRequest, cpuSnapshot } from './process-cpu.js';
import { report as reportProfiles, serverProfile, startCpuProfiles } from './cpu-profile.js';

const ITEMS = Number(process.env.ITEMS ?? 10_000);
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 16);
const CACHE_BOUND = Number(process.env.CACHE_BOUND ?? 1_000);
const AGE_NOTES = Number(process.env.AGE_NOTES ?? 10_000);
const SAMPLE = Number(process.env.SAMPLE ?? 400);
const SAMPLE_CONCURRENCY = 4;
const PROFILE = process.env.PROFILE !== '0';
const PROFILE_S = Number(process.env.PROFILE_S ?? 20);

/** Phase 4 runs in a child process of this script, given the open items by this file. */
interface BoundedPhase {
  taskQueue: string;
  adminToken: string;
  agent: string;
  refs: string[];
}
const child: BoundedPhase | undefined = process.env.SCALE_BOUNDED_PHASE ? JSON.parse(readFileSync(process.env.SCALE_BOUNDED_PHASE, 'utf8')) : undefined;

Runtime.install({ logger: new DefaultLogger('WARN') });
const servers = await startBenchServers();
const taskQueue = child?.taskQueue ?? `scale-${randomUUID()}`;
const adminToken = child?.adminToken ?? randomBytes(16).toString('hex');
const payloadKeys = benchPayloadKeys(); // one key for every start of the service in this run
const start = (maxCachedWorkflows?: number) => startService({ ...servers, payloadKeys, adminToken, taskQueue, maxCachedWorkflows, logger: pino({ level: 'warn' }) });
let service: RunningService = await start(child ? CACHE_BOUND : undefined);
const results: Record<string, unknown> = { items: ITEMS, concurrency: CONCURRENCY, cacheBound: CACHE_BOUND, ageNotes: AGE_NOTES, at: new Date().toISOString() };
const mb = (bytes: number) => Math.round(bytes / 1024 / 1024);
const rss = () => {
  (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage().rss;
};
const fmt = (s: Summary) => `p50 ${s.p50.toFixed(1)} ms, p99 ${s.p99.toFixed(1)} ms`;

try {
  const client = new PatientClient(service.url);
  const { refused, failures } = client;
  const tolerate = (what: () => Promise<unknown>) => client.tolerate(what);
  const call = (method: string, path: string, token: string, body?: unknown) => client.call(method, path, token, body);
  const agent = child?.agent ?? ((await call('POST', '/v1/resources', adminToken, { id: 'agent', name: 'Agent', kind: 'human' })).json.token as string);
  await call('PUT', '/v1/categories/scale', adminToken, { name: 'Scale' });
  const ticket = { kind: 'ticket', title: 'Scale', description: 'One of many', primaryContact: 'c@x.example', requester: 'c@x.example', categoryId: 'scale', submit: true };
  const note = { text: 'note with about seventy characters of text in it, as people write them' };
  const create = async () => (await call('POST', '/v1/work-items', agent, ticket)).json.ref as string;
  const notesOn = async (refs: string[]): Promise<Summary> => {
    const latencies: number[] = [];
    await inLanes(SAMPLE, SAMPLE_CONCURRENCY, () =>
      tolerate(async () => {
        const ref = refs[Math.floor(Math.random() * refs.length)];
        const t0 = performance.now();
        await call('POST', `/v1/work-items/${ref}/notes`, agent, note);
        latencies.push(performance.now() - t0);
      }),
    );
    return summarise(latencies);
  };
  const report = (key: string, line: string, value: unknown) => {
    console.log(line);
    results[key] = value;
  };
  const temporalPort = servers.temporalAddress.split(':').at(-1) ?? '';
  /** notesOn, with the CPU per command of every process involved. */
  const notesWithCpu = async (refs: string[]): Promise<{ latency: Summary; cpu: string }> => {
    const before = cpuSnapshot(temporalPort);
    const latency = await notesOn(refs);
    return { latency, cpu: cpuPerRequest(before, cpuSnapshot(temporalPort), latency.count) };
  };
  /** Notes on random items for `seconds` under the CPU profilers; prints where the time went. */
  const profiled = async (refs: string[], seconds: number) => {
    const stop = await startCpuProfiles();
    const server = serverProfile(servers.pprofUrl, seconds, `scale-${servers.serverKind}`);
    let commands = 0;
    const until = performance.now() + seconds * 1000;
    await Promise.all(
      Array.from({ length: SAMPLE_CONCURRENCY }, async () => {
        while (performance.now() < until) {
          await tolerate(() => call('POST', `/v1/work-items/${refs[Math.floor(Math.random() * refs.length)]}/notes`, agent, note));
          commands++;
        }
      }),
    );
    const threads = reportProfiles(`scale-${servers.serverKind}-${ITEMS}`, await stop(), commands);
    const temporalServer = await server;
    if (temporalServer) {
      console.log(`  the Temporal server (Go pprof, ${seconds} s, ${commands} commands; flat = its own time):`);
      for (const line of temporalServer) console.log(`    ${line}`);
    } else console.log('  the Temporal server: no pprof endpoint (the CLI dev server has none; TEMPORAL_SERVER=cluster profiles it)');
    return { seconds, commands, threads, ...(temporalServer ? { temporalServer } : {}) };
  };

  if (child) {
    const rssStarted = rss();
    const commands = await notesOn(child.refs);
    console.log(`BOUNDED ${JSON.stringify({ commands, rssAfterStart: rssStarted, rss: rss() })}`);
  } else {
    await allPhases();
  }
  async function allPhases(): Promise<void> {
  // 1. Empty system.
  const few = await Promise.all(Array.from({ length: 16 }, create));
  const { latency: emptyCommands, cpu: emptyCpu } = await notesWithCpu(few);
  const emptyBare = (await bareUpdates(servers.temporalAddress, SAMPLE, SAMPLE_CONCURRENCY)).summary;
  report('empty', `empty system: commands ${fmt(emptyCommands)}; bare Updates ${fmt(emptyBare)}\n  commands: ${emptyCpu}`, { commands: emptyCommands, bare: emptyBare, cpuPerCommand: cpuFigures(emptyCpu) });

  // 2. Many open items (ITEMS=0 runs the item's age alone).
  if (ITEMS > 0) await manyOpenItems();
  async function manyOpenItems(): Promise<void> {
    const rssBefore = rss();
    const refs: string[] = [];
    let t0 = performance.now();
    await inLanes(ITEMS, CONCURRENCY, (i) =>
      tolerate(async () => {
        refs.push(await create());
        if ((i + 1) % 1000 === 0) console.log(`  created ${i + 1} (${((i + 1) / ((performance.now() - t0) / 1000)).toFixed(0)}/s)`);
      }),
    );
    const createSeconds = (performance.now() - t0) / 1000;
    t0 = performance.now();
    const waiting = refs.filter((_, i) => i % 2 === 0);
    await inLanes(waiting.length, CONCURRENCY, (i) => tolerate(() => call('POST', `/v1/work-items/${waiting[i]}/wait`, agent, { type: 'more_info', days: 1 })));
    console.log(`  waits done, ${failures.length} failures so far`);
    const waitSeconds = (performance.now() - t0) / 1000;
    const rssOpen = rss();
    report('creation', `created ${ITEMS} tickets in ${createSeconds.toFixed(0)} s: ${(ITEMS / createSeconds).toFixed(1)} items/s; ${waiting.length} then waiting (a day ahead) in ${waitSeconds.toFixed(0)} s`, { seconds: createSeconds, perSecond: ITEMS / createSeconds, waitSeconds });
    report('rssDefaultCache', `process RSS (API + worker, default workflow cache): ${mb(rssBefore)} MB before, ${mb(rssOpen)} MB with ${ITEMS} open: ${((rssOpen - rssBefore) / ITEMS / 1024).toFixed(1)} KB per open item`, { before: rssBefore, open: rssOpen, perItem: (rssOpen - rssBefore) / ITEMS });

    // The floor under that: what the SDK itself holds per cached workflow (no-op workflows, measured the same way).
    const floor = await cachedWorkflowFloor(servers.temporalAddress, Math.min(ITEMS, 2000));
    report('cachedWorkflowFloor', `the SDK's own cost of a cached workflow (${floor.count} no-op workflows held open, same measure): ${(floor.perWorkflow / 1024).toFixed(1)} KB each`, floor);

    // 3. Commands with many open.
    const open = refs.filter((_, i) => i % 2 === 1);
    const { latency: openCommands, cpu: openCpu } = await notesWithCpu(open);
    const openBare = (await bareUpdates(servers.temporalAddress, SAMPLE, SAMPLE_CONCURRENCY)).summary;
    report('open', `with ${ITEMS} open: commands ${fmt(openCommands)} (x${(openCommands.p50 / emptyCommands.p50).toFixed(2)} of empty at p50); bare Updates ${fmt(openBare)}\n  commands: ${openCpu}`, { commands: openCommands, bare: openBare, cpuPerCommand: cpuFigures(openCpu) });
    // The floor under that: bare Updates spread over as many no-op workflows, held by a worker
    // with the same default cache.
    const spread = await bareUpdatesAcross(servers.temporalAddress, ITEMS, SAMPLE, SAMPLE_CONCURRENCY);
    report('openFloor', `bare Updates on random ones of ${ITEMS} open no-op workflows (the SDK's default cache): ${fmt(spread.summary)} (x${(spread.summary.p50 / emptyBare.p50).toFixed(2)} of bare Updates on few at p50)\n  ${spread.cpu}`, { bare: spread.summary, cpuPerCommand: cpuFigures(spread.cpu) });
    if (PROFILE) {
      console.log(`where a command's time goes with ${ITEMS} open (${PROFILE_S} s of notes on random items, ${SAMPLE_CONCURRENCY} at a time, profiled):`);
      results.profile = await profiled(open, PROFILE_S);
    }

    // 4. A bounded workflow cache, in a fresh process.
    await service.stop();
    const bounded = await boundedPhaseInAChild({ taskQueue, adminToken, agent, refs: open });
    report('boundedCache', `workflow cache bounded to ${CACHE_BOUND} (a fresh process): commands ${fmt(bounded.commands)} (most replay first); RSS ${mb(bounded.rssAfterStart)} MB after start, ${mb(bounded.rss)} MB after ${SAMPLE} commands on random items`, bounded);
    service = await start();
    client.baseUrl = service.url; // the new process listens elsewhere
    }

    // 5. One item's age.
    const old = await create();
    const history = async () => (await call('GET', `/v1/work-items/${old}/history`, agent)).json as { runId: string; eventCount: number; sizeBytes: number };
    const ages: unknown[] = [];
    let posted = 0;
    for (const checkpoint of [10, 100, 1_000, 10_000].filter((n) => n <= AGE_NOTES)) {
      const latencies: number[] = [];
      let responseBytes = 0;
      await inLanes(Math.max(0, checkpoint - 20 - posted), 4, async () => {
        posted++;
        const s = performance.now();
        responseBytes = (await call('POST', `/v1/work-items/${old}/notes`, agent, note)).bytes;
        latencies.push(performance.now() - s);
      });
      // A window of 20 commands, one at a time, within one run: history bytes per command.
      let perCommand = NaN;
      for (let attempt = 0; attempt < 3 && Number.isNaN(perCommand); attempt++) {
        const before = await history();
        for (let k = 0; k < 20; k++) {
          posted++;
          const s = performance.now();
          responseBytes = (await call('POST', `/v1/work-items/${old}/notes`, agent, note)).bytes;
          latencies.push(performance.now() - s);
        }
        const after = await history();
        if (after.runId === before.runId) perCommand = (after.sizeBytes - before.sizeBytes) / 20;
      }
      const h = await history();
      const s = summarise(latencies);
      ages.push({ notes: posted, runEvents: h.eventCount, runBytes: h.sizeBytes, bytesPerCommand: perCommand, responseBytes, latency: s });
      console.log(`age ${String(posted).padStart(6)} notes: run ${h.eventCount} events, ${h.sizeBytes} bytes; ${perCommand.toFixed(0)} history bytes per command; response ${responseBytes} bytes; ${fmt(s)}`);
    }
    results.age = ages;
    report('refused', `answers other than 2xx along the way: ${JSON.stringify(refused)}; requests that failed after retries: ${failures.length}`, { refused, failures: failures.length });
  }
} finally {
  await service.stop();
  await servers.stop();
  if (!child) {
    // For the report: the ratios, and command latency at 0 and ITEMS open items.
    const r = results as { empty?: { commands: Summary; bare: Summary }; open?: { commands: Summary; bare: Summary }; openFloor?: { bare: Summary }; boundedCache?: { commands: Summary } };
    recordResult('scale', {
      ...results,
      ratios: {
        'command / bare Update, empty system': ratioOf(r.empty?.commands, r.empty?.bare),
        'command / bare Update, many open items': ratioOf(r.open?.commands, r.open?.bare),
        'command, many open / empty system': ratioOf(r.open?.commands, r.empty?.commands),
        'bare Update across many open / on few (the floor of the line above)': ratioOf(r.openFloor?.bare, r.empty?.bare),
        'command / bare Update across as many open': ratioOf(r.open?.commands, r.openFloor?.bare),
      },
      openItems: [
        { openItems: 0, commands: r.empty?.commands, 'bare Updates': r.empty?.bare },
        ...(r.open ? [{ openItems: ITEMS, commands: r.open.commands, 'bare Updates': r.open.bare, 'commands, bounded cache': r.boundedCache?.commands }] : []),
      ],
    }, { ITEMS, CONCURRENCY, CACHE_BOUND, AGE_NOTES, SAMPLE }, servers);
  }
}

/** Runs phase 4 in a child process of this script, against the same servers and items. */
async function boundedPhaseInAChild(phase: BoundedPhase): Promise<{ commands: Summary; rssAfterStart: number; rss: number }> {
  const file = join(tmpdir(), `scale-bounded-${randomUUID()}.json`);
  await writeFile(file, JSON.stringify(phase));
  const env = { ...process.env, SCALE_BOUNDED_PHASE: file, TEMPORAL_ADDRESS: servers.temporalAddress, DATABASE_URL: servers.databaseUrl };
  const proc = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', fileURLToPath(import.meta.url)], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  proc.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => proc.on('close', resolve));
  const line = out.split('\n').find((l) => l.startsWith('BOUNDED '));
  if (code !== 0 || !line) throw new Error(`the bounded-cache phase failed (exit ${code}): ${out.slice(-2000)}`);
  return JSON.parse(line.slice('BOUNDED '.length));
}
