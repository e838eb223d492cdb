// R47: the change feed. Every stored version of an item is a row of item_changes, written by the
// statement that stores it (store/item-store.ts). A row gets its feed position after it commits
// (sequence_item_changes, migration 014), so positions follow the order in which changes became
// visible and a cursor never skips a change that commits late. A cursor is a position: the
// changes after it are the ones not seen yet.

import { EventEmitter } from 'node:events';
import type pg from 'pg';
import type { Kind, State } from '../workflows/domain/item/types.js';
import { listenOn } from './pg-listener.js';
import { reachSql, type Reach } from './reach.js';

/** The channel the storing statement notifies on commit (one notification per statement). */
export const ITEM_CHANGES_CHANNEL = 'item_changes';

export interface ItemChange {
  cursor: string;
  ref: string;
  version: number;
  kind: Kind;
  state: State;
  queue: string | null;
  /** What the change did: the type of its first new timeline entry (`created` for a new item, `updated` for none). */
  change: string;
  /** The types of every timeline entry it added, in order. */
  entryTypes: string[];
  at: string;
}

export interface FeedPage {
  changes: ItemChange[];
  nextCursor: string;
}

/** A cursor older than what retention kept. */
export class CursorExpired extends Error {
  constructor(readonly oldestCursor: string) {
    super(`The changes after this cursor were pruned; the oldest cursor there is: ${oldestCursor}.`);
  }
}

export interface FeedFilter {
  reach?: Reach;
  /** Only changes of items in these queues (a webhook's `queues`). */
  queues?: string[];
  /** Only changes that added an entry of one of these types, or whose `change` is one (a webhook's `events`). */
  events?: string[];
}

/** A row of item_changes as read: the change's fields, its position and entry types by their column names (`at` is ISO text, store/db/pool.ts). */
type Row = Omit<ItemChange, 'cursor' | 'entryTypes'> & { position: string; entry_types: string[] };

/** Changes committed in this process: what wakes a waiting reader when nothing can LISTEN (PGlite, one connection). */
export const changesHere = new EventEmitter().setMaxListeners(0);

export class ChangeFeedStore {
  constructor(private readonly pool: pg.Pool) {}

  /** Gives positions to the changes committed since; answers the feed's head. */
  async sequence(): Promise<bigint> {
    const { rows } = await this.pool.query<{ head: string }>('SELECT sequence_item_changes() AS head');
    return BigInt(rows[0]!.head);
  }

  /**
   * Up to `limit` changes after `after` that pass `filter`, in feed order, and the cursor to
   * read on from: past every change scanned, seen or filtered out. Throws CursorExpired when
   * retention pruned changes after `after`.
   */
  async read(after: bigint, limit: number, filter: FeedFilter = {}): Promise<FeedPage> {
    await this.sequence();
    const params: unknown[] = [after.toString(), limit];
    const where: string[] = [];
    if (filter.reach) {
      params.push(filter.reach.queues, filter.reach.id);
      where.push(reachSql(`$${params.length - 1}`, `$${params.length}`));
    }
    if (filter.queues) {
      params.push(filter.queues);
      where.push(`w.queue = ANY($${params.length}::text[])`);
    }
    if (filter.events) {
      params.push(filter.events);
      where.push(`(w.change = ANY($${params.length}::text[]) OR w.entry_types && $${params.length}::text[])`);
    }
    // One statement, one snapshot: the head and the rows agree, so a short page's cursor (the
    // head) skips nothing that a later read would find below it.
    const { rows } = await this.pool.query<Row & { head: string; pruned_through: string }>(
      `WITH feed AS (SELECT head, pruned_through FROM change_feed)
       SELECT f.head, f.pruned_through, w.position, w.ref, w.version, w.kind, w.state, w.queue, w.change, w.entry_types, w.at
       FROM feed f
       LEFT JOIN LATERAL (
         SELECT * FROM item_changes w
         WHERE w.position > $1 AND w.position <= f.head ${where.map((c) => `AND ${c}`).join(' ')}
         ORDER BY w.position LIMIT $2
       ) w ON true
       ORDER BY w.position`,
      params,
    );
    const feed = rows[0]!;
    if (after < BigInt(feed.pruned_through)) throw new CursorExpired(feed.pruned_through);
    const changes = rows.filter((r) => r.position !== null).map(toChange);
    const nextCursor = changes.length === limit ? changes.at(-1)!.cursor : (after > BigInt(feed.head) ? after : BigInt(feed.head)).toString();
    return { changes, nextCursor };
  }

  /** Removes sequenced changes committed before `before`; answers how many. */
  async prune(before: Date): Promise<number> {
    const { rows } = await this.pool.query<{ n: string }>(
      `WITH gone AS (
         DELETE FROM item_changes WHERE position IS NOT NULL AND committed_at < $1 RETURNING position
       ), moved AS (
         UPDATE change_feed SET pruned_through = GREATEST(pruned_through, (SELECT max(position) FROM gone))
         WHERE EXISTS (SELECT 1 FROM gone) RETURNING 1
       )
       SELECT count(*) AS n FROM gone`,
      [before],
    );
    return Number(rows[0]!.n);
  }
}

/** How long the feed keeps a change (CHANGE_FEED_RETENTION_DAYS, default 30). */
export function changeFeedRetentionMs(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.CHANGE_FEED_RETENTION_DAYS;
  if (raw === undefined || raw === '') return 30 * 86_400_000;
  const days = Number(raw);
  if (!(days > 0)) throw new Error(`CHANGE_FEED_RETENTION_DAYS must be a number of days above 0 (it is "${raw}").`);
  return days * 86_400_000;
}

function toChange(r: Row): ItemChange {
  return { cursor: String(r.position), ref: r.ref, version: r.version, kind: r.kind, state: r.state, queue: r.queue, change: r.change, entryTypes: r.entry_types, at: r.at };
}

/**
 * Calls `onChange` when changes commit: in this process (`changesHere`), and, given a database
 * URL (a pool of more than one connection), anywhere (LISTEN, store/pg-listener.ts). Answers the
 * function that stops listening.
 */
export async function listenForItemChanges(databaseUrl: string | undefined, onChange: () => void): Promise<() => Promise<void>> {
  changesHere.on('change', onChange);
  const stop = databaseUrl ? await listenOn(databaseUrl, ITEM_CHANGES_CHANNEL, { notified: onChange }) : async () => undefined;
  return async () => {
    changesHere.off('change', onChange);
    await stop();
  };
}
