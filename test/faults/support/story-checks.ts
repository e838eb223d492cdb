// What the fault suite checks once a fault is over: every story completed; every acknowledged
// command took effect exactly once (its mark on the item's timeline: one `created`, one
// `assigned` to the agent, each note's text once, one `wait_started` per acknowledged wait and
// none for a refused one, one `resolved`), no item was created twice (Temporal holds no workItem
// workflow beyond the stories' items, and no title has two rows), every timer fired (one
// `wait_ended` with reason until_reached; `closed` when the feedback window is short), and the
// read model equals what the workflows say (work_items' version and state, and every list row's
// version, equal the view's, which GET /v1/work-items/:ref composes from Temporal).

import type { Client } from '@temporalio/client';
import type pg from 'pg';
import { formatMs, pollUntil, type FaultHttp, type Story } from './story-client.js';

export interface CheckContext {
  http: FaultHttp;
  adminToken: string;
  pool: pg.Pool;
  temporal: Client;
  taskQueue: string;
  agentId: string;
  /** How long the read model and the timers may take to settle. */
  settleMs: number;
  /** The category's feedback window is short: every story's item must have closed. */
  expectClosed: boolean;
  /** Items of the task queue that are not the stories' own (made by the test itself). */
  otherRefs?: string[];
}

export interface CheckResult {
  stories: number;
  acknowledged: number;
  lost: number;
  doubled: number;
  problems: string[];
  views: Map<string, any>;
  /** workItem workflows Temporal holds on the task queue (each one's latest run). */
  workflows?: number;
}

type Entry = { type: string; [field: string]: unknown };

