// `npm run bench:sla-simulation`: the SLA simulation (R45) over 1,000 and 10,000 items, and what it
// holds in memory while it runs.
//   1. A fresh database (on DATABASE_URL's server when set, else on a private PostgreSQL), migrated,
//      with two categories (resolution P3D, first_response PT8H, next_response PT4H): SIM_SMALL
//      (1,000) items in one, SIM_LARGE (10,000) in the other, created over twelve weeks. Each item's
//      story runs in this process through the domain's pure rules (createWorkItem, applyCommand,
//      receiveEmail, the deadlines as the workflow's timer fires them): pick-up, replies, inbound
//      emails, more_info waits, resolution or not (about 25 timeline entries an item, the marks among them). Items are written
//      with ItemStore.saveMany and their entries with one INSERT per batch.
//   2. For each size, a fresh child process (so that one run's heap is not the next one's) replays
//      the category under a stricter rule (resolution P2D, first_response PT4H) as the CLI does
//      (`simulate()` streamed, only the totals and per-week counts kept: scripts/sla-simulate.ts's
//      Tallies), sampling process.memoryUsage() every 20 ms: items/s, peak RSS, peak heap growth
//      over the heap at the start (after a GC), and the heap still held at the end (after a GC).
//   3. Streamed again with a GC every 250 items: the heap it really holds (live) as it goes, which the
//      peak of step 2 hides under garbage V8 has not collected yet.
//   4. The HTTP route's answer, `simulationJson()`: the JSON text part by part as the route writes
//      it to the client (here counted and dropped), with a GC every 250 items as in step 3.
// SIM_NODE_FLAGS adds node flags to the measuring children (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`).
// Prints the figures and the ratios 10,000 / 1,000 (about 1 when memory is flat) and writes
// bench/results/sla-simulation-<time>.json.

import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { simulate, simulationJson } from '../api/sla-simulator.js';
import { ConfigStore } from '../api/config-store.js';
import { Tallies, readOnly } from '../scripts/sla-simulate.js';
import { migrate } from '../store/db/migrate.js';
import { createPool } from '../store/db/pool.js';
import { ConfigTables, type StoredCategory } from '../store/config-store.js';
import { ItemStore } from '../store/item-store.js';
import { freshDatabase } from '../test/support/db.js';
import { startPostgres } from '../test/support/postgres-server.js';
import { Refusal } from '../workflows/domain/item/refusal.js';
import type { Actor, CategorySnapshot, TimelineEntry, WorkItem, WorkItemSummary } from '../workflows/domain/item/types.js';
import { toSummary } from '../workflows/domain/item/view.js';
import { applyCommand, createWorkItem, nextDeadline, onDeadline, receiveEmail } from '../workflows/domain/rules/transitions.js';
import type { ClockRules } from '../workflows/domain/sla/simulation.js';
import { recordResult } from './results.js';

const SMALL = Number(process.env.SIM_SMALL ?? 1_000);
const LARGE = Number(process.env.SIM_LARGE ?? 10_000);
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const WEEKS = 12;
/** The end of the seeded period: the figures are taken here. */
const END = new Date('2026-06-01T00:00:00Z');
const START = new Date(END.getTime() - WEEKS * 7 * DAY);
const CATEGORY: StoredCategory = { name: 'Simulated', feedbackWindow: 'P3D', sla: { target: 'P3D' }, slas: { first_response: { target: 'PT8H' }, next_response: { target: 'PT4H' } } };
const PROPOSED = { resolution: { target: 'P2D' }, first_response: { target: 'PT4H' } } as const;
const QUEUES = ['billing', 'desk', 'claims'];
const agent: Actor = { id: 'agent', kind: 'human', roles: [] };
const thisFile = fileURLToPath(import.meta.url);

type Mode = 'stream' | 'live' | 'route';
/** A GC every this many items in `live` mode, the heap measured after each. */
const LIVE_EVERY = 250;

interface Measured {
  mode: Mode;
  items: number;
  rows: number;
  seconds: number;
  itemsPerSecond: number;
  rssStartBytes: number;
  peakRssBytes: number;
  peakHeapGrowthBytes: number;
  heapHeldAtEndBytes: number;
  /** `live` mode: the most the heap held after a GC (every LIVE_EVERY items), over the start. */
  peakLiveHeapGrowthBytes?: number;
  breached: { now: number; proposed: number };
}

