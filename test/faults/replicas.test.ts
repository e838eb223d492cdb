// Two replicas: two service processes (API and worker each, `scripts/serve.ts`) on one Temporal
// dev server, one PostgreSQL and one task queue, started at the same moment (migrations and
// search-attribute registration must not race). The client sends each attempt to the next
// replica, as a round-robin load balancer would, so a retry often reaches the other replica; like
// a load balancer's passive health check, it sends nothing for 3 s to a replica that refused or
// reset a connection or said it is restarting.
//   1. FAULT_REPLICA_STORIES (200) stories; one replica is killed (SIGKILL) in the middle and
//      started again, while UI-like Queries (`__temporal_workflow_metadata`, `__stack_trace`,
//      `view`; FAULT_QUERIES_PER_SECOND of each, 4) go straight to Temporal on every open item.
//      Refs stay unique, an Idempotency-Key answered by one replica is replayed by the other, every
//      story completes, nothing acknowledged is lost or doubled, every history replays.
//   2. A rolling restart under load (FAULT_ROLLING_STORIES, 60, new stories): each replica in
//      turn gets SIGTERM, drains, exits within its documented time and starts again. No request
//      fails unless the client saw it refused retryably (503 with Retry-After) or refused at
//      connect (the replica's port closed: the request never reached it, and a load balancer's
//      health check routes around it).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { figure, keysHeldInProgress, recoveryMs } from './support/story-checks.js';
import { formatMs, pollUntil, progress, startStories, type Attempt } from './support/story-client.js';
import { inFaultSuite, startFaultWorld, type FaultWorld } from './support/fault-world.js';
import { describeQueryLoad, startQueryLoad } from './support/query-load.js';

const STORIES = Number(process.env.FAULT_REPLICA_STORIES ?? 200);
const ROLLING_STORIES = Number(process.env.FAULT_ROLLING_STORIES ?? 60);
/**
 * Each story's wait: long enough that its `until` is still ahead when the request is answered
 * (two replicas, the dev server and PostgreSQL share 2 cores; a 3 s wait was often refused as
 * past by the time its retries got through).
 */
const WAIT_MS = 20_000;
/**
 * The UI-like Queries sent straight to Temporal on every open item while one replica is killed and
 * started again (support/query-load.ts): this many a second of each kind, within these bounds.
 */
const QUERIES_PER_SECOND_EACH = Number(process.env.FAULT_QUERIES_PER_SECOND ?? 4);
const MAX_QUERIES = 20_000;
const MAX_QUERY_LOAD_MS = 15 * 60_000;
/** What the README promises for a stop: HTTP drain (10 s) and worker drain (10 s), with room. */
const STOP_WITHIN_MS = 30_000;

const byStatus = (attempts: Attempt[]) => {
  const counts = new Map<string, number>();
  for (const a of attempts) counts.set(String(a.status ?? (refusedAtConnect(a) ? 'refused at connect' : 'network error')), (counts.get(String(a.status ?? (refusedAtConnect(a) ? 'refused at connect' : 'network error'))) ?? 0) + 1);
  return [...counts].sort().map(([status, n]) => `${status}: ${n}`).join(', ');
};
const refusedAtConnect = (a: Attempt) => a.status === undefined && /ECONNREFUSED/.test(a.error ?? '');
const show = (a: Attempt) => `${new Date(a.startedAt).toISOString()} replica ${a.replica} ${a.label} ${a.method} ${a.path} -> ${a.status ?? a.error} in ${a.durationMs} ms ${a.status && a.status >= 300 ? JSON.stringify(a.body) : ''}`;

/**
 * In CI. FAULT_REPLICAS=0 skips this file (about 5 minutes) when running the suite by hand. Every
 * item's history is replayed at the end: the nondeterminism this file found once a replica was
 * killed is fixed (test/faults/nondeterminism/README.md).
 */
const replicasOn = process.env.FAULT_REPLICAS !== '0';

