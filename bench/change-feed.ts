// `npm run bench:change-feed`: the change feed (R47), GET /v1/changes, against the list route as
// the baseline, in one run.
//   1. The service in this process (API + worker) on the bench servers (a dev server and a private
//      PostgreSQL, or TEMPORAL_ADDRESS / DATABASE_URL), PostgreSQL only. FEED_CHANGES (10,000)
//      tickets are written straight to its database with ItemStore.saveMany, 500 a statement, as
//      an import batch stores them (one stored version each: one change each), spread over four
//      queues; no workflow runs for them, so nothing else writes while the feed is read.
//   2. Feed throughput, FEED_ROUNDS (3) rounds in alternating order: the whole feed read over HTTP
//      from `after=0` in pages of 1,000 (changes/s), and the same items read through
//      `GET /v1/work-items?limit=500` pages (rows/s; its cursor is an offset); both as the admin
//      (unbounded) and as a resource bounded to one queue (R46: a quarter of the items), whose
//      feed read scans every change and answers only those it may see. Prints the median round.
//      The rounds run after an ANALYZE (as autovacuum would soon after such a write); one bounded
//      page read before it is shown apart (without statistics, its plan's estimate can pass
//      jit_above_cost, and JIT compiles it every time).
//   3. Long-poll wake-up, commit to delivery, FEED_SAMPLES (50) samples a path: a reader waits
//      with `GET /v1/changes?after=<head>&wait=PT30S`; 150-350 ms later a note is added to a ticket
//      (POST /v1/work-items/:ref/notes, through the in-process service); the time from the note's
//      answer (its change is committed before it) to the reader's answer, and from the note's send.
//      Two paths, alternating: the reader on the same service (woken in-process as the store
//      commits), and on a second instance, `scripts/serve.ts` in a child process on the same
//      Temporal and PostgreSQL, which only LISTEN/NOTIFY on `item_changes` wakes (or its 1 s re-read).
//      Baseline: the note's own round trip. Prints median / p95 and the ratios.
// Writes bench/results/change-feed-<time>.json.

import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import pino from 'pino';
import { createPool } from '../store/db/pool.js';
import { ConfigTables } from '../store/config-store.js';
import { ItemStore } from '../store/item-store.js';
import { ReadModelStore } from '../store/read-model-store.js';
import { freePort } from '../worker/free-port.js';
import { newPayloadKey, parsePayloadKeys } from '../worker/payload-codec.js';
import { startService, type RunningService } from '../worker/service.js';
import type { Actor, WorkItem, WorkItemSummary } from '../workflows/domain/item/types.js';
import { toSummary } from '../workflows/domain/item/view.js';
import { createWorkItem } from '../workflows/domain/rules/transitions.js';
import { startBenchServers, type BenchServers } from './bench-servers.js';
import { request } from './http-client.js';
import { recordResult } from './results.js';
import { percentile } from './stats.js';

const CHANGES = Number(process.env.FEED_CHANGES ?? 10_000);
const ROUNDS = Number(process.env.FEED_ROUNDS ?? 3);
const SAMPLES = Number(process.env.FEED_SAMPLES ?? 50);
const FEED_PAGE = 1000;
const LIST_PAGE = 500;
const SEED_BATCH = 500;
const QUEUES = ['billing', 'desk', 'claims', 'payroll'];
const BOUNDED_QUEUE = QUEUES[0]!;
const CATEGORY = 'feed-bench';
const repoRoot = fileURLToPath(new URL('..', import.meta.url));

/** One full read: how many rows, in how long, and each page's latency. */
interface Read {
  rows: number;
  seconds: number;
  pages: number[];
  bytes: number;
}

interface Spread {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  mean: number;
}

function spread(values: number[]): Spread {
  const sorted = [...values].sort((a, b) => a - b);
  return { count: sorted.length, p50: percentile(sorted, 50), p95: percentile(sorted, 95), p99: percentile(sorted, 99), mean: sorted.reduce((s, x) => s + x, 0) / (sorted.length || 1) };
}

const median = (xs: number[]) => percentile([...xs].sort((a, b) => a - b), 50);

