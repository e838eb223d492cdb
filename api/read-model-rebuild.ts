// Rebuilding the lists (R41) from Temporal: every item's current state, as its workflow holds it,
// written as its list row. A row only ever moves forward (an older version never overwrites a
// newer one), so a rebuild while the service runs is safe. Items past Temporal's retention keep
// the row they have (nothing in Temporal describes them any more).

import type pg from 'pg';
import type { ItemStore } from './item-store.js';
import type { WorkItemGateway } from './work-item-gateway.js';

export async function rebuildReadModel(gateway: WorkItemGateway, items: ItemStore, progress: (done: number) => void = () => undefined): Promise<number> {
  let done = 0;
  for await (const view of gateway.currentViews()) {
    await items.mirror(view);
    if (++done % 100 === 0) progress(done);
  }
  return done;
}

/** How many list rows there are (for the tool's before/after line). */
export async function countRows(pool: pg.Pool): Promise<number> {
  return (await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM work_items')).rows[0].n;
}
