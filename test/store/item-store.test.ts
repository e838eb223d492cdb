// The item store against a real PostgreSQL: an item's state and list row by version (two writers,
// the API from an Update's result and the workflow's store, either arriving late), the workflow's
// store written once whatever its retries, and views read from the stored state alone: the latest
// entries of a long timeline, the tail the workflow has not stored yet, and pages of the rest.

import { afterAll, beforeAll, expect, it } from 'vitest';
import { inject } from 'vitest';
import type pg from 'pg';
import { migrate } from '../../store/db/migrate.js';
import { createPool } from '../../store/db/pool.js';
import { ItemStore, VIEW_TIMELINE_ENTRIES } from '../../store/item-store.js';
import { applyCommand, createWorkItem } from '../../workflows/domain/rules/transitions.js';
import type { TimelineEntry, WorkItem } from '../../workflows/domain/item/types.js';
import { toSummary } from '../../workflows/domain/item/view.js';
import { freshDatabase, type FreshDatabase } from '../support/db.js';
import { after, alice, MINUTE, T0, ticketInput } from '../unit/fixtures.js';

let db: FreshDatabase;
let pool: pg.Pool;
let items: ItemStore;

beforeAll(async () => {
  db = await freshDatabase(inject('databaseUrl'));
  pool = createPool(db.url);
  await migrate(pool);
  items = new ItemStore(pool);
});
afterAll(async () => {
  await pool?.end();
  await db?.drop();
});

/** A ticket picked up by alice with `notes` notes, as its workflow holds it (every entry in its tail). */
function ticketWithNotes(ref: string, notes: number): WorkItem {
  let item = applyCommand(createWorkItem(ticketInput({ ref, submit: true }), T0), alice, { type: 'pickUp' }, after(MINUTE));
  for (let i = 1; i <= notes; i++) item = applyCommand(item, alice, { type: 'addNote', text: `note ${i}` }, after(MINUTE + i));
  return item;
}

/** What the workflow's store leaves in its state: nothing in the tail, everything in timeline_entries. */
async function storeAll(item: WorkItem): Promise<WorkItem> {
  const stored: WorkItem = { ...item, timeline: [], outbox: [], resolutionTags: [], deliveryUpdates: [] };
  await items.recordChanges({ item: stored, summary: toSummary(item, T0), entries: item.timeline, resolutionTags: item.resolutionTags, emails: item.outbox, deliveries: item.deliveryUpdates ?? [] });
  return stored;
}

const noteTexts = (timeline: TimelineEntry[]) => timeline.flatMap((e) => (e.type === 'note' && String(e.text).startsWith('note ') ? [String(e.text)] : []));

it('R41: an item\'s state and list row take newer versions and ignore an older one that arrives late', async () => {
  const v1 = ticketWithNotes('T-000001', 0);
  const v3 = ticketWithNotes('T-000001', 2);
  const v2 = ticketWithNotes('T-000001', 1);
  await items.save(v1, toSummary(v1, T0));
  await items.save(v3, toSummary(v3, T0));
  await items.save(v2, toSummary(v2, T0)); // late
  await items.save(v3, toSummary(v3, T0)); // the same change written again (the other writer)
  const { rows } = await pool.query('SELECT state, version FROM work_items WHERE ref = $1', ['T-000001']);
  expect(rows).toEqual([{ state: 'in_progress', version: v3.version }]);
  expect((await items.item('T-000001'))?.version).toBe(v3.version);
});

it('R41: migrations are idempotent: running them again applies nothing', async () => {
  expect(await migrate(pool)).toEqual([]);
});