export async function runChangeFeed(): Promise<void> {
  const servers = await startBenchServers();
  const adminToken = randomBytes(16).toString('hex');
  const payloadKeyText = process.env.PAYLOAD_KEYS ?? newPayloadKey('bench');
  let service: RunningService | undefined;
  let other: { url: string; stop(): Promise<void> } | undefined;
  try {
    service = await startService({ ...servers, payloadKeys: parsePayloadKeys(payloadKeyText), adminToken, taskQueue: `feed-${randomUUID()}`, logger: pino({ level: 'warn' }) });
    const url = service.url;
    const call = async (base: string, method: string, path: string, token: string, body?: unknown): Promise<any> => {
      for (let attempt = 0; ; attempt++) {
        try {
          const res = await request(base, method, path, token, body);
          if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${res.text.slice(0, 300)}`);
          return JSON.parse(res.text);
        } catch (error) {
          // A kept-alive socket the service closed as it was reused: a GET is sent again.
          if (method !== 'GET' || attempt >= 2 || !/ECONNRESET|socket hang up/.test(String(error))) throw error;
        }
      }
    };
    await call(url, 'PUT', `/v1/categories/${CATEGORY}`, adminToken, { name: 'Feed bench' });
    const agentToken = (await call(url, 'POST', '/v1/resources', adminToken, { id: 'feed-agent', name: 'Agent', kind: 'human' })).token as string;
    const boundedToken = (await call(url, 'POST', '/v1/resources', adminToken, { id: 'feed-bounded', name: 'Billing desk', kind: 'human', queues: [BOUNDED_QUEUE] })).token as string;

    // --- 1. seed -------------------------------------------------------------------------------
    const seedSeconds = await seed(servers.databaseUrl, CHANGES);
    console.log(`\nThe change feed (R47): ${CHANGES} changes seeded (saveMany, ${SEED_BATCH} a statement) in ${seedSeconds.toFixed(1)} s`);

    // --- 2. throughput -------------------------------------------------------------------------
    const readFeed = async (token: string): Promise<Read> => {
      const pages: number[] = [];
      let rows = 0;
      let bytes = 0;
      let after = '0';
      const t0 = performance.now();
      for (;;) {
        const p0 = performance.now();
        const res = await request(url, 'GET', `/v1/changes?after=${after}&limit=${FEED_PAGE}`, token);
        if (res.status !== 200) throw new Error(`GET /v1/changes: ${res.status} ${res.text.slice(0, 300)}`);
        const page = JSON.parse(res.text) as { changes: unknown[]; nextCursor: string };
        pages.push(performance.now() - p0);
        rows += page.changes.length;
        bytes += res.text.length;
        after = page.nextCursor;
        if (page.changes.length < FEED_PAGE) break;
      }
      return { rows, seconds: (performance.now() - t0) / 1000, pages, bytes };
    };
    const readList = async (token: string): Promise<Read> => {
      const pages: number[] = [];
      let rows = 0;
      let bytes = 0;
      let cursor: string | undefined;
      const t0 = performance.now();
      for (;;) {
        const p0 = performance.now();
        const res = await request(url, 'GET', `/v1/work-items?limit=${LIST_PAGE}${cursor ? `&cursor=${cursor}` : ''}`, token);
        if (res.status !== 200) throw new Error(`GET /v1/work-items: ${res.status} ${res.text.slice(0, 300)}`);
        const page = JSON.parse(res.text) as { items: unknown[]; nextCursor?: string };
        pages.push(performance.now() - p0);
        rows += page.items.length;
        bytes += res.text.length;
        cursor = page.nextCursor;
        if (!cursor) break;
      }
      return { rows, seconds: (performance.now() - t0) / 1000, pages, bytes };
    };
    const readers: Record<string, () => Promise<Read>> = {
      'feed, admin': () => readFeed(adminToken),
      'list, admin': () => readList(adminToken),
      'feed, bounded': () => readFeed(boundedToken),
      'list, bounded': () => readList(boundedToken),
    };
    const reads: Record<string, Read[]> = Object.fromEntries(Object.keys(readers).map((k) => [k, []]));
    await readers['feed, admin']!(); // warm-up: the first read sequences the changes
    // A bounded page on tables PostgreSQL has no statistics of yet (as just after a bulk import,
    // before autovacuum's ANALYZE): its estimate can take the query over jit_above_cost.
    const c0 = performance.now();
    await call(url, 'GET', `/v1/changes?after=0&limit=${FEED_PAGE}`, boundedToken);
    const coldBoundedPageMs = performance.now() - c0;
    await analyze(servers.databaseUrl);
    for (let round = 0; round < ROUNDS; round++) {
      const order = Object.keys(readers);
      for (const name of round % 2 ? order.reverse() : order) reads[name]!.push(await readers[name]!());
    }
    const expected = { 'feed, admin': CHANGES, 'list, admin': CHANGES, 'feed, bounded': CHANGES / QUEUES.length, 'list, bounded': CHANGES / QUEUES.length };
    const throughput: Record<string, { rows: number; perSecond: number; seconds: number; pageMs: Spread; bytesPerRow: number; scannedPerSecond?: number }> = {};
    for (const [name, list] of Object.entries(reads)) {
      const rows = list[0]!.rows;
      if (Math.abs(rows - expected[name as keyof typeof expected]) > 0.5) console.log(`  note: ${name} read ${rows} rows, expected ${expected[name as keyof typeof expected]}`);
      const seconds = median(list.map((r) => r.seconds));
      throughput[name] = {
        rows,
        perSecond: rows / seconds,
        seconds,
        pageMs: spread(list.flatMap((r) => r.pages)),
        bytesPerRow: list[0]!.bytes / Math.max(1, rows),
        ...(name === 'feed, bounded' ? { scannedPerSecond: CHANGES / seconds } : {}),
      };
    }
    const t = (name: string) => throughput[name]!;
    const throughputRatios = {
      feedOverList: t('feed, admin').perSecond / t('list, admin').perSecond,
      boundedFeedOverBoundedList: t('feed, bounded').perSecond / t('list, bounded').perSecond,
      /** The reach filter: the time to read the whole feed bounded over unbounded (the same changes scanned). */
      boundedFeedTimeOverAdminFeedTime: t('feed, bounded').seconds / t('feed, admin').seconds,
    };

    console.log(`  throughput, median of ${ROUNDS} rounds (feed pages of ${FEED_PAGE}, list pages of ${LIST_PAGE}):`);
    console.log(`    ${'read'.padEnd(15)}${'rows'.padStart(7)}${'time s'.padStart(9)}${'rows/s'.padStart(10)}${'page p50 ms'.padStart(13)}${'page p95 ms'.padStart(13)}${'bytes/row'.padStart(11)}`);
    for (const [name, f] of Object.entries(throughput)) {
      console.log(`    ${name.padEnd(15)}${String(f.rows).padStart(7)}${f.seconds.toFixed(2).padStart(9)}${f.perSecond.toFixed(0).padStart(10)}${f.pageMs.p50.toFixed(1).padStart(13)}${f.pageMs.p95.toFixed(1).padStart(13)}${f.bytesPerRow.toFixed(0).padStart(11)}`);
    }
    console.log(`    ratio feed/list rows/s: admin ${throughputRatios.feedOverList.toFixed(2)}x, bounded ${throughputRatios.boundedFeedOverBoundedList.toFixed(2)}x`);
    console.log(`    a bounded page before ANALYZE (no statistics yet): ${coldBoundedPageMs.toFixed(0)} ms; the rounds run after it`);
    console.log(`    reach filter: the whole feed bounded (1 queue of ${QUEUES.length}) takes ${throughputRatios.boundedFeedTimeOverAdminFeedTime.toFixed(2)}x the admin's time, scanning ${t('feed, bounded').scannedPerSecond!.toFixed(0)} changes/s`);

    // --- 3. long-poll wake-up --------------------------------------------------------------------
    other = await startOtherInstance(servers, adminToken, payloadKeyText);
    const ticket = (await call(url, 'POST', '/v1/work-items', agentToken, {
      kind: 'ticket', title: 'Payslip for Ann Popescu', description: 'Her March payslip is wrong.', categoryId: CATEGORY, primaryContact: 'ann@acme.example', requester: 'ann@acme.example', submit: true,
    })).ref as string;
    const paths = { 'same instance': url, 'other instance': other.url } as const;
    type PathName = keyof typeof paths;
    const samples: Record<PathName, { fromAnswer: number[]; fromSend: number[]; roundTrip: number[]; missed: number; polls: number }> = {
      'same instance': { fromAnswer: [], fromSend: [], roundTrip: [], missed: 0, polls: 0 },
      'other instance': { fromAnswer: [], fromSend: [], roundTrip: [], missed: 0, polls: 0 },
    };
    const sample = async (path: PathName, i: number): Promise<void> => {
      const readerUrl = paths[path];
      const head = (await call(readerUrl, 'GET', '/v1/changes?after=latest&limit=1', adminToken)).nextCursor as string;
      let delivered = 0;
      const reader = request(readerUrl, 'GET', `/v1/changes?after=${head}&limit=${FEED_PAGE}&wait=PT30S`, adminToken).then((res) => {
        delivered = performance.now();
        return res;
      });
      await sleep(150 + Math.floor(Math.random() * 200)); // the reader is parked by now
      const sent = performance.now();
      const note = await request(url, 'POST', `/v1/work-items/${ticket}/notes`, agentToken, { text: `Wake-up sample ${i} (${path}).` });
      const answered = performance.now();
      if (note.status >= 300) throw new Error(`POST notes: ${note.status} ${note.text.slice(0, 300)}`);
      const res = await reader;
      if (res.status !== 200) throw new Error(`GET /v1/changes (wait): ${res.status} ${res.text.slice(0, 300)}`);
      const changes = (JSON.parse(res.text) as { changes: Array<{ ref: string; change: string }> }).changes;
      const s = samples[path];
      // Woken by something else (or by nothing: the wait ran out): not a sample.
      if (!changes.some((c) => c.ref === ticket && c.change === 'note')) return void s.missed++;
      s.fromAnswer.push(delivered - answered);
      s.fromSend.push(delivered - sent);
      s.roundTrip.push(answered - sent);
      if (delivered - answered > 500) s.polls++; // slower than a notification: the waiter's 1 s re-read found it
    };
    for (let i = 0; i < 3; i++) for (const path of Object.keys(paths) as PathName[]) await sample(path, -1 - i); // warm-up
    for (const s of Object.values(samples)) Object.assign(s, { fromAnswer: [], fromSend: [], roundTrip: [], missed: 0, polls: 0 });
    for (let i = 0; i < SAMPLES; i++) {
      const order = Object.keys(paths) as PathName[];
      for (const path of i % 2 ? order.reverse() : order) await sample(path, i);
    }
    const wakeUp = Object.fromEntries(
      Object.entries(samples).map(([path, s]) => {
        const fromAnswer = spread(s.fromAnswer);
        const fromSend = spread(s.fromSend);
        const roundTrip = spread(s.roundTrip);
        return [path, { fromAnswer, fromSend, roundTrip, missed: s.missed, slowerThan500ms: s.polls, ratios: { fromAnswerOverRoundTrip: { p50: fromAnswer.p50 / roundTrip.p50, p95: fromAnswer.p95 / roundTrip.p95 }, fromSendOverRoundTrip: { p50: fromSend.p50 / roundTrip.p50, p95: fromSend.p95 / roundTrip.p95 } } }];
      }),
    ) as Record<PathName, { fromAnswer: Spread; fromSend: Spread; roundTrip: Spread; missed: number; slowerThan500ms: number; ratios: { fromAnswerOverRoundTrip: { p50: number; p95: number }; fromSendOverRoundTrip: { p50: number; p95: number } } }>;

    console.log(`  long-poll wake-up, ${SAMPLES} samples a path (reader: wait=PT30S; command: POST notes), ms:`);
    console.log(`    ${'path'.padEnd(16)}${'note round trip'.padStart(18)}${'answer->delivery'.padStart(19)}${'send->delivery'.padStart(17)}${'ratio a->d / rt'.padStart(17)}${'ratio s->d / rt'.padStart(17)}`);
    const pair = (x: { p50: number; p95: number }, digits = 1) => `${x.p50.toFixed(digits)} / ${x.p95.toFixed(digits)}`;
    for (const [path, w] of Object.entries(wakeUp)) {
      console.log(`    ${path.padEnd(16)}${pair(w.roundTrip).padStart(18)}${pair(w.fromAnswer).padStart(19)}${pair(w.fromSend).padStart(17)}${pair(w.ratios.fromAnswerOverRoundTrip, 2).padStart(17)}${pair(w.ratios.fromSendOverRoundTrip, 2).padStart(17)}`);
    }
    console.log('    (each cell: median / p95; answer->delivery below 0: the reader had its answer before the note had its own)');
    for (const [path, w] of Object.entries(wakeUp)) {
      if (w.missed || w.slowerThan500ms) console.log(`    ${path}: ${w.missed} samples woken by another change or none, ${w.slowerThan500ms} delivered over 500 ms after the note's answer`);
    }

    recordResult(
      'change-feed',
      {
        seedSeconds,
        coldBoundedPageMs,
        throughput: Object.fromEntries(Object.entries(throughput).map(([k, v]) => [k, v.perSecond])),
        reads: throughput,
        series: Object.fromEntries(Object.entries(wakeUp).flatMap(([path, w]) => [[`${path}: answer->delivery`, w.fromAnswer], [`${path}: send->delivery`, w.fromSend], [`${path}: note round trip`, w.roundTrip]])),
        ratios: {
          ...throughputRatios,
          ...Object.fromEntries(Object.entries(wakeUp).flatMap(([path, w]) => [[`${path}: answer->delivery / round trip`, w.ratios.fromAnswerOverRoundTrip], [`${path}: send->delivery / round trip`, w.ratios.fromSendOverRoundTrip]])),
        },
        wakeUp,
      },
      { FEED_CHANGES: CHANGES, FEED_ROUNDS: ROUNDS, FEED_SAMPLES: SAMPLES, feedPage: FEED_PAGE, listPage: LIST_PAGE, queues: QUEUES.length },
      servers,
    );
  } finally {
    await other?.stop().catch((e) => console.error('stop failed:', e));
    await service?.stop().catch((e) => console.error('stop failed:', e));
    await servers.stop();
  }
}

/** `count` tickets, one stored version (one change) each, over QUEUES in turn; answers the seconds it took. */
async function seed(databaseUrl: string, count: number): Promise<number> {
  const pool = createPool(databaseUrl, 2);
  try {
    const t0 = performance.now();
    const category = await new ConfigTables(pool).categorySnapshot(CATEGORY);
    const refs = await new ReadModelStore(pool).nextRefs('ticket', count);
    const store = new ItemStore(pool);
    const by: Actor = { id: 'feed-agent', kind: 'human', roles: [] };
    const now = new Date();
    for (let first = 0; first < count; first += SEED_BATCH) {
      const batch: Array<{ item: WorkItem; summary: WorkItemSummary }> = [];
      for (let i = first; i < Math.min(count, first + SEED_BATCH); i++) {
        const ref = refs[i]!;
        const item = createWorkItem(
          { ref, kind: 'ticket', createdBy: by, category, queue: QUEUES[i % QUEUES.length]!, submit: true, fields: { title: `Invoice ${ref}`, description: 'Supplier says the invoice was never paid.', primaryContact: 'ann@acme.example', requester: 'ann@acme.example' } },
          now,
        );
        batch.push({ item, summary: toSummary(item, now) });
      }
      await store.saveMany(batch);
    }
    return (performance.now() - t0) / 1000;
  } finally {
    await pool.end();
  }
}

/** ANALYZE: the statistics autovacuum would gather soon after a bulk write, so that every round meets the same plans. */
async function analyze(databaseUrl: string): Promise<void> {
  const pool = createPool(databaseUrl, 1);
  try {
    await pool.query('ANALYZE');
  } finally {
    await pool.end();
  }
}

/** A second instance of the service, `scripts/serve.ts` in a child process, on the same servers: ready once /readyz answers 200. */
async function startOtherInstance(servers: BenchServers, adminToken: string, payloadKeys: string): Promise<{ url: string; stop(): Promise<void> }> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let log = '';
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'scripts/serve.ts'], {
    cwd: repoRoot,
    env: {
      ...process.env,
      TEMPORAL_ADDRESS: servers.temporalAddress,
      DATABASE_URL: servers.databaseUrl,
      ADMIN_TOKEN: adminToken,
      PAYLOAD_KEYS: payloadKeys,
      PORT: String(port),
      HOST: '127.0.0.1',
      TASK_QUEUE: `feed-other-${randomUUID()}`,
      LOG_LEVEL: 'warn',
      STOP_UNREADY_MS: '0',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (c: Buffer) => (log = (log + c.toString()).slice(-4000)));
  child.stderr!.on('data', (c: Buffer) => (log = (log + c.toString()).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    await exited;
    clearTimeout(timer);
  };
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`the second instance exited (${child.exitCode ?? child.signalCode}) before it was ready:\n${log}`);
    const res = await request(url, 'GET', '/readyz', adminToken).catch(() => undefined);
    if (res?.status === 200) return { url, stop };
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`the second instance was not ready within 120 s:\n${log}`);
    }
    await sleep(200);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  await runChangeFeed();
}
