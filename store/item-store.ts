// A work item as PostgreSQL keeps it, and the one writer of its tables (work_items,
// timeline_entries, texts, launched_items; its outbound emails are queued in the same statement,
// by outbound-email-store.ts's SQL):
//
// - the item's state by version (`work_items.item`, the domain's WorkItem with the timeline
//   entries not stored yet), written only when newer: by the API from each command's result
//   before it answers, and by the workflow's own store; every read of an item comes from here;
// - its list row (the other columns of work_items), written with the state;
// - the timeline by (ref, seq): the workflow stores its entries and keeps only a tail of those
//   not stored yet, and a view is the stored entries with that tail;
// - its changes (R47): each version stored newer than the last is a row of item_changes,
//   written by the same statement (store/change-feed-store.ts reads them);
// - long texts (note and email bodies, descriptions, reasons), stored once by the hash of their
//   content before the workflow hears of them, so that no Update, Signal or continue-as-new
//   input grows with what people write.

import { createHash } from 'node:crypto';
import type pg from 'pg';
import type { ItemChanges } from '../activities/read-model-types.js';
import type { Kind, TimelineEntry, WorkItem, WorkItemSummary } from '../workflows/domain/item/types.js';
import { toView, type WorkItemView } from '../workflows/domain/item/view.js';
import { QUEUE_EMAILS } from './outbound-email-store.js';
import { reachSql, type Reach } from './reach.js';
import { TEXT_REF_PREFIX } from './text-ref.js';
import { changesHere, ITEM_CHANGES_CHANNEL } from './change-feed-store.js';

export { TEXT_REF_PREFIX };

/** Texts longer than this travel by reference; email bodies always do. */
export const INLINE_TEXT_MAX_CHARS = 512;
const TEXT_FIELDS = new Set(['text', 'body', 'fullBody', 'html', 'description', 'reason', 'mergedTimeline']);
/** Fields stored by reference whatever their length: what an email carries. */
const ALWAYS_STASHED = new Set(['body', 'fullBody', 'html']);
const TEXT_REF = new RegExp(`^${TEXT_REF_PREFIX}([0-9a-f]{64})$`);
/** How many of its latest timeline entries a view shows; the timeline route pages the rest. */
export const VIEW_TIMELINE_ENTRIES = 50;

/**
 * The state and list-row upsert, as the CTE `upserted`; a state never overwrites a newer one. An
 * equal version is the same change, written again by the other writer (the API from an Update's
 * result, the workflow once its store is done, with a shorter tail): either reads the same.
 */
const UPSERTED = `
  upserted AS (
  INSERT INTO work_items (ref, kind, state, wait_type, highlighted, assignee, queue, needs_human, title,
    category_id, parent_ref, due_at, breached, created_at, updated_at, version, item, breached_clocks)
  VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18::text[])
  ON CONFLICT (ref) DO UPDATE SET
    kind = EXCLUDED.kind, state = EXCLUDED.state, wait_type = EXCLUDED.wait_type,
    highlighted = EXCLUDED.highlighted, assignee = EXCLUDED.assignee, queue = EXCLUDED.queue,
    needs_human = EXCLUDED.needs_human, title = EXCLUDED.title, category_id = EXCLUDED.category_id,
    parent_ref = EXCLUDED.parent_ref, due_at = EXCLUDED.due_at, breached = EXCLUDED.breached,
    updated_at = EXCLUDED.updated_at, version = EXCLUDED.version, item = EXCLUDED.item,
    breached_clocks = EXCLUDED.breached_clocks
  WHERE work_items.version <= EXCLUDED.version
  RETURNING ref, version, kind, state, queue, assignee, parent_ref, updated_at, item->'timeline' AS timeline)`;

/**
 * R47: a row of item_changes for each version `upserted` stored that is newer than the one it
 * replaced (the statement's snapshot of work_items is the state before it), once per (ref,
 * version), and a notification to the feed's listeners when there was one. The change names the
 * types of the timeline entries it added, from the state's tail and `stored` (the entries the
 * same statement stores, a JSON array), in order; `updated` when it added none.
 */
