// Fault: the Temporal dev server shuts down for FAULT_TEMPORAL_OUTAGE_S seconds (default 30) and
// starts again on the same SQLite file and port. What was durable stays so: open items take
// commands again, stories whose wait ended during the outage complete (the timer fires once the
// server is back), a wait that ends after the restart ends on time, feedback windows close
// items, SLA timers record their breach. While the server is down commands and creations answer
// 503 (with Retry-After), a read of an item still answers 200 from PostgreSQL (no read goes to
// Temporal), and GET /readyz answers 503 with `temporal: false`.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { figure } from './support/story-checks.js';
import { formatMs, pollUntil, progress, sleep, startStories, type Attempt } from './support/story-client.js';
import { inFaultSuite, startFaultWorld, type FaultWorld } from './support/fault-world.js';

const STORIES = Number(process.env.FAULT_TEMPORAL_STORIES ?? 20);
/** How soon a request sent while Temporal is down gets its answer (README: "When a dependency is down"). */
const DOWN_ANSWER_MS = 5_000;
const OUTAGE_S = Number(process.env.FAULT_TEMPORAL_OUTAGE_S ?? 30);
/** How late after its instant a deadline may be seen to have taken effect. */
const ON_TIME_MS = 3_000;

type Entry = { type: string; at: string; [field: string]: unknown };

