// Rebuilding the read model (R41) from Temporal: every item's current state, as its workflow holds
// it, written with its list row. A row only ever moves forward (an older version never overwrites
// a newer one), so a rebuild while the service runs is safe. Items past Temporal's retention keep
// the row they have (nothing in Temporal describes them any more).

import type { ItemStore } from '../store/item-store.js';
import { toSummary } from '../workflows/domain/item/view.js';
import type { WorkItemGateway } from './work-item-gateway.js';

export async function rebuildReadModel(gateway: WorkItemGateway, items: ItemStore, progress: (done: number) => void = () => undefined): Promise<number> {
  let done = 0;
  for await (const item of gateway.currentItems()) {
    await items.save(item, toSummary(item, gateway.now()));
    if (++done % 100 === 0) progress(done);
  }
  return done;
}
