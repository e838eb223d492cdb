// The figures GET /metrics reports from PostgreSQL (api/metrics.ts), read at each scrape.

import type pg from 'pg';
import { CLOCK_NAMES } from '../workflows/domain/sla/response-clocks.js';

export class OperationalFigures {
  constructor(private readonly pool: pg.Pool) {}

  /** Work items not closed, by kind and state. */
  async openItems(): Promise<Array<{ kind: string; state: string; n: number }>> {
    const { rows } = await this.pool.query<{ kind: string; state: string; n: number }>("SELECT kind, state, count(*)::int AS n FROM work_items WHERE state <> 'closed' GROUP BY kind, state");
    return rows;
  }

  /** Open work items whose SLA is breached (R39). */
  async breachedOpenItems(): Promise<number> {
    const { rows } = await this.pool.query<{ n: number }>("SELECT count(*)::int AS n FROM work_items WHERE breached AND state <> 'closed'");
    return rows[0].n;
  }

  /** Open work items breached, per clock (R44); every clock is listed, with 0 when none breached. */
  async breachedOpenItemsByClock(): Promise<Array<{ clock: string; n: number }>> {
    const { rows } = await this.pool.query<{ clock: string; n: number }>(
      `SELECT c.clock, count(w.ref)::int AS n FROM unnest($1::text[]) AS c(clock)
       LEFT JOIN work_items w ON c.clock = ANY(w.breached_clocks) AND w.state <> 'closed' GROUP BY c.clock ORDER BY c.clock`,
      [CLOCK_NAMES],
    );
    return rows;
  }

  /** Per queue, the age in seconds of its oldest unassigned `todo` item (since its last change). */
  async oldestTodoAges(): Promise<Array<{ queue: string; age: number }>> {
    const { rows } = await this.pool.query<{ queue: string; age: number }>(
      "SELECT queue, extract(epoch FROM now() - min(updated_at))::float8 AS age FROM work_items WHERE state = 'todo' AND assignee IS NULL AND queue IS NOT NULL GROUP BY queue",
    );
    return rows;
  }

  /** Inbound SMTP messages stored (answered 250) and not taken yet. */
  async pendingInboundMessages(): Promise<number> {
    const { rows } = await this.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM inbound_messages WHERE processed_at IS NULL');
    return rows[0].n;
  }

  /** Outbound emails by delivery state (states without emails are absent). */
  async outboundEmailsByDelivery(): Promise<Array<{ delivery: string; n: number }>> {
    const { rows } = await this.pool.query<{ delivery: string; n: number }>('SELECT delivery, count(*)::int AS n FROM outbound_emails GROUP BY delivery');
    return rows;
  }
}