it('R42: recordChanges stores timeline entries once by (ref, seq), tags stored entries, queues each email once, and a retry changes nothing', async () => {
  const ref = 'T-000002';
  const base = ticketWithNotes(ref, 0);
  const note = (seq: number) => ({ seq, at: '2026-03-02T09:00:00.000Z', by: 'alice', type: 'note' as const, text: `note ${seq}`, isResolution: false });
  const email = { messageId: `<${ref}.3@work-items.invalid>`, ref, to: ['ann@example.com'], subject: 'Paid', body: 'It is paid.', isResolution: false };
  const item = (version: number): WorkItem => ({ ...base, timeline: [], version });
  const first = { item: item(1), summary: { ...toSummary(base, T0), version: 1 }, entries: [note(1), note(2)], resolutionTags: [], emails: [email], deliveries: [] };
  await items.recordChanges(first);
  await items.recordChanges(first); // an activity retried after a crash
  const second = { item: { ...item(2), state: 'closed' as const }, summary: { ...toSummary(base, T0), state: 'closed' as const, version: 2 }, entries: [note(3)], resolutionTags: [2], emails: [], deliveries: [] };
  await items.recordChanges(second);
  await items.recordChanges(second);
  const { rows: entries } = await pool.query('SELECT seq, entry FROM timeline_entries WHERE ref = $1 ORDER BY seq', [ref]);
  expect(entries.map((r) => [r.seq, r.entry.text, r.entry.isResolution])).toEqual([[1, 'note 1', false], [2, 'note 2', true], [3, 'note 3', false]]);
  expect((await pool.query('SELECT message_id, recipients, body FROM outbound_emails WHERE ref = $1', [ref])).rows).toEqual([
    { message_id: email.messageId, recipients: ['ann@example.com'], body: 'It is paid.' },
  ]);
  expect((await pool.query('SELECT state, version FROM work_items WHERE ref = $1', [ref])).rows).toEqual([{ state: 'closed', version: 2 }]);
});

it('api.md view: a view read from PostgreSQL holds the latest 50 entries of 10,000 and counts them all; the timeline route pages every one', async () => {
  const ref = 'T-000003';
  const stored = await storeAll(ticketWithNotes(ref, 10_000));
  const view = (await items.view(ref, after(MINUTE * 5)))!;
  expect(view.timelineCount).toBe(stored.timelineLength);
  expect(view.timeline).toHaveLength(VIEW_TIMELINE_ENTRIES);
  expect(view.timeline.map((e) => e.seq)).toEqual(Array.from({ length: VIEW_TIMELINE_ENTRIES }, (_, i) => stored.timelineLength - VIEW_TIMELINE_ENTRIES + 1 + i));
  expect(noteTexts(view.timeline).at(-1)).toBe('note 10000');
  const bytes = Buffer.byteLength(JSON.stringify(view));
  console.log(`api.md view: the view of an item with 10,000 notes is ${bytes} bytes (its latest ${view.timeline.length} of ${view.timelineCount} entries)`);
  expect(bytes).toBeLessThan(64 * 1024);
  const seqs: number[] = [];
  for (let after = 0; ; ) {
    const page = (await items.page(ref, after, 500))!;
    seqs.push(...page.entries.map((e) => e.seq));
    if (page.nextAfter === undefined) break;
    after = page.nextAfter;
  }
  expect(seqs).toEqual(Array.from({ length: stored.timelineLength }, (_, i) => i + 1));
});

it('R42: a view shows the entries the workflow has not stored yet (its state\'s tail) after the stored ones, each once', async () => {
  const ref = 'T-000004';
  const stored = await storeAll(ticketWithNotes(ref, 3));
  // Two more notes answered by Updates: the API stores the state with its tail of two entries.
  let item = applyCommand(stored, alice, { type: 'addNote', text: 'note 4' }, after(MINUTE * 2));
  item = applyCommand(item, alice, { type: 'addNote', text: 'note 5' }, after(MINUTE * 3));
  await items.save(item, toSummary(item, T0));
  const view = (await items.view(ref, after(MINUTE * 4)))!;
  expect(noteTexts(view.timeline)).toEqual(['note 1', 'note 2', 'note 3', 'note 4', 'note 5']);
  expect(view.timeline.map((e) => e.seq)).toEqual(Array.from({ length: item.timelineLength }, (_, i) => i + 1));
  // The workflow then stores its tail: the same view, whichever of the two writes is read.
  await storeAll(item);
  expect((await items.view(ref, after(MINUTE * 4)))!.timeline).toEqual(view.timeline);
  expect(await items.view('T-999999', T0)).toBeUndefined();
});