export async function checkStories(stories: Story[], ctx: CheckContext): Promise<CheckResult> {
  const problems: string[] = [];
  let lost = 0;
  let doubled = 0;
  const acknowledged = stories.reduce((n, s) => n + s.acks.length, 0);
  for (const s of stories) if (!s.done) problems.push(`${s.name} (${s.ref ?? 'no ref'}) did not complete: ${s.error ?? `stopped at ${s.current?.step}`}`);

  const view = async (ref: string) => {
    const answer = await ctx.http.send('GET', `/v1/work-items/${ref}`, { token: ctx.adminToken, label: `check ${ref}`, deadline: Date.now() + 60_000 });
    if (answer.status !== 200) throw new Error(`GET /v1/work-items/${ref}: ${answer.status} ${JSON.stringify(answer.body)}`);
    return answer.body;
  };
  const row = async (ref: string) => (await ctx.pool.query('SELECT version, state FROM work_items WHERE ref = $1', [ref])).rows[0] as { version: number; state: string } | undefined;
  const settled = (v: any) => (ctx.expectClosed ? v.state === 'closed' : v.state === 'resolved' || v.state === 'closed');

  // Settle: each item's final state, and its list row at the item's version.
  const views = new Map<string, any>();
  const withRef = stories.filter((s) => s.ref);
  let waiting = withRef.map((s) => s.ref!);
  try {
    await pollUntil(
      'every story item to settle (final state, list row at its version)',
      async () => {
        const still: string[] = [];
        for (const ref of waiting) {
          const v = await view(ref);
          views.set(ref, v);
          const r = await row(ref);
          if (!settled(v) || !r || r.version !== v.version || r.state !== v.state) still.push(ref);
        }
        waiting = still;
        return waiting.length === 0;
      },
      ctx.settleMs,
      500,
    );
  } catch {
    for (const ref of waiting) {
      const v = views.get(ref);
      problems.push(`${ref}: did not settle within ${formatMs(ctx.settleMs)}: view ${v?.state} v${v?.version}, work_items ${JSON.stringify(await row(ref))}`);
    }
  }

  // Each acknowledged command's effect, exactly once.
  for (const s of withRef) {
    const v = views.get(s.ref!);
    if (!v) continue;
    const timeline: Entry[] = v.timeline;
    const count = (test: (e: Entry) => boolean) => timeline.filter(test).length;
    const expectOnce = (what: string, n: number, acked: boolean) => {
      if (!acked) {
        if (n > 1) (doubled++, problems.push(`${s.ref} (${s.name}): ${what} ${n} times, never acknowledged`));
        return;
      }
      if (n === 0) (lost++, problems.push(`${s.ref} (${s.name}): acknowledged ${what} is missing`));
      if (n > 1) (doubled++, problems.push(`${s.ref} (${s.name}): acknowledged ${what} took effect ${n} times`));
    };
    expectOnce('create', count((e) => e.type === 'created'), Boolean(s.ack('create')));
    expectOnce('pick-up', count((e) => e.type === 'assigned' && e.to === ctx.agentId), Boolean(s.ack('pick-up')));
    expectOnce('note-1', count((e) => e.type === 'note' && e.text === s.notes[0]), Boolean(s.ack('note-1')));
    expectOnce('note-2', count((e) => e.type === 'note' && e.text === s.notes[1]), Boolean(s.ack('note-2')));
    expectOnce('resolve', count((e) => e.type === 'resolved'), Boolean(s.ack('resolve')));
    for (const plan of s.waits) {
      const n = count((e) => e.type === 'wait_started' && instant(e.until) === instant(plan.until));
      const acked = s.acks.some((a) => a.key === plan.key);
      if (acked) expectOnce(`wait until ${plan.until}`, n, true);
      else if (n > 0) (doubled++, problems.push(`${s.ref} (${s.name}): the refused wait until ${plan.until} took effect ${n} times`));
    }
    if (s.acks.some((a) => a.step.startsWith('wait'))) {
      const fired = count((e) => e.type === 'wait_ended' && e.reason === 'until_reached');
      if (fired !== 1) problems.push(`${s.ref} (${s.name}): the wait's timer ended it ${fired} times (wait_ended until_reached), expected once`);
      if (fired === 0) lost++;
      if (fired > 1) doubled++;
    }
    if (ctx.expectClosed && count((e) => e.type === 'closed') !== 1) problems.push(`${s.ref} (${s.name}): closed ${count((e) => e.type === 'closed')} times by its feedback window, expected once`);
    if (!['resolved', 'closed'].includes(v.state)) problems.push(`${s.ref} (${s.name}): ends ${v.state}, not resolved or closed`);
  }

  // No item twice: every workItem workflow on the task queue is a story's (or the test's own).
  const known = new Set([...withRef.map((s) => s.ref!), ...(ctx.otherRefs ?? [])]);
  const extra: string[] = [];
  const workflows = new Set<string>();
  for await (const wf of ctx.temporal.workflow.list({ query: `WorkflowType = 'workItem' AND TaskQueue = '${ctx.taskQueue}'` })) {
    workflows.add(wf.workflowId);
    if (!known.has(wf.workflowId) && !extra.includes(wf.workflowId)) extra.push(wf.workflowId);
  }
  for (const ref of known) if (!workflows.has(ref)) problems.push(`${ref}: Temporal lists no workItem workflow for it on the task queue`);
  for (const ref of extra) {
    const r = (await ctx.pool.query('SELECT title, state, version FROM work_items WHERE ref = $1', [ref])).rows[0];
    const owner = stories.find((s) => s.title === r?.title);
    doubled++;
    problems.push(
      `${ref}: a workItem workflow no story acknowledged (a second item for one create?): work_items ${JSON.stringify(r ?? null)}` +
        (owner ? `; ${owner.name} acknowledged ${owner.ref}; its create's attempts: ${history(ctx.http, owner.key('create'))}` : ''),
    );
  }
  const titles = stories.map((s) => s.title);
  const twice = await ctx.pool.query('SELECT title, array_agg(ref ORDER BY ref) AS refs FROM work_items WHERE title = ANY($1) GROUP BY title HAVING count(*) > 1', [titles]);
  for (const r of twice.rows) {
    const already = (r.refs as string[]).every((ref) => known.has(ref) || extra.includes(ref));
    if (!already) doubled++;
    problems.push(`title "${r.title}" has ${r.refs.length} items: ${r.refs.join(', ')}`);
  }

  // The lists: no row older than its item.
  const listed = new Map<string, number>();
  for (let cursor: string | undefined = '0'; cursor !== undefined; ) {
    const answer: any = await ctx.http.send('GET', `/v1/work-items?limit=500&cursor=${cursor}`, { token: ctx.adminToken, label: 'list', deadline: Date.now() + 60_000 });
    if (answer.status !== 200) throw new Error(`GET /v1/work-items: ${answer.status} ${JSON.stringify(answer.body)}`);
    for (const item of answer.body.items) listed.set(item.ref, item.version);
    cursor = answer.body.nextCursor;
  }
  for (const [ref, v] of views) {
    const version = listed.get(ref);
    if (version === undefined) problems.push(`${ref}: not in GET /v1/work-items`);
    else if (version !== v.version) problems.push(`${ref}: GET /v1/work-items shows version ${version}, the item is at ${v.version}`);
  }

  return { stories: stories.length, acknowledged, lost, doubled, problems, views, workflows: workflows.size };
}