describe.skipIf(!inFaultSuite || !replicasOn)('two replicas', () => {
  let world: FaultWorld;
  beforeAll(async () => {
    world = await startFaultWorld({ replicas: 2, categories: { desk: { name: 'Desk', feedbackWindow: 'PT5S' } } });
  });
  afterAll(async () => {
    await world?.stop();
  });

  it(`${STORIES} stories across two replicas, one killed with SIGKILL in the middle and restarted: refs unique, keys honoured across replicas, every story completes, nothing lost or doubled`, async () => {
    const { http } = world;
    const [, victim] = world.replicas as [typeof world.service, typeof world.service];
    const firstAttempt = http.attempts.length;
    const { stories, all } = startStories(world.storyWorld('desk', { waitMs: WAIT_MS }), STORIES, 150);
    // As people watching the items in a UI would: Queries on every open item, whichever replica
    // owns it (or none, while one is dead), until every story is over.
    const queries = startQueryLoad({
      client: world.temporalClient,
      openRefs: () => stories.flatMap((s) => (s.ref && s.endedAt === undefined ? [s.ref] : [])),
      perSecondEach: QUERIES_PER_SECOND_EACH,
      maxQueries: MAX_QUERIES,
      maxMs: MAX_QUERY_LOAD_MS,
    });
    const atKill = await pollUntil(
      'the stories to be in full swing',
      async () => {
        const p = progress(stories, http);
        return p.started >= STORIES * 0.5 && p.wait >= 10 && p;
      },
      300_000,
      20,
    );
    const killedAt = Date.now();
    await victim.kill();
    await victim.start();
    const readyAt = Date.now();
    await all;
    const queried = await queries.stop();

    const result = await world.check(stories, { settleMs: 120_000, expectClosed: true });

    // A key answered by one replica, sent again to the other: the first answer, replayed.
    const story = stories.find((s) => s.ack('note-1'))!;
    const note = story.ack('note-1')!;
    const answeredBy = http.attempts.find((a) => a.key === note.key && a.status === 200)!.replica;
    const again = await http.attemptAt(1 - answeredBy, 'POST', `/v1/work-items/${story.ref}/notes`, { token: world.agentToken, body: { text: story.notes[0] }, key: note.key, label: 'replay on the other replica' });

    const attempts = http.attempts.slice(firstAttempt);
    const answeredPerReplica = [0, 1].map((r) => attempts.filter((a) => a.replica === r && (a.status ?? 500) < 300).length);
    const keysAcrossReplicas = stories.flatMap((s) => s.acks.filter((ack) => new Set(attempts.filter((a) => a.key === ack.key).map((a) => a.replica)).size > 1)).length;
    const refs = stories.map((s) => s.ref).filter(Boolean);
    console.log(
      figure('replicas', result, {
        replicas: 2,
        'killed': `replica 1 at ${atKill.started} stories started, ${atKill.wait} waits acknowledged`,
        'down (kill to ready)': formatMs(readyAt - killedAt),
        recovery: formatMs(recoveryMs(stories, killedAt, readyAt)),
        'answered per replica': answeredPerReplica.join(' / '),
        'acknowledged commands whose attempts reached both replicas': keysAcrossReplicas,
        'requests by status': byStatus(attempts),
        'keys held in progress': (({ keys, longestMs }) => `${keys} (longest ${formatMs(longestMs)} until answered)`)(keysHeldInProgress(http)),
        'a key replayed by the other replica': `${again.status}, Idempotent-Replayed ${again.headers?.get('idempotent-replayed')}`,
      }),
    );
    if (result.problems.length) console.log(`problems:\n  ${result.problems.join('\n  ')}`);
    const errors = world.serviceErrors();
    if (errors.length) console.log(`service errors:\n  ${errors.slice(0, 20).join('\n  ')}`);

    // Every item's history, written by two workers in turn, replays on the code.
    const replayErrors = await world.replay(refs as string[]);
    if (replayErrors.length) console.log(`histories that do not replay:\n  ${replayErrors.join('\n  ')}`);
    console.log(
      `[fault] replicas under Queries: ${describeQueryLoad(queried)}; stories ${result.stories} (${stories.filter((s) => s.done).length} completed), ` +
        `acknowledged commands ${result.acknowledged}, lost ${result.lost}, doubled ${result.doubled}; histories that failed to replay ${replayErrors.length} of ${refs.length}`,
    );
    expect(replayErrors).toEqual([]);
    expect(attempts.filter((a) => a.status === 500).map(show)).toEqual([]);
    expect(answeredPerReplica.every((n) => n > 0)).toBe(true);
    expect(new Set(refs).size).toBe(refs.length);
    expect(again.status).toBe(200);
    expect(again.headers?.get('idempotent-replayed')).toBe('true');
    expect(again.body.version).toBe(note.version);
    expect(result.problems).toEqual([]);
    expect(result.lost).toBe(0);
    expect(result.doubled).toBe(0);
  });

  it(`a rolling restart of both replicas under ${ROLLING_STORIES} stories fails no request that the client did not see refused retryably; each replica stops within ${STOP_WITHIN_MS / 1000} s`, async () => {
    const { http } = world;
    const firstAttempt = http.attempts.length;
    // Whatever items the world holds already are not this run's (each title is unique to its story).
    const before = (await world.pool.query('SELECT ref FROM work_items')).rows.map((r) => r.ref as string);
    const { stories, all } = startStories(world.storyWorld('desk', { waitMs: WAIT_MS }), ROLLING_STORIES, 150, 10_000);
    await pollUntil('the stories to be under way', async () => progress(stories, http).started >= ROLLING_STORIES / 3 && true, 120_000, 20);
    const restarts: string[] = [];
    const stopTimes: number[] = [];
    for (const [index, replica] of world.replicas.entries()) {
      const t0 = Date.now();
      const inFlight = http.inFlight();
      await replica.stop(60_000);
      const stoppedMs = Date.now() - t0;
      stopTimes.push(stoppedMs);
      await replica.start();
      restarts.push(`replica ${index}: stopped in ${formatMs(stoppedMs)} (${inFlight} requests on the wire at SIGTERM), ready again ${formatMs(Date.now() - t0 - stoppedMs)} later`);
      // A slow stop names its slow step (worker/service.ts logs it).
      if (stoppedMs > 10_000) console.log(`replica ${index}'s stop:\n  ${replica.logs().split('\n').filter((l) => /stop|SIGTERM|giving up/i.test(l)).slice(-10).join('\n  ')}`);
    }
    await all;
    const result = await world.check(stories, { settleMs: 120_000, expectClosed: true, otherRefs: before });

    const attempts = http.attempts.slice(firstAttempt);
    // Failed without a retryable refusal: a 5xx other than 503 with Retry-After, or a connection
    // cut after the request was sent (not refused at connect).
    const failed = attempts.filter((a) => (a.status !== undefined ? a.status >= 500 && !(a.status === 503 && a.retryAfter) : !refusedAtConnect(a)));
    console.log(
      figure('rolling-restart', result, {
        restarts: restarts.join('; '),
        requests: `${attempts.length} (${byStatus(attempts)})`,
        'failed without a retryable refusal': failed.length,
      }),
    );
    if (failed.length) console.log(`failed:\n  ${failed.slice(0, 30).map(show).join('\n  ')}`);
    if (result.problems.length) console.log(`problems:\n  ${result.problems.join('\n  ')}`);
    const errors = world.serviceErrors();
    if (errors.length) console.log(`service errors:\n  ${errors.slice(-20).join('\n  ')}`);

    const replayErrors = await world.replay(stories.flatMap((s) => (s.ref ? [s.ref] : [])));
    if (replayErrors.length) console.log(`histories that do not replay:\n  ${replayErrors.join('\n  ')}`);
    expect(replayErrors).toEqual([]);
    expect(failed.map(show)).toEqual([]);
    expect(stopTimes.every((ms) => ms < STOP_WITHIN_MS)).toBe(true);
    expect(result.problems).toEqual([]);
    expect(result.lost).toBe(0);
    expect(result.doubled).toBe(0);
  });
});
