// A steady load of the Queries a UI sends while someone looks at items, straight to Temporal with
// a client (not through the API): the Web UI's `__temporal_workflow_metadata` and `__stack_trace`,
// and the diagnostic `view` (workflows/definitions.ts). Each kind goes at `perSecondEach` a
// second, each Query to the next open item in turn, so every open item is queried again and
// again, whichever worker owns it or none. Bounded in count (`maxQueries`), in time (`maxMs`),
// and in Queries on the wire at once (`maxInFlight`: a Query to an item no worker takes waits
// until its deadline, `deadlineMs`); it stops by itself at either bound, or at `stop()`.

import type { Client } from '@temporalio/client';
import { viewQuery } from '../../../workflows/definitions.js';

export const QUERY_KINDS = ['__temporal_workflow_metadata', '__stack_trace', 'view'] as const;
export type QueryKind = (typeof QUERY_KINDS)[number];

export interface QueryLoadOptions {
  client: Client;
  /** The items to query now (read before each Query). */
  openRefs: () => string[];
  perSecondEach?: number;
  maxQueries?: number;
  maxMs?: number;
  maxInFlight?: number;
  deadlineMs?: number;
}

export interface QueryLoadResult {
  sent: number;
  answered: number;
  failed: number;
  /** Per kind: sent / answered / failed. */
  byKind: Record<QueryKind, { sent: number; answered: number; failed: number }>;
  /** Failures by cause (a short form of the error), most frequent first. */
  failures: Array<[string, number]>;
  /** Queries refused because the run that would answer went past its history (the worker then drops it). */
  refusedPastHistory: number;
  /** Ticks skipped because `maxInFlight` Queries were already on the wire. */
  skipped: number;
  ms: number;
}

/** Every message down an error's chain of causes (a client's ServiceError wraps the gRPC error). */
function messages(error: unknown): string {
  const parts: string[] = [];
  for (let e = error as { message?: unknown; cause?: unknown; details?: unknown } | undefined, depth = 0; e && depth < 5; e = e.cause as typeof e, depth++) {
    parts.push(String(e.message ?? e));
    if (typeof e.details === 'string' && e.details) parts.push(e.details);
  }
  return parts.join(': ');
}

/** A short, stable form of a Query's error, to count causes by. */
function cause(error: unknown): string {
  const message = messages(error);
  if (/went past its history/.test(message)) return 'went past its history (run dropped, Query refused)';
  if (/deadline|timed? ?out|timeout/i.test(message)) return 'deadline exceeded (no worker answered in time)';
  if (/not found|NotFound/i.test(message)) return 'workflow not found';
  if (/nondetermin|TMPRL1100/i.test(message)) return `nondeterminism: ${message.slice(0, 160)}`;
  return `${(error as Error | undefined)?.name ?? 'Error'}: ${message.slice(0, 200)}`;
}

export function startQueryLoad(options: QueryLoadOptions): { stop(): Promise<QueryLoadResult>; result(): QueryLoadResult } {
  const perSecondEach = options.perSecondEach ?? 4;
  const maxQueries = options.maxQueries ?? 20_000;
  const maxMs = options.maxMs ?? 15 * 60_000;
  const maxInFlight = options.maxInFlight ?? 60;
  const deadlineMs = options.deadlineMs ?? 10_000;
  const startedAt = Date.now();
  const byKind = Object.fromEntries(QUERY_KINDS.map((k) => [k, { sent: 0, answered: 0, failed: 0 }])) as QueryLoadResult['byKind'];
  const failures = new Map<string, number>();
  const pending = new Set<Promise<void>>();
  let sent = 0;
  let skipped = 0;
  let next = 0;
  let stopped = false;

  const send = (kind: QueryKind, ref: string) => {
    const handle = options.client.workflow.getHandle(ref);
    const query = () => (kind === 'view' ? handle.query(viewQuery) : handle.query(kind));
    sent++;
    byKind[kind].sent++;
    const p = options.client
      .withDeadline(Date.now() + deadlineMs, query)
      .then(
        () => void byKind[kind].answered++,
        (error: unknown) => {
          byKind[kind].failed++;
          const c = cause(error);
          failures.set(c, (failures.get(c) ?? 0) + 1);
        },
      )
      .finally(() => pending.delete(p));
    pending.add(p);
  };

  const intervals: NodeJS.Timeout[] = [];
  const timers = QUERY_KINDS.map((kind, i) =>
    // The kinds are spread over each period, not sent at the same instant.
    setTimeout(() => {
      const tick = () => {
        if (stopped) return;
        if (sent >= maxQueries || Date.now() - startedAt >= maxMs) return void (stopped = true);
        const refs = options.openRefs();
        if (!refs.length) return;
        if (pending.size >= maxInFlight) return void skipped++;
        send(kind, refs[next++ % refs.length]!);
      };
      tick();
      intervals.push(setInterval(tick, 1000 / perSecondEach));
    }, (i * 1000) / perSecondEach / QUERY_KINDS.length),
  );

  const result = (): QueryLoadResult => {
    const answered = QUERY_KINDS.reduce((n, k) => n + byKind[k].answered, 0);
    const failed = QUERY_KINDS.reduce((n, k) => n + byKind[k].failed, 0);
    return {
      sent,
      answered,
      failed,
      byKind,
      failures: [...failures].sort((a, b) => b[1] - a[1]),
      refusedPastHistory: [...failures].filter(([c]) => c.startsWith('went past its history')).reduce((n, [, v]) => n + v, 0),
      skipped,
      ms: Date.now() - startedAt,
    };
  };

  return {
    result,
    async stop() {
      stopped = true;
      for (const t of timers) clearTimeout(t);
      for (const t of intervals) clearInterval(t);
      await Promise.allSettled([...pending]);
      return result();
    },
  };
}

/** One line for the test's output. */
export function describeQueryLoad(r: QueryLoadResult): string {
  const kinds = QUERY_KINDS.map((k) => `${k} ${r.byKind[k].sent}/${r.byKind[k].answered}/${r.byKind[k].failed}`).join(', ');
  const causes = r.failures.length ? `; failures: ${r.failures.map(([c, n]) => `${n} ${c}`).join('; ')}` : '';
  return `Queries sent ${r.sent}, answered ${r.answered}, failed ${r.failed} in ${(r.ms / 1000).toFixed(0)} s (sent/answered/failed: ${kinds}; ${r.skipped} ticks skipped at the in-flight bound)${causes}`;
}