// --- the child: one replay, measured ------------------------------------------------------------

async function measure(databaseUrl: string, categoryId: string, mode: Mode): Promise<Measured> {
  const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);
  const pool = createPool(readOnly(databaseUrl), 2);
  try {
    const config = new ConfigStore(pool);
    const rule: ClockRules = {};
    for (const [clock, stored] of Object.entries(PROPOSED)) rule[clock as keyof ClockRules] = await config.slaRule(stored, clock);
    const deps = { items: new ItemStore(pool), category: (id: string) => config.categorySnapshot(id).catch(() => undefined) };
    const scope = { categoryId, from: START, to: END, rule };
    await pool.query('SELECT 1'); // connected before the baseline
    gc();
    const start = process.memoryUsage();
    let peakRss = start.rss;
    let peakHeap = start.heapUsed;
    const sample = () => {
      const m = process.memoryUsage();
      peakRss = Math.max(peakRss, m.rss);
      peakHeap = Math.max(peakHeap, m.heapUsed);
    };
    const sampler = setInterval(sample, 20);
    const t0 = performance.now();
    let items = 0;
    let rows = 0;
    let held: unknown;
    let peakLive = 0;
    const breached = { now: 0, proposed: 0 };
    if (mode !== 'route') {
      const tallies = new Tallies();
      for await (const itemRows of simulate(deps, scope, END)) {
        items++;
        rows += itemRows.length;
        for (const row of itemRows) tallies.add(row);
        if (mode === 'live' && items % LIVE_EVERY === 0) {
          gc();
          peakLive = Math.max(peakLive, process.memoryUsage().heapUsed - start.heapUsed);
        }
      }
      for (const t of Object.values(tallies.totals.byClock)) (breached.now += t.breachedNow), (breached.proposed += t.breachedProposed);
      held = tallies;
    } else {
      let last = '';
      for await (const part of simulationJson(deps, scope, END)) {
        if (last) {
          items++;
          rows += (last.match(/"clock":/g) ?? []).length;
          if (items % LIVE_EVERY === 0) {
            gc();
            peakLive = Math.max(peakLive, process.memoryUsage().heapUsed - start.heapUsed);
          }
        }
        last = part.startsWith('{"items":[') ? '' : part;
      }
      const totals = JSON.parse(last.slice('],"totals":'.length, -1)) as { byClock: Record<string, { breachedNow: number; breachedProposed: number }> };
      for (const t of Object.values(totals.byClock)) (breached.now += t.breachedNow), (breached.proposed += t.breachedProposed);
      held = totals;
    }
    const seconds = (performance.now() - t0) / 1000;
    clearInterval(sampler);
    sample();
    gc();
    const heapHeldAtEnd = process.memoryUsage().heapUsed - start.heapUsed;
    void held; // what the run holds at its end (the totals) is alive until here
    return {
      mode,
      items,
      rows,
      seconds,
      itemsPerSecond: items / seconds,
      rssStartBytes: start.rss,
      peakRssBytes: peakRss,
      peakHeapGrowthBytes: peakHeap - start.heapUsed,
      heapHeldAtEndBytes: Math.max(0, heapHeldAtEnd),
      ...(mode !== 'stream' ? { peakLiveHeapGrowthBytes: Math.max(peakLive, heapHeldAtEnd, 0) } : {}),
      breached,
    };
  } finally {
    await pool.end();
  }
}

// --- the parent: seed, then a child per run -----------------------------------------------------

