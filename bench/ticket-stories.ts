// Benchmark: N full ticket stories driven through the HTTP API (create, submit, pick up by a
// note, wait, inbound email ends the wait, note, resolve, closed), then as many reads of the
// stories' items (GET /v1/work-items/:ref, served from PostgreSQL), beside a baseline of the same
// number of bare Temporal Update round trips on a no-op workflow, in the same process. The
// requests go through the typed client (clients/typescript) over node:http (bench/http-client.ts).
//
//   npm run bench                 # 40 stories, 4 at a time
//   STORIES=200 CONCURRENCY=8 npm run bench
//
// Uses TEMPORAL_ADDRESS / DATABASE_URL when set; otherwise starts a dev server and a private
// PostgreSQL, as the tests do. With API_URL and ADMIN_TOKEN it drives a running service instead
// (`npm start`: dev server + PGlite), with the baseline on TEMPORAL_ADDRESS (127.0.0.1:7233).
//   API_URL=http://127.0.0.1:3000 ADMIN_TOKEN=$(cat .data/admin-token) npm run bench

import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { bareUpdates } from './bare-updates.js';
import { temporalStories } from './temporal-stories.js';
import { openBenchTarget } from './bench-target.js';
import { cpuPerRequest, cpuSnapshot } from './process-cpu.js';
import { pool, summarise, type Summary } from './stats.js';
import { cpuFigures, ratioOf, recordResult } from './results.js';
import { ok } from '../clients/typescript/src/index.js';

const STORIES = Number(process.env.STORIES ?? 40);
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 4);

