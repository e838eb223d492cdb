// Benchmark: N cases of a three-stage process (3 actions per stage) driven through the HTTP API:
// the case is created and picked up; at each stage, each action is picked up and completed by
// a human as soon as the case shows it; when the flow completes, the owner resolves the case.
// Beside it, the same number of bare Temporal Update round trips as there were action commands,
// at the same concurrency, in the same process.
//
//   npm run bench                          # (with the ticket stories) 20 cases, 4 at a time
//   CASES=40 CONCURRENCY=8 npx tsx bench/case-stories.ts
//
// TEMPORAL_ADDRESS / DATABASE_URL / API_URL / ADMIN_TOKEN as for the ticket stories.

import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { bareUpdates } from './bare-updates.js';
import { openBenchTarget } from './bench-target.js';
import { cpuPerRequest, cpuSnapshot } from './process-cpu.js';
import { pool, summarise, type Summary } from './stats.js';
import { cpuFigures, ratioOf, recordResult } from './results.js';

const CASES = Number(process.env.CASES ?? 20);
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 4);
const STAGES = 3;
const ACTIONS_PER_STAGE = 3;

async function main(): Promise<void> {
  const target = await openBenchTarget();
  try {
    const { temporalAddress, adminToken, call } = target;
    const run = randomUUID().slice(0, 8);
    const processId = `bench-cases-${run}`;
    await call('PUT', `/v1/processes/${processId}`, adminToken, {
      name: 'Bench onboarding',
      stages: Array.from({ length: STAGES }, (_, s) => ({
        name: `Stage ${s + 1}`,
        actions: Array.from({ length: ACTIONS_PER_STAGE }, (_, a) => ({ type: 'task', name: `Task ${s + 1}.${a + 1}` })),
      })),
    });
    const owner = (await call('POST', '/v1/resources', adminToken, { id: `owner-${run}`, name: 'Owner', kind: 'human' })).token as string;
    const worker = (await call('POST', '/v1/resources', adminToken, { id: `worker-${run}`, name: 'Worker', kind: 'human' })).token as string;

    const actionCommands: number[] = [];
    const caseCommands: number[] = [];
    const timed = async (into: number[], method: string, path: string, token: string, body?: unknown): Promise<any> => {
      const t0 = performance.now();
      const result = await call(method, path, token, body);
      into.push(performance.now() - t0);
      return result;
    };
    /** The case's view once `check` holds: the case launches its actions after the command that asked. */
    const caseWhen = async (ref: string, check: (v: any) => boolean): Promise<any> => {
      for (let i = 0; i < 2000; i++) {
        const v = await call('GET', `/v1/work-items/${ref}`, owner);
        if (check(v)) return v;
        await sleep(10);
      }
      throw new Error(`${ref}: timed out`);
    };

    let lastRef = '';
    const story = async (): Promise<void> => {
      const created = await timed(caseCommands, 'POST', '/v1/work-items', owner, { kind: 'case', processId, shortDescription: 'Bench case', submit: true });
      const ref = created.ref as string;
      await timed(caseCommands, 'POST', `/v1/work-items/${ref}/pick-up`, owner);
      for (let stage = 0; stage < STAGES; stage++) {
        const v = await caseWhen(ref, (x) => x.actions?.length === (stage + 1) * ACTIONS_PER_STAGE);
        await Promise.all(
          v.actions.slice(stage * ACTIONS_PER_STAGE).map(async (a: { ref: string }) => {
            await timed(actionCommands, 'POST', `/v1/work-items/${a.ref}/pick-up`, worker);
            await timed(actionCommands, 'POST', `/v1/work-items/${a.ref}/resolve`, worker, { method: 'complete' });
          }),
        );
      }
      await caseWhen(ref, (x) => x.flowComplete === true);
      const resolved = await timed(caseCommands, 'POST', `/v1/work-items/${ref}/resolve`, owner, { method: 'complete' });
      if (resolved.state !== 'closed') throw new Error(`${ref} ended ${resolved.state}`);
      lastRef = ref;
    };

    await story(); // warm up
    actionCommands.length = 0;
    caseCommands.length = 0;
    const temporalPort = temporalAddress.split(':').at(-1) ?? '';
    const cpu0 = cpuSnapshot(temporalPort);
    const t0 = performance.now();
    await pool(CASES, CONCURRENCY, () => story());
    const seconds = (performance.now() - t0) / 1000;
    const actions = summarise(actionCommands);
    const cpu = cpuPerRequest(cpu0, cpuSnapshot(temporalPort), actions.count + caseCommands.length);

    const kase = await call('GET', `/v1/work-items/${lastRef}`, owner);
    const histories = await Promise.all([lastRef, ...kase.childRefs].map((ref: string) => call('GET', `/v1/work-items/${ref}/history`, owner)));
    const baseline = await bareUpdates(temporalAddress, actions.count, CONCURRENCY);

    const row = (name: string, s: Summary, extra: string) =>
      `${name.padEnd(34)} n=${String(s.count).padStart(5)}  p50=${s.p50.toFixed(1).padStart(7)} ms  p99=${s.p99.toFixed(1).padStart(7)} ms  ${extra}`;
    console.log(`\nCase stories: ${CASES} cases of ${STAGES} stages x ${ACTIONS_PER_STAGE} actions, ${CONCURRENCY} at a time`);
    console.log(row('action commands (pick up, resolve)', actions, `${(CASES / seconds).toFixed(2)} cases/s`));
    console.log(row('case commands (create, pick up, resolve)', summarise(caseCommands), ''));
    console.log(row('bare Temporal Updates (baseline)', baseline.summary, `${(baseline.summary.count / baseline.seconds).toFixed(1)} updates/s`));
    console.log(`  CPU per request, cases: ${cpu}\n  CPU per request, bare Updates: ${baseline.cpu}`);
    console.log(`ratio action command / bare update: p50 ${(actions.p50 / baseline.summary.p50).toFixed(2)}x   p99 ${(actions.p99 / baseline.summary.p99).toFixed(2)}x`);
    const [caseHistory, ...actionHistories] = histories;
    const events = actionHistories.map((h) => h.eventCount as number);
    const bytes = actionHistories.map((h) => h.sizeBytes as number);
    console.log(
      `history of one case (${lastRef}): ${caseHistory.eventCount} events, ${caseHistory.sizeBytes} bytes; ` +
        `of each of its ${actionHistories.length} actions: ${Math.min(...events)}-${Math.max(...events)} events, ${Math.min(...bytes)}-${Math.max(...bytes)} bytes`,
    );
    recordResult('case-stories', {
      series: { 'action commands (pick up, resolve)': actions, 'case commands (create, pick up, resolve)': summarise(caseCommands), 'bare Temporal Updates (baseline)': baseline.summary },
      ratios: { 'action command / bare Update': ratioOf(actions, baseline.summary) },
      throughput: { 'cases/s': CASES / seconds, 'bare updates/s': baseline.summary.count / baseline.seconds },
      cpuPerRequest: { cases: cpuFigures(cpu), bareUpdates: cpuFigures(baseline.cpu) },
      history: {
        case: { events: caseHistory.eventCount, bytes: caseHistory.sizeBytes },
        actions: { count: actionHistories.length, eventsMin: Math.min(...events), eventsMax: Math.max(...events), bytesMin: Math.min(...bytes), bytesMax: Math.max(...bytes) },
      },
    }, { CASES, CONCURRENCY, STAGES, ACTIONS_PER_STAGE, API_URL: process.env.API_URL });
  } finally {
    await target.stop();
  }
}

export const runCaseStories = main;

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main().catch((error) => {
  console.error(error);
  process.exit(1);
});