function withChanges(stored = "'[]'::jsonb"): string {
  return `, changed AS (
    INSERT INTO item_changes (ref, version, kind, state, queue, assignee, parent_ref, change, entry_types, at)
    SELECT u.ref, u.version, u.kind, u.state, u.queue, u.assignee, u.parent_ref,
      CASE WHEN o.ref IS NULL THEN 'created' ELSE COALESCE(t.types[1], 'updated') END, COALESCE(t.types, '{}'), u.updated_at
    FROM upserted u
    LEFT JOIN work_items o ON o.ref = u.ref
    CROSS JOIN LATERAL (
      SELECT array_agg(x.type ORDER BY x.first) AS types FROM (
        SELECT e->>'type' AS type, min((e->>'seq')::int) AS first
        FROM (SELECT u.timeline AS a UNION ALL SELECT ${stored}) arrays, jsonb_array_elements(arrays.a) AS e
        WHERE (e->>'seq')::int > COALESCE((o.item->>'timelineLength')::int, 0)
        GROUP BY 1) x
    ) t
    WHERE o.version IS NULL OR o.version < u.version
    ON CONFLICT (ref, version) DO NOTHING
    RETURNING 1
  )
  SELECT pg_notify('${ITEM_CHANGES_CHANNEL}', '') FROM (SELECT 1 FROM changed LIMIT 1) c`;
}

const UPSERT_ITEM = `WITH ${UPSERTED}${withChanges()}`;

/** UPSERT_ITEM's one row of values, which saveMany replaces with many; its parameters a row. */
const UPSERT_ONE_ROW = 'VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18::text[])';
const ITEM_PARAMS = 18;
/** Rows a statement of saveMany writes at most (PostgreSQL takes up to 65,535 parameters). */
const SAVE_MANY_ROWS = 1000;
if (!UPSERT_ITEM.includes(UPSERT_ONE_ROW)) throw new Error('UPSERT_ITEM changed: update UPSERT_ONE_ROW');

function itemParams(s: WorkItemSummary, item: WorkItem): unknown[] {
  return [s.ref, s.kind, s.state, s.waitType, s.highlighted, s.assignee, s.queue, s.needsHuman, s.title,
    s.categoryId, s.parentRef, s.dueAt, s.breached, s.createdAt, s.updatedAt, s.version, JSON.stringify(item), s.breachedClocks];
}

/**
 * The ref of the item that `origin` launches as its `launchId`-th: taken from the sequence the
 * first time, the same ref every later time (a launch retried after a crash, R1).
 */
export async function allocateLaunchRef(pool: pg.Pool, origin: string, launchId: number, kind: Kind): Promise<string> {
  const prefix = { ticket: 'T', case: 'C', action: 'A' }[kind];
  // The sequence is read only when no ref was given yet, so a retried launch uses up no number.
  const launched = () =>
    pool.query<{ ref: string }>(
      `WITH existing AS (SELECT ref FROM launched_items WHERE origin_ref = $1 AND launch_id = $2),
       inserted AS (
         INSERT INTO launched_items (origin_ref, launch_id, ref)
         SELECT $1, $2, '${prefix}-' || lpad(nextval('${kind}_ref_seq')::text, 6, '0') WHERE NOT EXISTS (SELECT 1 FROM existing)
         ON CONFLICT (origin_ref, launch_id) DO NOTHING
         RETURNING ref
       )
       SELECT ref FROM existing UNION ALL SELECT ref FROM inserted`,
      [origin, launchId],
    );
  // Two first launches at once: one inserts, the other finds nothing yet and looks again.
  const rows = (await launched()).rows;
  return (rows[0] ?? (await launched()).rows[0])!.ref;
}

export class ItemStore {
  constructor(private readonly pool: pg.Pool) {}

  /** `value` with every long text field replaced by a reference, the texts stored first. */
  async stashLongTexts<T>(value: T): Promise<T> {
    const texts = new Map<string, string>();
    const stashed = mapTextFields(value, (text, field) => {
      if (!ALWAYS_STASHED.has(field) && text.length <= INLINE_TEXT_MAX_CHARS) return text; // email bodies always go
      const id = createHash('sha256').update(text).digest('hex');
      texts.set(id, text);
      return TEXT_REF_PREFIX + id;
    });
    if (texts.size) {
      await this.pool.query('INSERT INTO texts (id, body) SELECT * FROM unnest($1::text[], $2::text[]) ON CONFLICT (id) DO NOTHING', [
        [...texts.keys()],
        [...texts.values()],
      ]);
    }
    return stashed;
  }

  /** Stores a value as one text (a merged ticket's timeline, R30); its reference travels instead. */
  async stashJson(value: unknown): Promise<string> {
    const text = JSON.stringify(value);
    const id = createHash('sha256').update(text).digest('hex');
    await this.pool.query('INSERT INTO texts (id, body) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING', [id, text]);
    return TEXT_REF_PREFIX + id;
  }