describe.skipIf(!inFaultSuite)('Temporal restart (npm run test:faults)', () => {
  let world: FaultWorld;
  beforeAll(async () => {
    world = await startFaultWorld({
      categories: {
        desk: { name: 'Desk', feedbackWindow: 'PT10S' },
        // SLA clocks: one due during the outage, one after the restart (no at-risk mark).
        'sla-short': { name: 'SLA due in the outage', sla: { target: `PT${Math.round(OUTAGE_S / 2) + 5}S`, atRiskShare: 1 } },
        'sla-long': { name: 'SLA due after the restart', sla: { target: `PT${OUTAGE_S + 40}S`, atRiskShare: 1 } },
      },
    });
  });
  afterAll(async () => {
    await world?.stop();
  });

  it(`Temporal restarted on the same database after ${OUTAGE_S} s: open items, waits, feedback windows and SLA timers survive; while it is down the API answers 503 and /readyz says temporal: false`, async () => {
    const { http, adminToken } = world;
    const token = world.agentToken;
    const deadline = () => Date.now() + 5 * 60_000;
    const post = async (path: string, body: unknown, key: string, expect = 200) => {
      const answer = await http.send('POST', path, { token, body, key, label: key, deadline: deadline() });
      if (answer.status !== expect) throw new Error(`${key}: POST ${path} answered ${answer.status} ${JSON.stringify(answer.body)}`);
      return answer.body;
    };
    const view = async (ref: string) => {
      const answer = await http.send('GET', `/v1/work-items/${ref}`, { token: adminToken, label: `view ${ref}`, deadline: deadline() });
      if (answer.status !== 200) throw new Error(`GET ${ref}: ${answer.status} ${JSON.stringify(answer.body)}`);
      return answer.body;
    };
    const ticket = (name: string, categoryId: string) =>
      post('/v1/work-items', { kind: 'ticket', title: `${name} ${world.runId}`, description: 'Made by the Temporal restart test.', categoryId, primaryContact: 'ann@example.com', requester: 'ann@example.com', submit: true }, `${world.runId}:${name}:create`, 201);

    // Stories whose wait (10 s) will end while Temporal is down.
    const { stories, all } = startStories(world.storyWorld('desk', { waitMs: 10_000 }), STORIES, 100);
    // The test's own items: an open one, one waiting past the restart, three resolved before the
    // outage (their feedback windows end in it), two with SLA clocks.
    const open = await ticket('open', 'desk');
    const waiter = await ticket('waiter', 'desk');
    await post(`/v1/work-items/${waiter.ref}/pick-up`, {}, `${world.runId}:waiter:pick-up`);
    const windows = await Promise.all([1, 2, 3].map((i) => ticket(`window-${i}`, 'desk')));
    const windowEnds = new Map<string, number>();
    for (const w of windows) {
      await post(`/v1/work-items/${w.ref}/pick-up`, {}, `${world.runId}:${w.ref}:pick-up`);
      const resolved = await post(`/v1/work-items/${w.ref}/resolve`, { method: 'no_customer_response' }, `${world.runId}:${w.ref}:resolve`);
      windowEnds.set(w.ref, Date.parse(resolved.feedbackWindowEndsAt));
    }
    const slaShort = await ticket('sla-short', 'sla-short');
    const slaLong = await ticket('sla-long', 'sla-long');
    const own = [open, waiter, ...windows, slaShort, slaLong].map((v) => v.ref as string);

    await pollUntil('every story waiting', async () => progress(stories, http).wait === STORIES, 120_000, 20);
    const stoppedAt = Date.now();
    // The waiter's wait ends 30 s after the restart, which must come when it is down.
    const waiterUntil = new Date(stoppedAt + OUTAGE_S * 1000 + 30_000).toISOString();
    await post(`/v1/work-items/${waiter.ref}/wait`, { type: 'until', until: waiterUntil }, `${world.runId}:waiter:wait`);
    await world.temporal.pause();
    const pausedAt = Date.now();

    // While it is down: /readyz, a command, a read and a creation, all at once, each answered
    // within DOWN_ANSWER_MS (the service's Temporal client gives up after a few quick tries).
    const probes: Attempt[] = [];
    const outageCreate = { kind: 'ticket', title: `during the outage ${world.runId}`, description: 'Sent while Temporal is down.', categoryId: 'desk', primaryContact: 'ann@example.com', requester: 'ann@example.com', submit: true };
    const probing = Promise.all([
      (async () => {
        const t0 = Date.now();
        const res = await fetch(`${world.service.url}/readyz`, { signal: AbortSignal.timeout(60_000) }).then(
          async (r) => ({ status: r.status as number | undefined, body: (await r.json()) as unknown, retryAfter: r.headers.get('retry-after') }),
          (err: Error) => ({ status: undefined, body: err.message as unknown, retryAfter: null }),
        );
        probes.push({ label: 'probe readyz', replica: 0, method: 'GET', path: '/readyz', startedAt: t0, durationMs: Date.now() - t0, ...res });
      })(),
      http.attempt('POST', `/v1/work-items/${open.ref}/pick-up`, { token, body: {}, key: `${world.runId}:open:pick-up`, label: 'probe command' }).then((a) => probes.push(a.record)),
      http.attempt('GET', `/v1/work-items/${open.ref}`, { token, label: 'probe view' }).then((a) => probes.push(a.record)),
      http.attempt('POST', '/v1/work-items', { token, body: outageCreate, key: `${world.runId}:outage-create`, label: 'probe create' }).then((a) => probes.push(a.record)),
    ]);
    await sleep(Math.max(0, pausedAt + OUTAGE_S * 1000 - Date.now())); // the outage itself
    await world.temporal.resume();
    const resumedAt = Date.now();
    await probing;
    const duringOutage = probes.filter((p) => p.startedAt + p.durationMs <= resumedAt);

    // After the restart: the open item takes the command sent during the outage (same key); a
    // creation refused during the outage is sent again; the waiter's wait ends on time.
    const picked = await post(`/v1/work-items/${open.ref}/pick-up`, {}, `${world.runId}:open:pick-up`);
    const late = await post('/v1/work-items', outageCreate, `${world.runId}:outage-create`, 201);
    own.push(late.ref);
    const seen = async (ref: string, what: string, test: (e: Entry) => boolean): Promise<{ entry: Entry; seenAt: number }> =>
      pollUntil(
        `${ref}: ${what}`,
        async () => {
          const entry = ((await view(ref)).timeline as Entry[]).find(test);
          return entry && { entry, seenAt: Date.now() };
        },
        5 * 60_000,
        100,
      );
    const [waited, breachedLong, breachedShort] = await Promise.all([
      seen(waiter.ref, 'its wait to end', (e) => e.type === 'wait_ended'),
      seen(slaLong.ref, 'its SLA breach', (e) => e.type === 'sla_breached'),
      seen(slaShort.ref, 'its SLA breach', (e) => e.type === 'sla_breached'),
    ]);
    await all;

    const result = await world.check(stories, { settleMs: 120_000, expectClosed: true, otherRefs: own });
    const problems = [...result.problems];
    const spanned = stories.filter((s) => s.waits.some((w) => Date.parse(w.until) > pausedAt && Date.parse(w.until) < resumedAt)).length;

    // The test's own items, settled and matching the read model.
    const finals = new Map<string, any>();
    await pollUntil(
      'the test items to settle',
      async () => {
        for (const ref of own) {
          const v = await view(ref);
          finals.set(ref, v);
        }
        const rows = (await world.pool.query('SELECT ref, version, state FROM work_items WHERE ref = ANY($1)', [own])).rows;
        const windowsClosed = windows.every((w) => finals.get(w.ref).state === 'closed');
        return windowsClosed && own.every((ref) => rows.some((r) => r.ref === ref && r.version === finals.get(ref).version && r.state === finals.get(ref).state));
      },
      120_000,
      500,
    ).catch((err: Error) => problems.push(err.message));
    const entries = (ref: string, type: string) => ((finals.get(ref)?.timeline ?? []) as Entry[]).filter((e) => e.type === type);
    if (entries(open.ref, 'assigned').length !== 1) problems.push(`${open.ref}: the pick-up sent during the outage and after it took effect ${entries(open.ref, 'assigned').length} times`);
    if (picked.state !== 'in_progress') problems.push(`${open.ref}: after the pick-up it is ${picked.state}`);
    const windowsInOutage = windows.filter((w) => {
      const end = windowEnds.get(w.ref)!;
      return end > pausedAt && end < resumedAt;
    }).length;
    if (windowsInOutage !== windows.length) problems.push(`only ${windowsInOutage} of ${windows.length} feedback windows ended during the outage (the test's timing is off)`);
    for (const w of windows) {
      const closed = entries(w.ref, 'closed');
      const resolvedView = finals.get(w.ref);
      if (closed.length !== 1) problems.push(`${w.ref}: closed ${closed.length} times by its feedback window`);
      else if (Date.parse(closed[0]!.at) !== windowEnds.get(w.ref)) problems.push(`${w.ref}: closed at ${closed[0]!.at}, not when its window ended (${new Date(windowEnds.get(w.ref)!).toISOString()}; resolved ${resolvedView.resolvedAt})`);
    }
    const waitedLateMs = waited.seenAt - Date.parse(waiterUntil);
    if (waited.entry.reason !== 'until_reached' || entries(waiter.ref, 'wait_ended').length !== 1) problems.push(`${waiter.ref}: its wait ended ${entries(waiter.ref, 'wait_ended').length} times (${JSON.stringify(waited.entry)})`);
    if (waitedLateMs > ON_TIME_MS) problems.push(`${waiter.ref}: its wait until ${waiterUntil} was seen to end ${formatMs(waitedLateMs)} late`);
    if (Date.parse(waited.entry.at) !== Date.parse(waiterUntil)) problems.push(`${waiter.ref}: its wait ended at ${waited.entry.at}, not at ${waiterUntil}`);
    const dueOf = (e: Entry) => Date.parse(String(e.dueAt));
    const longLateMs = breachedLong.seenAt - dueOf(breachedLong.entry);
    if (longLateMs > ON_TIME_MS) problems.push(`${slaLong.ref}: its SLA breach (due ${breachedLong.entry.dueAt}) was seen ${formatMs(longLateMs)} late`);
    if (dueOf(breachedShort.entry) > resumedAt || dueOf(breachedShort.entry) < pausedAt) problems.push(`${slaShort.ref}: its SLA was due at ${breachedShort.entry.dueAt}, not during the outage`);
    for (const ref of [slaShort.ref, slaLong.ref]) if (entries(ref, 'sla_breached').length !== 1) problems.push(`${ref}: sla_breached ${entries(ref, 'sla_breached').length} times`);

    const firstSuccess = http.attempts.filter((a) => a.startedAt >= resumedAt && a.status !== undefined && a.status < 300).map((a) => a.startedAt + a.durationMs).sort((a, b) => a - b)[0];
    const show = (a: Attempt) => `+${formatMs(a.startedAt - pausedAt)} ${a.method} ${a.path} -> ${a.status ?? a.error} in ${formatMs(a.durationMs)} ${JSON.stringify(a.body)}${a.retryAfter ? ` (Retry-After ${a.retryAfter})` : ''}`;
    const readyz = duringOutage.filter((p) => p.path === '/readyz');
    const api = duringOutage.filter((p) => p.path !== '/readyz' && p.method !== 'GET');
    const reads = duringOutage.filter((p) => p.path !== '/readyz' && p.method === 'GET');
    const badReadyz = readyz.filter((p) => !(p.status === 503 && (p.body as { temporal?: boolean }).temporal === false));
    const badApi = api.filter((p) => !(p.status === 503 && p.retryAfter));
    const badReads = reads.filter((p) => p.status !== 200);
    console.log(
      figure('temporal-restart', result, {
        outage: `${OUTAGE_S}s`,
        'first success after the restart': firstSuccess ? formatMs(firstSuccess - resumedAt) : 'none',
        'last story seen out of its wait': formatMs(Math.max(...stories.map((s) => s.waitEndedSeenAt ?? 0)) - resumedAt) + ' after the restart',
        'waits spanning the outage': `${spanned}/${STORIES}`,
        'wait after the restart seen': `${formatMs(waitedLateMs)} after its instant`,
        'SLA breach after the restart seen': `${formatMs(longLateMs)} after its due time`,
        'feedback windows ending in the outage, closed': `${windows.filter((w) => entries(w.ref, 'closed').length === 1).length}/${windows.length}`,
        'answers while down': `${duringOutage.length} (${api.filter((p) => p.status === 503).length}/${api.length} commands 503, ${reads.filter((p) => p.status === 200).length}/${reads.length} reads 200, ${readyz.filter((p) => p.status === 503).length}/${readyz.length} /readyz 503, slowest ${formatMs(Math.max(0, ...duringOutage.map((p) => p.durationMs)))})`,
      }),
    );
    console.log(`while down:\n  ${probes.map(show).join('\n  ')}`);
    if (problems.length) console.log(`problems:\n  ${problems.join('\n  ')}`);
    const errors = world.serviceErrors();
    if (errors.length) console.log(`service errors (${errors.length}):\n  ${errors.slice(0, 20).join('\n  ')}`);

    expect(readyz.length).toBeGreaterThan(0);
    expect(api.length).toBeGreaterThan(0);
    expect(badReadyz.map(show)).toEqual([]);
    expect(badApi.map(show)).toEqual([]);
    expect(reads.length).toBeGreaterThan(0);
    expect(badReads.map(show)).toEqual([]);
    expect(duringOutage.filter((p) => p.durationMs > DOWN_ANSWER_MS).map(show)).toEqual([]);
    expect(spanned).toBeGreaterThanOrEqual(Math.min(10, STORIES / 2));
    expect(problems).toEqual([]);
    expect(result.lost).toBe(0);
    expect(result.doubled).toBe(0);
  });
});
