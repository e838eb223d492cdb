// Fault: PostgreSQL stops (`pg_ctl stop -m fast`: every connection cut) for FAULT_PG_OUTAGE_S
// seconds (default 30) and starts again on the same data dir and port, while ticket stories keep
// sending commands. Every request either succeeds or answers 503 with Retry-After: never a 500,
// never an answer slower than 15 s. Afterwards the read model catches up with every change (each
// list row at its item's version), every acknowledged command took effect exactly once, every
// story completed and every timer fired.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { figure, keysHeldInProgress, recoveryMs } from './support/story-checks.js';
import { formatMs, pollUntil, progress, sleep, startStories, type Attempt } from './support/story-client.js';
import { inFaultSuite, startFaultWorld, type FaultWorld } from './support/fault-world.js';

const STORIES = Number(process.env.FAULT_STORIES ?? 50);
const OUTAGE_S = Number(process.env.FAULT_PG_OUTAGE_S ?? 30);
const SLOWEST_ANSWER_MS = 15_000;

describe.skipIf(!inFaultSuite)('PostgreSQL outage (npm run test:faults)', () => {
  let world: FaultWorld;
  beforeAll(async () => {
    world = await startFaultWorld({ categories: { desk: { name: 'Desk', feedbackWindow: 'PT5S' } } });
  });
  afterAll(async () => {
    await world?.stop();
  });

  it(`PostgreSQL stopped for ${OUTAGE_S} s under load: every request succeeds or answers 503 with Retry-After within 15 s, and afterwards the read model catches up with every change, nothing lost or doubled`, async () => {
    const { http } = world;
    // Stories start over about as long as the outage lasts, so commands go on before, during and after it.
    const { stories, all } = startStories(world.storyWorld('desk'), STORIES, Math.max(100, (OUTAGE_S * 1000) / STORIES));
    await pollUntil(
      'stories under way, some waiting',
      async () => {
        const p = progress(stories, http);
        return p.started >= STORIES / 4 && p.wait >= 3 && p;
      },
      120_000,
      20,
    );

    const stoppedAt = Date.now();
    await world.postgres.pause();
    const ready: Array<{ at: number; status?: number; body?: unknown; ms: number }> = [];
    // A read of an item while PostgreSQL is away: 503 naming PostgreSQL, never a Query to Temporal instead.
    const reads: Array<{ status?: number; body?: any }> = [];
    const readRef = stories.find((s) => s.ref)!.ref!;
    const agentToken = world.storyWorld('desk').agentToken;
    const probe = (async () => {
      while (Date.now() < stoppedAt + OUTAGE_S * 1000) {
        if (Date.now() > stoppedAt + 3_000) {
          reads.push(
            await fetch(`${world.service.url}/v1/work-items/${readRef}`, { headers: { authorization: `Bearer ${agentToken}` }, signal: AbortSignal.timeout(30_000) }).then(
              async (r) => ({ status: r.status, body: await r.json() }),
              () => ({}),
            ),
          );
        }
        const t0 = Date.now();
        const res = await fetch(`${world.service.url}/readyz`, { signal: AbortSignal.timeout(30_000) }).then(
          async (r) => ({ status: r.status, body: await r.json() }),
          (err: Error) => ({ status: undefined, body: err.message }),
        );
        ready.push({ at: t0, ...res, ms: Date.now() - t0 });
        await sleep(1_000);
      }
    })();
    await sleep(Math.max(0, stoppedAt + OUTAGE_S * 1000 - Date.now())); // the outage itself
    await probe;
    await world.postgres.resume();
    const resumedAt = Date.now();
    await all;

    const result = await world.check(stories, { settleMs: 120_000, expectClosed: true });
    expect(reads.length).toBeGreaterThan(0);
    for (const read of reads) expect(read, 'a GET of an item during the outage').toMatchObject({ status: 503, body: { error: 'unavailable', unavailable: 'PostgreSQL' } });

    const show = (a: Attempt) => `${new Date(a.startedAt).toISOString()} ${a.label} ${a.method} ${a.path} -> ${a.status ?? a.error} in ${a.durationMs} ms${a.status && a.status >= 300 ? ` ${JSON.stringify(a.body)}` : ''}${a.retryAfter ? ` (Retry-After ${a.retryAfter})` : ''}`;
    const during = http.attempts.filter((a) => a.startedAt <= resumedAt && a.startedAt + a.durationMs >= stoppedAt);
    const badDuring = during.filter((a) => !(a.status !== undefined && a.status < 300) && !(a.status === 503 && a.retryAfter));
    const serverErrors = http.attempts.filter((a) => a.status === 500 || (a.status !== undefined && a.status > 504));
    const slow = http.attempts.filter((a) => a.durationMs > SLOWEST_ANSWER_MS);
    const afterwards = http.attempts.filter((a) => a.startedAt > resumedAt && a.status !== undefined && a.status >= 400);
    const firstSuccessAfter = http.attempts.filter((a) => a.startedAt >= resumedAt && a.status !== undefined && a.status < 300).map((a) => a.startedAt + a.durationMs).sort((a, b) => a - b)[0];
    const count = (list: Attempt[], test: (a: Attempt) => boolean) => list.filter(test).length;
    console.log(
      figure('postgres-outage', result, {
        outage: `${OUTAGE_S}s`,
        recovery: formatMs(recoveryMs(stories, stoppedAt, resumedAt)),
        'first success after the restart': firstSuccessAfter ? formatMs(firstSuccessAfter - resumedAt) : 'none',
        'requests during the outage': `${during.length} (${count(during, (a) => (a.status ?? 0) < 300 && a.status !== undefined)} succeeded, ${count(during, (a) => a.status === 503)} 503, ${badDuring.length} other)`,
        'slowest answer': formatMs(Math.max(...http.attempts.map((a) => a.durationMs))),
        '500s': serverErrors.length,
        'answers over 15 s': slow.length,
        'after the restart': `${count(afterwards, (a) => a.status === 409)} 409 idempotency_in_progress, ${count(afterwards, (a) => a.status === 503)} 503`,
        'keys held in progress': (({ keys, longestMs }) => `${keys} (longest ${formatMs(longestMs)} until answered)`)(keysHeldInProgress(http)),
        'waits re-planned': stories.reduce((n, s) => n + s.refusals.length, 0),
        '/readyz during the outage': [...new Set(ready.map((r) => `${r.status} ${JSON.stringify(r.body)}`))].join(' | '),
      }),
    );
    if (result.problems.length) console.log(`problems:\n  ${result.problems.join('\n  ')}`);
    if (badDuring.length) console.log(`answers during the outage that were neither a success nor a 503 with Retry-After:\n  ${badDuring.slice(0, 30).map(show).join('\n  ')}`);
    if (slow.length) console.log(`answers slower than 15 s:\n  ${slow.slice(0, 30).map(show).join('\n  ')}`);
    const errors = world.serviceErrors();
    if (errors.length) console.log(`service errors (${errors.length}):\n  ${errors.slice(0, 20).join('\n  ')}`);

    expect(serverErrors.map(show)).toEqual([]);
    expect(slow.map(show)).toEqual([]);
    expect(badDuring.map(show)).toEqual([]);
    expect(ready.every((r) => r.status === 503 && (r.body as { postgres?: boolean }).postgres === false)).toBe(true);
    expect(result.problems).toEqual([]);
    expect(result.lost).toBe(0);
    expect(result.doubled).toBe(0);
  });
});