  /** Writes an item's state and list row, unless a newer version is there already. */
  async save(item: WorkItem, summary: WorkItemSummary): Promise<void> {
    noticed(await this.pool.query(UPSERT_ITEM, itemParams(summary, item)));
  }

  /**
   * `save` for many items in one statement per SAVE_MANY_ROWS (an import batch, R43): each row
   * written unless a newer version is there already.
   */
  async saveMany(rows: Array<{ item: WorkItem; summary: WorkItemSummary }>): Promise<void> {
    for (let i = 0; i < rows.length; i += SAVE_MANY_ROWS) {
      const chunk = rows.slice(i, i + SAVE_MANY_ROWS);
      const values = chunk.map((_, r) => `(${Array.from({ length: ITEM_PARAMS }, (_, c) => `$${r * ITEM_PARAMS + c + 1}${c === ITEM_PARAMS - 1 ? '::text[]' : ''}`).join(',')})`).join(',');
      noticed(await this.pool.query(UPSERT_ITEM.replace(UPSERT_ONE_ROW, `VALUES ${values}`), chunk.flatMap((row) => itemParams(row.summary, row.item))));
    }
  }

  /**
   * The workflow's store, in one statement (one round trip, one transaction): its timeline
   * entries, the tags and delivery outcomes of entries stored earlier, its outbound emails, and
   * its state with its list row. Every part is idempotent, so a store retried after a crash
   * changes nothing. Data-modifying CTEs share one snapshot: a tag or a delivery outcome applies
   * to entries stored by an earlier call (entries in this batch carry theirs already), and both
   * go in one UPDATE, as a row may be modified once per statement.
   */
  async recordChanges({ item, summary, entries, resolutionTags, emails, deliveries }: ItemChanges): Promise<void> {
    const result = await this.pool.query(
      `WITH entries AS (
         INSERT INTO timeline_entries (ref, seq, entry)
         SELECT $1, (e->>'seq')::int, e FROM jsonb_array_elements($19::jsonb) AS e
         ON CONFLICT (ref, seq) DO NOTHING
       ), deliveries AS (
         SELECT d.seq, jsonb_strip_nulls(jsonb_build_object('delivery', d.delivery, 'error', d.error)) AS mark
         FROM jsonb_to_recordset($22::jsonb) AS d(seq int, delivery text, error text)
       ), marks AS (
         UPDATE timeline_entries t
         SET entry = t.entry
           || CASE WHEN t.seq = ANY($20::int[]) THEN '{"isResolution": true}'::jsonb ELSE '{}'::jsonb END
           || COALESCE((SELECT d.mark FROM deliveries d WHERE d.seq = t.seq LIMIT 1), '{}'::jsonb)
         WHERE t.ref = $1 AND (t.seq = ANY($20::int[]) OR t.seq IN (SELECT seq FROM deliveries))
       ), emails AS (
         ${QUEUE_EMAILS('$21')}
       ), ${UPSERTED}${withChanges('$19::jsonb')}`,
      [...itemParams(summary, item), JSON.stringify(entries), resolutionTags, JSON.stringify(emails), JSON.stringify(deliveries)],
    );
    noticed(result);
  }

  /** The item's stored state, or undefined when there is no such item. */
  async item(ref: string): Promise<WorkItem | undefined> {
    const { rows } = await this.pool.query<{ item: WorkItem | null }>('SELECT item FROM work_items WHERE ref = $1', [ref]);
    return rows[0]?.item ?? undefined;
  }

