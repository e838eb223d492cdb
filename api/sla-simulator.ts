// SLA policy simulation (R45): the items of a period (a category's, a queue's, or all the caller
// reaches) replayed from their stored timelines under a proposed rule, beside the figures they
// have. Items and their timelines are read a page at a time, and each item's rows go out as soon
// as it is replayed, so memory holds one page whatever the period. Nothing is written: no item
// changes and no workflow starts.

import type { ItemStore } from '../store/item-store.js';
import type { Reach } from '../store/read-model-store.js';
import { CLOCK_NAMES, type ClockName } from '../workflows/domain/sla/response-clocks.js';
import { actualOutcomes, ItemReplay, Totals, type ClockOutcome, type ClockRules } from '../workflows/domain/sla/simulation.js';
import type { CategorySnapshot, WorkItem } from '../workflows/domain/item/types.js';

export interface SimulationScope {
  categoryId?: string;
  queue?: string;
  from: Date;
  to: Date;
  /** The proposed rules; a clock it does not name keeps the rule of each item's category as it is now. */
  rule: ClockRules;
  reach?: Reach;
}

/** One item's clock: the figures it has beside those the proposed rule gives it (null: it has no such clock). */
export interface SimulatedClock {
  ref: string;
  queue: string | null;
  /** When the item was created (its week in the simulation CLI's chart). */
  createdAt: string;
  clock: ClockName;
  actual: ClockOutcome | null;
  simulated: ClockOutcome | null;
}

export interface SimulationDeps {
  items: ItemStore;
  /** The category's current rules, or undefined when it no longer exists. */
  category: (id: string) => Promise<CategorySnapshot | undefined>;
}

/** Replays the scope's items one at a time, yielding each item's rows; `asOf` is when the figures are taken (now). */
export async function* simulate(deps: SimulationDeps, scope: SimulationScope, asOf: Date): AsyncGenerator<SimulatedClock[]> {
  const categories = new Map<string, ClockRules>();
  const rulesOf = async (item: WorkItem): Promise<ClockRules> => {
    const id = item.category?.id;
    if (!id) return scope.rule;
    if (!categories.has(id)) {
      const c = await deps.category(id);
      categories.set(id, { ...(c?.sla ? { resolution: c.sla } : {}), ...c?.slas });
    }
    return { ...categories.get(id), ...scope.rule };
  };
  for await (const { item, queue } of deps.items.itemsCreatedBetween(scope)) {
    const rules = await rulesOf(item);
    const replay = new ItemReplay(item.ref, item.kind, rules);
    for await (const entry of deps.items.story(item)) replay.feed(entry);
    const simulated = replay.outcomes(asOf);
    const actual = actualOutcomes(item, asOf);
    const rows = CLOCK_NAMES.filter((clock) => actual[clock] || rules[clock]).map((clock) => ({
      ref: item.ref,
      queue,
      createdAt: item.createdAt,
      clock,
      actual: actual[clock] ?? null,
      simulated: simulated[clock] ?? null,
    }));
    if (rows.length) yield rows;
  }
}

/**
 * The answer of POST /v1/sla/simulations as pieces of its JSON text, `{ items: [...], totals }`:
 * each item's rows as soon as it is replayed, the totals last, so memory holds one page.
 */
export async function* simulationJson(deps: SimulationDeps, scope: SimulationScope, asOf: Date): AsyncGenerator<string> {
  const totals = new Totals();
  let first = true;
  yield '{"items":[';
  for await (const rows of simulate(deps, scope, asOf)) {
    for (const row of rows) totals.add(row.clock, row.queue, row.actual ?? undefined, row.simulated ?? undefined);
    yield `${first ? '' : ','}${rows.map((row) => JSON.stringify(row)).join(',')}`;
    first = false;
  }
  yield `],"totals":${JSON.stringify({ byClock: totals.byClock, byQueue: totals.byQueue })}}`;
}
