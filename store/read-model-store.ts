// The read model as the API reads it: lists (R41), references, links between items and the
// email bookkeeping (deduplication by Message-ID, threads of sent mail).

import type pg from 'pg';
import { allocateLaunchRef } from './item-store.js';
import { abandonedSql } from './service-instance.js';
import type { Kind, State } from '../workflows/domain/item/types.js';
import type { WorkItemSummary } from '../workflows/domain/item/types.js';
import { reachSql, type Reach } from './reach.js';
import type { ClockName } from '../workflows/domain/sla/response-clocks.js';

const PREFIX: Record<Kind, string> = { ticket: 'T', case: 'C', action: 'A' };

/** R46: a caller bounded by queue: its id (its own items, the actions of its cases) and its queues. */
export type { Reach } from './reach.js';


export interface ListFilter {
  kind?: string;
  state?: string;
  states?: string[];
  categoryId?: string;
  assignee?: string;
  unassigned?: boolean;
  queue?: string;
  /** Any clock breached, or one clock (R44). */
  breached?: boolean | ClockName;
  limit?: number;
  cursor?: string;
  /** R46: only the items this bounded caller reaches. */
  reach?: Reach;
}

const SUMMARY_COLUMNS = `ref, kind, state, wait_type AS "waitType", highlighted, assignee, queue, needs_human AS "needsHuman",
  title, category_id AS "categoryId", parent_ref AS "parentRef", due_at AS "dueAt", breached, breached_clocks AS "breachedClocks",
  created_at AS "createdAt", updated_at AS "updatedAt", version`;

export class ReadModelStore {
  constructor(
    private readonly pool: pg.Pool,
    /** This process in service_instances: an email it was taking is taken over once it is gone. */
    private readonly owner?: string,
  ) {}

  /** The next human-readable reference, which is also the workflow id (R1). */
  async nextRef(kind: Kind): Promise<string> {
    const { rows } = await this.pool.query(`SELECT nextval('${kind}_ref_seq') AS n`);
    return `${PREFIX[kind]}-${String(rows[0].n).padStart(6, '0')}`;
  }

  /** `n` next references of a kind in one round trip, in sequence order (an import batch, R43). */
  async nextRefs(kind: Kind, n: number): Promise<string[]> {
    if (n <= 0) return [];
    const { rows } = await this.pool.query<{ n: string }>(`SELECT nextval('${kind}_ref_seq') AS n FROM generate_series(1, $1::int) ORDER BY 1`, [n]);
    return rows.map((r) => `${PREFIX[kind]}-${String(r.n).padStart(6, '0')}`);
  }

  /**
   * The reference of the item a creation with an Idempotency-Key makes: the same every time the
   * request is sent again, so a creation retried after a crash finds the item it started.
   */
  async refForCreation(kind: Kind, idempotencyKey: string): Promise<string> {
    return allocateLaunchRef(this.pool, `create:${idempotencyKey}`, 0, kind);
  }

  /** Sorted by due date (items without one last), then by reference; the cursor is an offset. */
  async list(filter: ListFilter): Promise<{ items: WorkItemSummary[]; nextCursor?: string }> {
    const where: string[] = [];
    const values: unknown[] = [];
    const add = (sql: string, value: unknown) => {
      values.push(value);
      where.push(sql.replace('?', `$${values.length}`));
    };
    if (filter.kind) add('kind = ?', filter.kind);
    if (filter.state) add('state = ?', filter.state);
    if (filter.states) add('state = ANY(?)', filter.states);
    if (filter.categoryId) add('category_id = ?', filter.categoryId);
    if (filter.assignee) add('assignee = ?', filter.assignee);
    if (filter.queue) add('queue = ?', filter.queue);
    if (typeof filter.breached === 'boolean') add('breached = ?', filter.breached);
    else if (filter.breached) add('? = ANY(breached_clocks)', filter.breached);
    if (filter.unassigned) where.push('assignee IS NULL');
    if (filter.reach) {
      values.push(filter.reach.queues, filter.reach.id);
      where.push(reachSql(`$${values.length - 1}`, `$${values.length}`));
    }
    const limit = filter.limit ?? 50;
    const offset = Number(filter.cursor ?? 0);
    const { rows } = await this.pool.query(
      `SELECT ${SUMMARY_COLUMNS} FROM work_items w ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY due_at ASC NULLS LAST, ref ASC LIMIT ${limit + 1} OFFSET ${offset}`,
      values,
    );
    const more = rows.length > limit;
    return { items: rows.slice(0, limit), ...(more ? { nextCursor: String(offset + limit) } : {}) };
  }

  async link(fromRef: string, toRef: string, relation: string): Promise<void> {
    await this.pool.query('INSERT INTO work_item_links (from_ref, to_ref, relation) VALUES ($1,$2,$3) ON CONFLICT DO NOTHING', [fromRef, toRef, relation]);
  }