/** What the attempts with this key (or label) were answered, in order, repeats folded: `503 x3 -> 409 x40 -> 201`. */
export function history(http: FaultHttp, key: string): string {
  const runs: Array<{ what: string; n: number; ms: number; at: number }> = [];
  for (const a of http.attempts.filter((x) => x.key === key || x.label === key).sort((x, y) => x.startedAt - y.startedAt)) {
    const what = a.status === undefined ? `network error (${a.error})` : `${a.status}${a.status >= 300 ? ` ${(a.body as { error?: string } | undefined)?.error ?? ''}` : ''}`.trim();
    const last = runs[runs.length - 1];
    if (last && last.what === what) (last.n++, (last.ms = Math.max(last.ms, a.durationMs)));
    else runs.push({ what, n: 1, ms: a.durationMs, at: a.startedAt });
  }
  return runs.map((r) => `${new Date(r.at).toISOString().slice(11, 23)} ${r.what}${r.n > 1 ? ` x${r.n}` : ''} (slowest ${r.ms} ms)`).join(' -> ');
}

function instant(value: unknown): number {
  return typeof value === 'string' ? Date.parse(value) : NaN;
}

/**
 * How long after the fault ended the last step caught in it (sent before the end, answered
 * after the start) was acknowledged.
 */
export function recoveryMs(stories: Story[], faultStart: number, faultEnd: number): number {
  let last = faultEnd;
  for (const s of stories) {
    for (const a of [...s.acks, ...s.refusals]) if (a.firstSentAt <= faultEnd && a.ackAt >= faultStart) last = Math.max(last, a.ackAt);
  }
  return last - faultEnd;
}

/** The one-line figure each fault prints. */
export function figure(fault: string, result: CheckResult, extra: Record<string, string | number>, names = { stories: 'stories', acknowledged: 'commands acknowledged' }): string {
  const parts = [`${names.stories} ${result.stories}`, `${names.acknowledged} ${result.acknowledged}`, `lost ${result.lost}`, `doubled ${result.doubled}`, ...(result.workflows !== undefined ? [`items in Temporal ${result.workflows}`] : []), ...Object.entries(extra).map(([k, v]) => `${k} ${v}`)];
  return `[fault] ${fault}: ${parts.join(', ')}`;
}

/**
 * Keys a client was told were still in progress (409 idempotency_in_progress): how many, and
 * the longest time from the first such answer to the key's final answer.
 */
export function keysHeldInProgress(http: FaultHttp): { keys: number; longestMs: number } {
  const byKey = new Map<string, { first409: number; last: number }>();
  for (const a of http.attempts) {
    if (!a.key) continue;
    const entry = byKey.get(a.key);
    const held = a.status === 409 && (a.body as { error?: string } | undefined)?.error === 'idempotency_in_progress';
    if (held && !entry) byKey.set(a.key, { first409: a.startedAt, last: a.startedAt + a.durationMs });
    else if (entry) entry.last = Math.max(entry.last, a.startedAt + a.durationMs);
  }
  return { keys: byKey.size, longestMs: Math.max(0, ...[...byKey.values()].map((e) => e.last - e.first409)) };
}