async function main(): Promise<void> {
  const target = await openBenchTarget();
  try {
    const { service, temporalAddress, adminToken } = target;
    const admin = target.client(adminToken);

    // Configuration, and the people in the stories.
    await ok(admin.PUT('/v1/categories/{id}', { params: { path: { id: 'bench' } }, body: { name: 'Bench', requireResolutionCommunication: true } }));
    await ok(admin.PUT('/v1/calendars/{id}', {
      params: { path: { id: 'office' } },
      body: { timezone: 'Europe/Bucharest', workingHours: { mon: ['09:00', '17:00'], tue: ['09:00', '17:00'], wed: ['09:00', '17:00'], thu: ['09:00', '17:00'], fri: ['09:00', '17:00'] }, holidays: ['2026-12-25', '2027-01-01'] },
    }));
    await ok(admin.PUT('/v1/categories/{id}', {
      params: { path: { id: 'bench-sla' } },
      body: { name: 'Bench with SLA', requireResolutionCommunication: true, sla: { target: 'PT40H', calendarId: 'office', addWaitingTime: true, stopOn: ['more_info'] } },
    }));
    const run = randomUUID().slice(0, 8); // a running service keeps the resources of earlier runs
    const agent = target.client((await ok(admin.POST('/v1/resources', { body: { id: `agent-${run}`, name: 'Agent', kind: 'human' } }))).token);
    const intake = target.client((await ok(admin.POST('/v1/resources', { body: { id: `intake-${run}`, name: 'Intake', kind: 'integration' } }))).token);

    const commandLatencies: number[] = [];
    // By kind of request: the commands (one Update each), creation (a start) and inbound email.
    const byKind: Record<'command' | 'create' | 'email', number[]> = { command: [], create: [], email: [] };
    const timed = async <T>(kind: keyof typeof byKind, send: () => Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> => {
      const t0 = performance.now();
      const result = await ok(send());
      const ms = performance.now() - t0;
      commandLatencies.push(ms);
      byKind[kind].push(ms);
      return result;
    };
    const item = (ref: string) => ({ params: { path: { ref } } });
    let lastRef = '';
    const refs: string[] = [];
    const story = async (i: number, categoryId = 'bench'): Promise<void> => {
      const created = await timed('create', () =>
        agent.POST('/v1/work-items', { body: { kind: 'ticket', title: `Invoice ${i}`, description: 'Unpaid invoice', categoryId, primaryContact: 'c@x.example', requester: 'c@x.example' } }),
      );
      const ref = created.ref;
      await timed('command', () => agent.POST('/v1/work-items/{ref}/submit', { ...item(ref), body: {} }));
      await timed('command', () => agent.POST('/v1/work-items/{ref}/notes', { ...item(ref), body: { text: 'Looking' } }));
      await timed('command', () => agent.POST('/v1/work-items/{ref}/wait', { ...item(ref), body: { type: 'more_info' } }));
      const email = await timed('email', () =>
        intake.POST('/v1/inbound-emails', { body: { messageId: `<bench-${i}-${randomUUID()}@x.example>`, from: 'c@x.example', to: ['desk@example.com'], subject: `Re: [${ref}]`, body: 'Details' } }),
      );
      if (email.outcome !== 'ended_wait') throw new Error(`story ${i}: email outcome ${email.outcome}`);
      await timed('command', () => agent.POST('/v1/work-items/{ref}/notes', { ...item(ref), body: { text: 'Paid' } }));
      const resolved = await timed('command', () => agent.POST('/v1/work-items/{ref}/resolve', { ...item(ref), body: { method: 'customer_communication' } }));
      if (resolved.state !== 'closed') throw new Error(`story ${i}: ended ${resolved.state}`);
      lastRef = ref;
      refs.push(ref);
    };

    // Warm up (bundle caches, connections), then measure.
    await story(-1);
    commandLatencies.length = 0;
    for (const list of Object.values(byKind)) list.length = 0;
    const temporalPort = temporalAddress.split(':').at(-1) ?? '';
    const cpu0 = cpuSnapshot(temporalPort);

    const t0 = performance.now();
    await pool(STORIES, CONCURRENCY, story);
    const storySeconds = (performance.now() - t0) / 1000;
    const stories = summarise(commandLatencies);
    const storiesCpu = cpuPerRequest(cpu0, cpuSnapshot(temporalPort), stories.count);

    // Reads: as many GETs of the stories' items as the stories sent requests, at the same concurrency.
    const readLatencies: number[] = [];
    await pool(stories.count, CONCURRENCY, async (i) => {
      const t = performance.now();
      await ok(agent.GET('/v1/work-items/{ref}', item(refs[i % refs.length])));
      readLatencies.push(performance.now() - t);
    });
    const reads = summarise(readLatencies);

    const history = await ok(agent.GET('/v1/work-items/{ref}/history', item(lastRef)));
    // The same story in a category with a working-time SLA that stops while waiting.
    await story(-2, 'bench-sla');
    const slaHistory = await ok(agent.GET('/v1/work-items/{ref}/history', item(lastRef)));
    const slaEvents = await eventCounts(service.client, lastRef);
    const storyEvents = await eventList(service.client, refs[0]);

    // Baseline: the same number of bare Update round trips, same concurrency.
    const baseline = await bareUpdates(temporalAddress, stories.count, CONCURRENCY);
    // The floor: the same stories' Temporal work alone (the history's shape, no API, no rules).
    const floor = await temporalStories(temporalAddress, STORIES, CONCURRENCY);
    // And under it, a workflow's lifecycle alone: start, six bare Updates, completion.
    const lifecycle = await temporalStories(temporalAddress, STORIES, CONCURRENCY, true);

    const row = (name: string, s: Summary, perSecond: string) =>
      `${name.padEnd(34)} n=${String(s.count).padStart(5)}  p50=${s.p50.toFixed(1).padStart(7)} ms  p99=${s.p99.toFixed(1).padStart(7)} ms  ${perSecond}`;
    console.log(`\nTicket stories: ${STORIES} stories, ${CONCURRENCY} at a time, ${stories.count / STORIES} requests each`);
    console.log(row('API commands (full stories)', stories, `${(STORIES / storySeconds).toFixed(2)} stories/s`));
    console.log(row('GET /v1/work-items/:ref (reads)', reads, ''));
    console.log(row('bare Temporal Updates (baseline)', baseline.summary, `${(baseline.summary.count / baseline.seconds).toFixed(1)} updates/s`));
    console.log(row("the stories' Temporal work alone", floor.summary, `${(STORIES / floor.seconds).toFixed(2)} stories/s`));
    console.log(row('a bare lifecycle of as many requests', lifecycle.summary, `${(STORIES / lifecycle.seconds).toFixed(2)} stories/s`));
    console.log(`  stories: ${storiesCpu}\n  bare Updates: ${baseline.cpu}\n  Temporal work alone: ${floor.cpu}\n  bare lifecycle: ${lifecycle.cpu}`);
    const ratio = (name: string, s: Summary, after = '') =>
      console.log(`ratio p50 ${name} / bare update: ${(s.p50 / baseline.summary.p50).toFixed(2)}x   p99: ${(s.p99 / baseline.summary.p99).toFixed(2)}x${after}`);
    ratio('request', stories);
    ratio('GET of an item', reads);
    ratio('Temporal work alone', floor.summary, " (the floor under the API's ratio)");
    ratio('bare lifecycle', lifecycle.summary);
    for (const [kind, latencies] of Object.entries(byKind)) {
      const s = summarise(latencies);
      console.log(`  ${row(kind, s, `ratio p50 ${(s.p50 / baseline.summary.p50).toFixed(2)}x  p99 ${(s.p99 / baseline.summary.p99).toFixed(2)}x`)}`);
    }
    console.log(`history of one full ticket story: ${history.eventCount} events, ${history.sizeBytes} bytes`);
    for (const line of storyEvents) console.log(`  ${line}`);
    console.log(
      `the same story with a working-time SLA (${lastRef}): ${slaHistory.eventCount} events (+${slaHistory.eventCount - history.eventCount}: ` +
        `${slaEvents.TIMER_STARTED ?? 0} timers started, ${slaEvents.TIMER_CANCELED ?? 0} cancelled, ${slaEvents.UPSERT_WORKFLOW_SEARCH_ATTRIBUTES ?? 0} search-attribute upserts)`,
    );
    const kinds = Object.entries(byKind).map(([kind, latencies]) => [kind, summarise(latencies)] as const);
    recordResult('ticket-stories', {
      series: {
        'API commands (full stories)': stories,
        'GET /v1/work-items/:ref (reads)': reads,
        'bare Temporal Updates (baseline)': baseline.summary,
        "the stories' Temporal work alone": floor.summary,
        'a bare lifecycle': lifecycle.summary,
        ...Object.fromEntries(kinds.map(([kind, s]) => [`by kind: ${kind}`, s])),
      },
      ratios: {
        'API request / bare Update': ratioOf(stories, baseline.summary),
        'API request / Temporal work alone (floor)': ratioOf(stories, floor.summary),
        'Temporal work alone (floor) / bare Update': ratioOf(floor.summary, baseline.summary),
        'GET of an item / bare Update': ratioOf(reads, baseline.summary),
        'bare lifecycle / bare Update': ratioOf(lifecycle.summary, baseline.summary),
        ...Object.fromEntries(kinds.map(([kind, s]) => [`${kind} / bare Update`, ratioOf(s, baseline.summary)])),
      },
      throughput: {
        'stories/s': STORIES / storySeconds,
        'bare updates/s': baseline.summary.count / baseline.seconds,
        'Temporal work alone, stories/s': STORIES / floor.seconds,
        'bare lifecycle, stories/s': STORIES / lifecycle.seconds,
      },
      requestsPerStory: stories.count / STORIES,
      cpuPerRequest: { stories: cpuFigures(storiesCpu), bareUpdates: cpuFigures(baseline.cpu), temporalWorkAlone: cpuFigures(floor.cpu), bareLifecycle: cpuFigures(lifecycle.cpu) },
      history: {
        story: { events: history.eventCount, bytes: history.sizeBytes },
        storyWithSla: { events: slaHistory.eventCount, bytes: slaHistory.sizeBytes, timersStarted: slaEvents.TIMER_STARTED ?? 0, timersCancelled: slaEvents.TIMER_CANCELED ?? 0, searchAttributeUpserts: slaEvents.UPSERT_WORKFLOW_SEARCH_ATTRIBUTES ?? 0 },
      },
    }, { STORIES, CONCURRENCY, API_URL: process.env.API_URL });
  } finally {
    await target.stop();
  }
}

/** How many events of each type one item's history holds. */
async function eventCounts(client: import('@temporalio/client').Client, ref: string): Promise<Record<string, number>> {
  const { default: proto } = await import('@temporalio/proto');
  const names = proto.temporal.api.enums.v1.EventType;
  const counts: Record<string, number> = {};
  for (const e of (await client.workflow.getHandle(ref).fetchHistory()).events ?? []) {
    const name = names[e.eventType ?? 0].replace(/^EVENT_TYPE_/, '');
    counts[name] = (counts[name] ?? 0) + 1;
  }
  return counts;
}

/** One line per event of an item's history: its number, its type, and what it names. */
async function eventList(client: import('@temporalio/client').Client, ref: string): Promise<string[]> {
  const { default: proto } = await import('@temporalio/proto');
  const names = proto.temporal.api.enums.v1.EventType;
  return ((await client.workflow.getHandle(ref).fetchHistory()).events ?? []).map((e) => {
    const name = names[e.eventType ?? 0].replace(/^EVENT_TYPE_/, '');
    const what =
      e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.name ??
      e.activityTaskScheduledEventAttributes?.activityType?.name ??
      Object.keys(e.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields ?? {}).join(',') ??
      '';
    return `${String(e.eventId).padStart(3)} ${name}${what ? ` ${what}` : ''}`;
  });
}

export const runTicketStories = main;

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main().catch((error) => {
  console.error(error);
  process.exit(1);
});
