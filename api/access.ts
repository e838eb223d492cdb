// R46: access by queue. A bounded caller (see reachOf) reaches the items of its queues, the items
// assigned to it and the actions of the cases it owns; anything else answers as if it did not
// exist, and views name only the linked items it reaches.

import type { ReadModelStore } from '../store/read-model-store.js';
import type { WorkItemView } from '../workflows/domain/item/view.js';
import { reachOf, type Caller } from './caller.js';
import { noSuchItem } from './errors.js';

export class Access {
  constructor(private readonly readModel: ReadModelStore) {}

  /** Refuses, exactly as an unknown ref, an item the caller may not see. */
  async require(caller: Caller, ref: string): Promise<void> {
    const reach = reachOf(caller);
    if (reach && !(await this.readModel.reachable([ref], reach)).has(ref)) throw noSuchItem(ref);
  }

  /** The view with only the linked items the caller reaches (a follow-up names its predecessor only to those who see it). */
  async shown(caller: Caller, view: WorkItemView): Promise<WorkItemView> {
    const reach = reachOf(caller);
    if (!reach || view.linkedRefs.length === 0) return view;
    const seen = await this.readModel.reachable(view.linkedRefs, reach);
    return { ...view, linkedRefs: view.linkedRefs.filter((ref) => seen.has(ref)) };
  }
}