  /** How many items there are (the rebuild tool's before/after line). */
  async count(): Promise<number> {
    return (await this.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM work_items')).rows[0].n;
  }

  /** The stored state of every item not closed (time-skipping mode's catch-up). */
  async openItems(): Promise<WorkItem[]> {
    const { rows } = await this.pool.query<{ item: WorkItem }>("SELECT item FROM work_items WHERE state <> 'closed' AND item IS NOT NULL ORDER BY ref");
    return rows.map((r) => r.item);
  }

  /** Forgets items whose workflows were ended before they did anything (an import batch undone, R43). */
  async forget(refs: string[]): Promise<void> {
    await this.pool.query('DELETE FROM work_items WHERE ref = ANY($1)', [refs]);
  }

  /**
   * The item's view at `now`, from its stored state: undefined when there is no such item. One
   * statement reads the state and its latest stored entries (a read is one round trip).
   */
  async view(ref: string, now: Date): Promise<WorkItemView | undefined> {
    const { rows } = await this.pool.query<{ item: WorkItem | null; entries: Array<{ entry: TimelineEntry }> }>(
      `SELECT w.item, (
         SELECT coalesce(jsonb_agg(jsonb_build_object('entry', t.entry)), '[]'::jsonb)
         FROM (SELECT entry FROM timeline_entries
               WHERE ref = w.ref AND seq <= (w.item->>'timelineLength')::int
               ORDER BY seq DESC LIMIT $2) t
       ) AS entries
       FROM work_items w WHERE w.ref = $1`,
      [ref, VIEW_TIMELINE_ENTRIES],
    );
    const item = rows[0]?.item;
    return item ? this.presentFrom(item, now, merged(item, rows[0]!.entries, LATEST)) : undefined;
  }

  /**
   * The view of an item's state at `now`: the figures that move with the clock figured then, and
   * its latest VIEW_TIMELINE_ENTRIES entries (stored ones and the state's tail), texts in place.
   */
  async present(item: WorkItem, now: Date): Promise<WorkItemView> {
    return this.presentFrom(item, now, await this.entries(item, LATEST));
  }

  private async presentFrom(item: WorkItem, now: Date, timeline: TimelineEntry[]): Promise<WorkItemView> {
    const { resolutionTags: _, deliveryUpdates: __, ...view } = toView(item, now);
    const full = await this.resolveTexts({ ...view, timeline });
    return { ...full, timeline: full.timeline.map(withMergedTimeline) };
  }

  /**
   * R45: the items created in [from, to) of a category or queue (a bounded caller's reach only), a
   * page at a time in ref order, so a simulation over a long period holds one page.
   */
  async *itemsCreatedBetween(f: { categoryId?: string; queue?: string; from: Date; to: Date; reach?: Reach }, pageSize = 200): AsyncGenerator<{ item: WorkItem; queue: string | null }> {
    for (let after = ''; ; ) {
      const values: unknown[] = [f.from, f.to, after, pageSize];
      const where = ['w.created_at >= $1', 'w.created_at < $2', 'w.ref > $3', 'w.item IS NOT NULL'];
      if (f.categoryId) where.push(`w.category_id = $${values.push(f.categoryId)}`);
      if (f.queue) where.push(`w.queue = $${values.push(f.queue)}`);
      if (f.reach) {
        values.push(f.reach.queues, f.reach.id);
        where.push(reachSql(`$${values.length - 1}`, `$${values.length}`));
      }
      const { rows } = await this.pool.query<{ item: WorkItem; queue: string | null }>(
        `SELECT w.item, w.queue FROM work_items w WHERE ${where.join(' AND ')} ORDER BY w.ref LIMIT $4`,
        values,
      );
      yield* rows;
      if (rows.length < pageSize) return;
      after = rows.at(-1)!.item.ref;
    }
  }

  /** R45: the item's whole timeline in order, a page at a time, texts left as stored (a simulation reads only types and instants). */
  async *story(item: WorkItem, pageSize = 500): AsyncGenerator<TimelineEntry> {
    for (let after = 0; after < item.timelineLength; ) {
      const page = await this.entries(item, { after, first: pageSize });
      if (page.length === 0) return;
      yield* page;
      after = page.at(-1)!.seq;
    }
  }

  /** Entries after `after`, at most `limit`; undefined when there is no such item. */
  async page(ref: string, after: number, limit: number): Promise<{ entries: TimelineEntry[]; nextAfter?: number } | undefined> {
    const item = await this.item(ref);
    if (!item) return undefined;
    const entries = await this.entries(item, { after, first: limit });
    const last = entries.at(-1)?.seq;
    return { entries: (await this.resolveTexts(entries)).map(withMergedTimeline), ...(last !== undefined && last < item.timelineLength ? { nextAfter: last } : {}) };
  }

  /** Every entry of the item's timeline, in order (a merged ticket's, R30). */
  async allEntries(item: WorkItem): Promise<TimelineEntry[]> {
    return (await this.resolveTexts(await this.entries(item, { after: 0, first: Number.MAX_SAFE_INTEGER }))).map(withMergedTimeline);
  }

  /**
   * A run of the state's timeline: its stored entries (with the tags and delivery outcomes the
   * state has not stored yet applied) and the entries of its tail not stored, by seq. Every entry
   * older than the tail is stored (the workflow drops an entry from its tail once it is), so the
   * two together are the whole timeline up to the state's version.
   */
  private async entries(item: WorkItem, range: Range): Promise<TimelineEntry[]> {
    const upTo = item.timelineLength;
    const { rows } =
      'first' in range
        ? await this.pool.query<{ entry: TimelineEntry }>('SELECT entry FROM timeline_entries WHERE ref = $1 AND seq > $2 AND seq <= $3 ORDER BY seq LIMIT $4', [item.ref, range.after, upTo, Math.min(range.first, 1_000_000)])
        : await this.pool.query<{ entry: TimelineEntry }>('SELECT entry FROM timeline_entries WHERE ref = $1 AND seq < $2 AND seq <= $3 ORDER BY seq DESC LIMIT $4', [item.ref, range.before ?? upTo + 1, upTo, range.last]);
    return merged(item, rows, range);
  }

  private async resolveTexts<T>(value: T): Promise<T> {
    const ids = new Set<string>();
    forEachTextField(value, (text) => {
      const id = TEXT_REF.exec(text)?.[1];
      if (id) ids.add(id);
    });
    if (ids.size === 0) return value;
    const { rows } = await this.pool.query<{ id: string; body: string }>('SELECT id, body FROM texts WHERE id = ANY($1::text[])', [[...ids]]);
    const bodies = new Map(rows.map((r) => [r.id, r.body]));
    return mapTextFields(value, (text) => bodies.get(TEXT_REF.exec(text)?.[1] ?? '') ?? text);
  }
}

/** Tells this process's feed readers that a statement stored a change (its notification row). */
function noticed(result: pg.QueryResult): void {
  if (result.rowCount) changesHere.emit('change');
}

/** R30: a `merged_in` entry carries the merged ticket's entries, stored as one JSON text. */
function withMergedTimeline(entry: TimelineEntry): TimelineEntry {
  if (entry.type !== 'merged_in' || typeof entry.mergedTimeline !== 'string' || entry.mergedTimeline.startsWith(TEXT_REF_PREFIX)) return entry;
  const { mergedTimeline, ...rest } = entry;
  return { ...rest, timeline: JSON.parse(mergedTimeline) as TimelineEntry[] } as TimelineEntry;
}

/** Calls `f` on every string under a text field's name, copying nothing. */
function forEachTextField(value: unknown, f: (text: string) => void, key?: string): void {
  if (typeof value === 'string') {
    if (key !== undefined && TEXT_FIELDS.has(key)) f(value);
  } else if (Array.isArray(value)) {
    for (const x of value) forEachTextField(x, f, key);
  } else if (value && typeof value === 'object') {
    for (const [k, x] of Object.entries(value)) forEachTextField(x, f, k);
  }
}

/** A copy of `value` with `f` applied to every string under a text field's name. */
function mapTextFields<T>(value: T, f: (text: string, field: string) => string): T {
  const walk = (v: unknown, key?: string): unknown => {
    if (typeof v === 'string') return key !== undefined && TEXT_FIELDS.has(key) ? f(v, key) : v;
    if (Array.isArray(v)) return v.map((x) => walk(x, key));
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x, k)]));
    return v;
  };
  return walk(value) as T;
}

