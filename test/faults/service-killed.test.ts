// Fault: the service process (`scripts/serve.ts`: API and worker) is killed with SIGKILL in the
// middle of 50 running ticket stories and started again (same task queue, same database, same
// port). Clients send their requests in flight again with the same Idempotency-Keys. Afterwards
// every acknowledged command took effect exactly once, every story completed, every wait's timer
// fired, and the read model equals what the workflows say.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { figure, keysHeldInProgress, recoveryMs } from './support/story-checks.js';
import { formatMs, pollUntil, progress, sleep, startStories } from './support/story-client.js';
import { inFaultSuite, startFaultWorld, type FaultWorld } from './support/fault-world.js';

const STORIES = Number(process.env.FAULT_STORIES ?? 50);

describe.skipIf(!inFaultSuite)('service killed (npm run test:faults)', () => {
  let world: FaultWorld;
  beforeAll(async () => {
    world = await startFaultWorld({ categories: { desk: { name: 'Desk', feedbackWindow: 'PT5S' } } });
  });
  afterAll(async () => {
    await world?.stop();
  });

  it('a service killed with SIGKILL in the middle of 50 stories and restarted loses no acknowledged command and doubles none; every story completes and every timer fires', async () => {
    const { http } = world;
    const { stories, all } = startStories(world.storyWorld('desk'), STORIES, 200);

    // The middle: stories at every step, some waiting on their timers, some being created. The
    // kill comes, when it can, while a creation has started its item's workflow and its answer
    // is not stored yet (the narrowest window: the item exists, the Idempotency-Key does not
    // say so); otherwise once the stories are in full swing.
    const steps = () => stories.filter((s) => s.current && s.current.step !== 'wait-ended').map((s) => s.current!.step);
    const inSwing = () => {
      const p = progress(stories, http);
      return p.started >= STORIES * 0.6 && p.wait >= Math.min(5, STORIES / 4) && p;
    };
    await pollUntil('the stories to be in full swing', async () => inSwing(), 120_000, 5);
    // Looks for that window with the service frozen (SIGSTOP), so that what it sees stays true
    // until the kill: a story's creation whose Idempotency-Key is still in progress while the
    // item's workflow (found by the story's title in its summary) already runs.
    const creationCaught = async (): Promise<string | undefined> => {
      const creating = stories.filter((s) => s.current?.step === 'create' && !s.ref);
      if (!creating.length) return undefined;
      const open = (await world.pool.query('SELECT key FROM idempotency_keys WHERE key = ANY($1) AND status IS NULL', [creating.map((s) => s.key('create'))])).rows.map((r) => r.key as string);
      if (!open.length) return undefined;
      const last = Number((await world.pool.query('SELECT last_value FROM ticket_ref_seq')).rows[0].last_value);
      const answered = new Set(stories.map((s) => s.ref));
      for (let n = last; n > Math.max(0, last - 5); n--) {
        const ref = `T-${String(n).padStart(6, '0')}`;
        if (answered.has(ref)) continue;
        const described = await world.temporalClient.workflow.getHandle(ref).describe().catch(() => undefined);
        const summary = described && (await described.staticSummary());
        const story = summary && creating.find((s) => summary.endsWith(` · ${s.title}`) && open.includes(s.key('create')));
        if (story) return `${ref} (${story.name}'s)`;
      }
      return undefined;
    };
    let caughtCreation = 'none';
    for (const lastChance = Date.now() + 30_000; Date.now() < lastChance && stories.some((s) => !s.ref); ) {
      if (!stories.some((s) => s.current?.step === 'create' && !s.ref)) {
        await sleep(1);
        continue;
      }
      world.service.freeze();
      const caught = await creationCaught().catch(() => undefined);
      if (caught) {
        caughtCreation = caught;
        break;
      }
      world.service.thaw();
      await sleep(15);
    }
    const atKill = inSwing() || progress(stories, http);
    const inFlight = steps();
    const histogram = [...new Set(inFlight)].map((step) => `${step} ${inFlight.filter((x) => x === step).length}`).join(', ');
    const killedAt = Date.now();
    await world.service.kill();
    await world.service.start();
    const readyAt = Date.now();
    const restart = world.service.readiness().map((r) => `+${formatMs(r.at - killedAt)} ${r.answer.slice(0, 80)}`);
    await all;
    const endedAt = Date.now();

    const result = await world.check(stories, { settleMs: 90_000, expectClosed: true });
    const caughtStory = stories.find((s) => caughtCreation.includes(`(${s.name}'s)`));
    const caught = caughtStory ? `${caughtCreation}, acknowledged as ${caughtStory.ref} after ${caughtStory.ack('create')?.attempts} attempts` : caughtCreation;
    const during = http.attempts.filter((a) => a.startedAt + a.durationMs >= killedAt);
    const inProgress = during.filter((a) => a.status === 409).length;
    console.log(
      figure('service-killed', result, {
        'commands in flight at the kill': `${inFlight.length} (${histogram}; stories started ${atKill.started}, waits acknowledged ${atKill.wait}; a creation caught between its start and its answer: ${caught})`,
        'down (kill to ready)': formatMs(readyAt - killedAt),
        recovery: formatMs(recoveryMs(stories, killedAt, readyAt)),
        'stories done': formatMs(endedAt - readyAt) + ' after ready',
        'retries after the kill': `${during.filter((a) => a.status === undefined).length} network errors, ${during.filter((a) => (a.status ?? 0) >= 500).length} 5xx, ${inProgress} 409 idempotency_in_progress`,
        'keys held in progress': (({ keys, longestMs }) => `${keys} (longest ${formatMs(longestMs)} until answered)`)(keysHeldInProgress(http)),
        'waits re-planned': stories.reduce((n, s) => n + s.refusals.length, 0),
      }),
    );
    console.log(`restart (kill at +0): ${restart.join(' | ')}`);
    if (result.problems.length) console.log(`problems:\n  ${result.problems.join('\n  ')}`);
    const errors = world.serviceErrors();
    if (errors.length) console.log(`service errors:\n  ${errors.slice(0, 20).join('\n  ')}`);
    const fiveHundreds = http.attempts.filter((a) => a.status === 500);
    expect(fiveHundreds.map((a) => `${a.label} ${a.method} ${a.path}: ${JSON.stringify(a.body)}`)).toEqual([]);
    expect(result.problems).toEqual([]);
    expect(result.lost).toBe(0);
    expect(result.doubled).toBe(0);
  });
});