  /** R30: the item a merged ticket merged into, if it did. */
  async mergedInto(ref: string): Promise<string | undefined> {
    const { rows } = await this.pool.query<{ to_ref: string }>("SELECT to_ref FROM work_item_links WHERE from_ref = $1 AND relation = 'merged_into'", [ref]);
    return rows[0]?.to_ref;
  }

  /** Where each of these items is now (a case's open actions, R27): state and assignee by ref. */
  async statesOf(refs: string[]): Promise<Map<string, { state: State; assignee: string | null }>> {
    if (refs.length === 0) return new Map();
    const { rows } = await this.pool.query<{ ref: string; state: State; assignee: string | null }>('SELECT ref, state, assignee FROM work_items WHERE ref = ANY($1)', [refs]);
    return new Map(rows.map((r) => [r.ref, { state: r.state, assignee: r.assignee }]));
  }

  /** R46: which of these items a bounded caller reaches (an unknown ref is reached by nobody). */
  async reachable(refs: string[], reach: Reach): Promise<Set<string>> {
    if (refs.length === 0) return new Set();
    const { rows } = await this.pool.query<{ ref: string }>(`SELECT w.ref FROM work_items w WHERE w.ref = ANY($1) AND ${reachSql('$2', '$3')}`, [refs, reach.queues, reach.id]);
    return new Set(rows.map((r) => r.ref));
  }

  async linksFrom(ref: string): Promise<string[]> {
    const { rows } = await this.pool.query('SELECT to_ref FROM work_item_links WHERE from_ref = $1 ORDER BY to_ref', [ref]);
    return rows.map((r) => r.to_ref);
  }

  async inboundEmail(messageId: string): Promise<{ ref: string; outcome: string } | undefined> {
    const { rows } = await this.pool.query('SELECT ref, outcome FROM inbound_emails WHERE message_id = $1', [messageId]);
    return rows[0];
  }

  /**
   * Claims a Message-ID before anything is done with it, so that concurrent deliveries of one
   * email have one effect (R34). A claim left pending for two minutes (its request died) is taken
   * over; `ref` is then the item that request may already have started.
   */
  async claimInboundEmail(messageId: string): Promise<{ claimed: boolean; ref: string }> {
    const { rows } = await this.pool.query(
      `INSERT INTO inbound_emails (message_id, ref, outcome, owner) VALUES ($1, '', 'pending', $2)
       ON CONFLICT (message_id) DO UPDATE SET received_at = now(), owner = $2
         WHERE inbound_emails.outcome = 'pending' AND ${abandonedSql('inbound_emails.owner', 'inbound_emails.received_at')}
       RETURNING ref`,
      [messageId, this.owner ?? null],
    );
    return rows[0] ? { claimed: true, ref: rows[0].ref } : { claimed: false, ref: '' };
  }

  /** Notes the item a claimed email is about to start, before its workflow starts. */
  async reserveInboundRef(messageId: string, ref: string): Promise<void> {
    await this.pool.query("UPDATE inbound_emails SET ref = $2 WHERE message_id = $1 AND outcome = 'pending'", [messageId, ref]);
  }

  async completeInboundEmail(messageId: string, ref: string, outcome: string): Promise<void> {
    await this.pool.query('UPDATE inbound_emails SET ref = $2, outcome = $3 WHERE message_id = $1', [messageId, ref, outcome]);
  }

  /** Gives a claim back when taking the email failed, so a redelivery is taken afresh. */
  async releaseInboundEmail(messageId: string): Promise<void> {
    await this.pool.query("DELETE FROM inbound_emails WHERE message_id = $1 AND outcome = 'pending'", [messageId]);
  }

  /** The read-model row of an item, for items whose workflow history Temporal no longer keeps. */
  async summary(ref: string): Promise<{ state: string; categoryId: string | null; queue: string | null } | undefined> {
    const { rows } = await this.pool.query('SELECT state, category_id AS "categoryId", queue FROM work_items WHERE ref = $1', [ref]);
    return rows[0];
  }

  /** The item that sent one of these Message-IDs (a reply's In-Reply-To / References, R34). */
  async refOfSentMessage(messageIds: string[]): Promise<string | undefined> {
    if (messageIds.length === 0) return undefined;
    const { rows } = await this.pool.query('SELECT ref FROM outbound_emails WHERE message_id = ANY($1) ORDER BY queued_at DESC LIMIT 1', [messageIds]);
    return rows[0]?.ref;
  }

  async exists(ref: string): Promise<boolean> {
    const { rowCount } = await this.pool.query('SELECT 1 FROM work_items WHERE ref = $1', [ref]);
    return (rowCount ?? 0) > 0;
  }

  /** Every item not closed, with the version its list row shows (time-skipping mode's catch-up). */
  async openItems(): Promise<Array<{ ref: string; version: number }>> {
    const { rows } = await this.pool.query<{ ref: string; version: number }>("SELECT ref, version FROM work_items WHERE state <> 'closed' ORDER BY ref");
    return rows;
  }
}
