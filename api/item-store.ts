// The parts of a work item kept in PostgreSQL rather than in its workflow, as the API sees them:
//
// - long texts (note and email bodies, descriptions, reasons) are stored once by the hash of
//   their content before the workflow hears of them, and travel through Temporal as a short
//   reference, so no Update, Signal or continue-as-new input grows with what people write;
// - the timeline: the workflow stores its entries by (ref, seq) and keeps only a tail of those
//   not stored yet. The API composes the full view from both, so a view never lags a command;
// - the summary row of the lists, written from every command's result (already in history).

import { createHash } from 'node:crypto';
import type pg from 'pg';
import { UPSERT_SUMMARY, summaryParams } from '../activities/read-model.js';
import type { TimelineEntry } from '../workflows/domain/item/types.js';
import { summaryOfView, type WorkItemView } from '../workflows/domain/item/view.js';

/** Texts longer than this travel by reference; email bodies always do. */
export const INLINE_TEXT_MAX_CHARS = 512;
/** A stored text's reference: a private-use character the API refuses in input, then the hash. */
export const TEXT_REF_PREFIX = '\uE000text:';
const TEXT_FIELDS = new Set(['text', 'body', 'fullBody', 'html', 'description', 'reason', 'mergedTimeline']);
/** Fields stored by reference whatever their length: what an email carries. */
const ALWAYS_STASHED = new Set(['body', 'fullBody', 'html']);
const TEXT_REF = new RegExp(`^${TEXT_REF_PREFIX}([0-9a-f]{64})$`);

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

  /** The full view: stored entries, then the workflow's tail, with every text in place. */
  async compose(view: WorkItemView): Promise<WorkItemView> {
    const { resolutionTags: _, deliveryUpdates: __, ...rest } = view;
    const stored = await this.storedEntries(view, 0, Number.MAX_SAFE_INTEGER);
    const full = await this.resolveTexts({ ...rest, timeline: [...stored, ...view.timeline] });
    return { ...full, timeline: full.timeline.map(withMergedTimeline) };
  }

  /** Entries after `after`, at most `limit`: from storage, then from the workflow's tail. */
  async page(view: WorkItemView, after: number, limit: number): Promise<{ entries: TimelineEntry[]; nextAfter?: number }> {
    const stored = await this.storedEntries(view, after, limit);
    const entries = [...stored, ...view.timeline.filter((e) => e.seq > after)].slice(0, limit);
    const last = entries.at(-1)?.seq;
    return { entries: (await this.resolveTexts(entries)).map(withMergedTimeline), ...(last !== undefined && last < view.timelineLength ? { nextAfter: last } : {}) };
  }

  /** Writes the list row of a view the workflow returned (its change is in history already). */
  async mirror(view: WorkItemView): Promise<void> {
    await this.pool.query(UPSERT_SUMMARY, summaryParams(summaryOfView(view)));
  }

  /** Stored entries after `after` and before the view's tail, with the tags still pending applied. */
  private async storedEntries(view: WorkItemView, after: number, limit: number): Promise<TimelineEntry[]> {
    const tailFrom = view.timeline[0]?.seq ?? view.timelineLength + 1;
    if (after + 1 >= tailFrom) return [];
    const { rows } = await this.pool.query<{ entry: TimelineEntry }>(
      'SELECT entry FROM timeline_entries WHERE ref = $1 AND seq > $2 AND seq < $3 ORDER BY seq LIMIT $4',
      [view.ref, after, tailFrom, limit],
    );
    const tags = new Set(view.resolutionTags ?? []);
    const deliveries = new Map((view.deliveryUpdates ?? []).map((u) => [u.seq, u]));
    return rows.map(({ entry }) => {
      const delivery = deliveries.get(entry.seq);
      const tagged = tags.has(entry.seq) ? { ...entry, isResolution: true } : entry;
      return delivery ? { ...tagged, delivery: delivery.delivery, ...(delivery.error !== undefined ? { error: delivery.error } : {}) } : tagged;
    });
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