/** A small deterministic generator (mulberry32), so every run seeds the same stories. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One ticket's story through the pure rules, its deadlines fired as the workflow's timer fires them, up to END. */
export function storyOf(ref: string, category: CategorySnapshot, queue: string, createdAt: Date, rnd: () => number): WorkItem {
  let t = createdAt.getTime();
  let item = createWorkItem(
    { ref, kind: 'ticket', createdBy: agent, category, queue, submit: true, createdAt: createdAt.toISOString(), fields: { title: `Invoice ${ref}`, description: 'Supplier says the invoice was never paid.', primaryContact: 'ann@acme.example', requester: 'ann@acme.example' } },
    createdAt,
  );
  const fire = (until: number) => {
    for (let d = nextDeadline(item); d !== undefined && d <= until; d = nextDeadline(item)) item = onDeadline(item, new Date(d));
  };
  let emails = 0;
  /** Moves the clock on by up to `maxHours`, then takes the step (a refused step is skipped); false once past END. */
  const step = (maxHours: number, change: (at: Date) => WorkItem): boolean => {
    t += Math.floor(rnd() * maxHours * HOUR) + 60_000;
    if (t >= END.getTime()) return false;
    fire(t);
    try {
      item = change(new Date(t));
    } catch (error) {
      if (!(error instanceof Refusal)) throw error;
    }
    return true;
  };
  const reply = (at: Date) => applyCommand(item, agent, { type: 'sendEmail', to: ['ann@acme.example'], subject: `Re: invoice ${ref}`, body: 'We are on it.' }, at);
  const inbound = (at: Date) =>
    receiveEmail(item, { messageId: `<${ref}-${++emails}@acme.example>`, from: 'ann@acme.example', to: ['desk@example.com'], subject: `Re: [${ref}] invoice`, body: 'Any news?', receivedAt: at.toISOString() }, at).item;
  story: {
    if (!step(12, (at) => applyCommand(item, agent, { type: 'pickUp' }, at))) break story;
    if (rnd() < 0.8 && !step(12, reply)) break story;
    for (let k = Math.floor(rnd() * 4); k > 0; k--) {
      if (!step(24, inbound)) break story;
      if (rnd() < 0.85 && !step(8, reply)) break story;
    }
    if (rnd() < 0.3) {
      if (!step(4, (at) => applyCommand(item, agent, { type: 'wait', wait: { type: 'more_info', days: 3 } }, at))) break story;
      if (!step(60, inbound)) break story;
    }
    if (rnd() < 0.8) step(48, (at) => applyCommand(item, agent, { type: 'resolve', method: 'customer_communication' }, at));
  }
  fire(END.getTime());
  return item;
}

async function seed(databaseUrl: string): Promise<Record<string, number>> {
  const pool = createPool(databaseUrl, 2);
  try {
    await migrate(pool);
    const tables = new ConfigTables(pool);
    const store = new ItemStore(pool);
    const sizes: Record<string, number> = { 'sim-small': SMALL, 'sim-large': LARGE };
    let n = 0;
    const rnd = random(45);
    for (const [id, count] of Object.entries(sizes)) {
      await tables.putCategory(id, CATEGORY);
      const category = await tables.categorySnapshot(id);
      for (let first = 0; first < count; first += 500) {
        const batch: Array<{ item: WorkItem; summary: WorkItemSummary }> = [];
        const entries: TimelineEntry[][] = [];
        for (let i = first; i < Math.min(count, first + 500); i++) {
          const ref = `T-${String(++n).padStart(6, '0')}`;
          const createdAt = new Date(START.getTime() + Math.floor(rnd() * (END.getTime() - START.getTime() - DAY)));
          const item = storyOf(ref, category, QUEUES[i % QUEUES.length]!, createdAt, rnd);
          entries.push(item.timeline);
          const stored: WorkItem = { ...item, timeline: [], outbox: [], resolutionTags: [], deliveryUpdates: [] };
          batch.push({ item: stored, summary: toSummary(item, END) });
        }
        await store.saveMany(batch);
        const refs = entries.flatMap((es, i) => es.map(() => batch[i]!.item.ref));
        const all = entries.flat();
        await pool.query('INSERT INTO timeline_entries (ref, seq, entry) SELECT * FROM unnest($1::text[], $2::int[], $3::jsonb[])', [refs, all.map((e) => e.seq), all.map((e) => JSON.stringify(e))]);
      }
    }
    const { rows } = await pool.query<{ items: number; entries: number }>('SELECT (SELECT count(*)::int FROM work_items) AS items, (SELECT count(*)::int FROM timeline_entries) AS entries');
    return { items: rows[0]!.items, timelineEntries: rows[0]!.entries };
  } finally {
    await pool.end();
  }
}