/** A run of a timeline: from an entry on, or the last ones before an entry (by default, the latest). */
type Range = { after: number; first: number } | { before?: number; last: number };
const LATEST: Range = { last: VIEW_TIMELINE_ENTRIES };

/**
 * A run of the state's timeline from its stored entries `rows` (with the tags and delivery
 * outcomes the state has not stored yet applied) and the entries of its tail not stored, by seq.
 */
function merged(item: WorkItem, rows: Array<{ entry: TimelineEntry }>, range: Range): TimelineEntry[] {
  const tags = new Set(item.resolutionTags);
  const deliveries = new Map((item.deliveryUpdates ?? []).map((u) => [u.seq, u]));
  const bySeq = new Map<number, TimelineEntry>();
  for (const { entry } of rows) {
    const delivery = deliveries.get(entry.seq);
    const tagged = tags.has(entry.seq) ? { ...entry, isResolution: true } : entry;
    bySeq.set(entry.seq, delivery ? { ...tagged, delivery: delivery.delivery, ...(delivery.error !== undefined ? { error: delivery.error } : {}) } : tagged);
  }
  for (const entry of item.timeline) if (!bySeq.has(entry.seq)) bySeq.set(entry.seq, entry);
  const all = [...bySeq.values()].sort((a, b) => a.seq - b.seq);
  if ('first' in range) return all.filter((e) => e.seq > range.after).slice(0, range.first);
  const before = range.before ?? item.timelineLength + 1;
  return all.filter((e) => e.seq < before).slice(-range.last);
}