const run = promisify(execFile);
async function child(databaseUrl: string, categoryId: string, mode: Mode): Promise<Measured> {
  const { stdout } = await run(process.execPath, ['--expose-gc', ...(process.env.SIM_NODE_FLAGS?.split(' ').filter(Boolean) ?? []), '--import', 'tsx', thisFile, '--measure', databaseUrl, categoryId, mode], { maxBuffer: 1 << 20 });
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as Measured;
}

const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);

export async function runSlaSimulation(): Promise<void> {
  const server = process.env.DATABASE_URL ? undefined : await startPostgres();
  const db = await freshDatabase(process.env.DATABASE_URL ?? server!.url);
  try {
    const t0 = performance.now();
    const seeded = await seed(db.url);
    console.log(`\nSLA simulation (R45): seeded ${seeded.items} items, ${seeded.timelineEntries} timeline entries in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const runs: Record<string, Measured> = {};
    for (const mode of ['stream', 'live', 'route'] as const) {
      for (const [size, categoryId] of [[SMALL, 'sim-small'], [LARGE, 'sim-large']] as const) {
        const m = await child(db.url, categoryId, mode);
        runs[`${mode} ${size}`] = m;
        const name = { stream: 'CLI (simulate, streamed)', live: 'CLI, a GC every 250 items', route: 'API route (streamed JSON)' }[mode];
        console.log(
          `  ${name.padEnd(26)} ${String(m.items).padStart(6)} items: ${m.itemsPerSecond.toFixed(0)} items/s (${m.seconds.toFixed(1)} s); ` +
            (mode === 'live'
              ? `peak live heap growth ${mb(m.peakLiveHeapGrowthBytes!)} MB, held at the end ${mb(m.heapHeldAtEndBytes)} MB`
              : `peak RSS ${mb(m.peakRssBytes)} MB (start ${mb(m.rssStartBytes)}), peak heap growth ${mb(m.peakHeapGrowthBytes)} MB, ` +
                `${mode === 'route' ? `peak live heap growth ${mb(m.peakLiveHeapGrowthBytes!)} MB, ` : ''}heap held at the end ${mb(m.heapHeldAtEndBytes)} MB; ` +
                `breaches now ${m.breached.now}, proposed ${m.breached.proposed}`),
        );
      }
    }
    const ratio = (mode: string, key: keyof Measured) => (runs[`${mode} ${LARGE}`]![key] as number) / (runs[`${mode} ${SMALL}`]![key] as number);
    const ratios = {
      'streamed peak RSS 10k/1k': ratio('stream', 'peakRssBytes'),
      'streamed peak heap growth 10k/1k': ratio('stream', 'peakHeapGrowthBytes'),
      'streamed items/s 10k/1k': ratio('stream', 'itemsPerSecond'),
      'streamed peak live heap 10k/1k': ratio('live', 'peakLiveHeapGrowthBytes'),
      'route peak RSS 10k/1k': ratio('route', 'peakRssBytes'),
      'route peak live heap 10k/1k': ratio('route', 'peakLiveHeapGrowthBytes'),
      'route heap held 10k/1k': ratio('route', 'heapHeldAtEndBytes'),
    };
    for (const [name, value] of Object.entries(ratios)) console.log(`  ${name}: ${value.toFixed(2)}x`);
    const throughput = Object.fromEntries(Object.entries(runs).filter(([name]) => !name.startsWith('live')).map(([name, m]) => [`${name} items/s`, m.itemsPerSecond]));
    recordResult('sla-simulation', { seeded, runs, ratios, throughput }, { SIM_SMALL: SMALL, SIM_LARGE: LARGE, weeks: WEEKS, proposed: PROPOSED });
  } finally {
    await db.drop();
    await server?.stop();
  }
}

if (process.argv[2] === '--measure') {
  const [databaseUrl, categoryId, mode] = process.argv.slice(3) as [string, string, Mode];
  console.log(JSON.stringify(await measure(databaseUrl, categoryId, mode)));
} else if (process.argv[1] === thisFile) {
  await runSlaSimulation();
}
