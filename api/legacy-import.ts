// R43: importing a batch of v2020.1 items, all or nothing. Every item is checked first (its
// status, dates, required fields, category, process, assignee), and one bad item refuses the
// whole batch, naming each bad item by index and legacyRef. An old reference imported before
// answers with its existing ref and is not imported again. The new items' refs are claimed in
// PostgreSQL before their workflows start; if a start fails part way, the workflows started are
// terminated and the claims removed, so nothing of the batch stays.

import type pg from 'pg';
import type { z } from 'zod';
import { importProblems, type LegacyImport as Imported } from '../workflows/domain/legacy/imported-item.js';
import type { Actor, CaseProcess, CategorySnapshot, WorkItem, WorkItemInput, WorkItemSummary } from '../workflows/domain/item/types.js';
import { toSummary } from '../workflows/domain/item/view.js';
import type { ConfigStore } from './config-store.js';
import { ApiError } from './errors.js';
import type { ItemStore } from '../store/item-store.js';
import { LegacyImportTable } from '../store/legacy-import-store.js';
import type { ProcessStore } from './process-store.js';
import type { ReadModelStore } from '../store/read-model-store.js';
import type { LegacyImport } from './schemas.js';
import type { WorkItemGateway } from './work-item-gateway.js';

type Batch = z.output<typeof LegacyImport>;
type Item = Batch['items'][number];

/**
 * How many workflows of a batch start at once. Each start is a round trip to Temporal; more at
 * once keep it busy while a batch is in flight (the tool sends a few batches at once, too).
 */
const STARTS_AT_ONCE = 32;

export interface ImportDeps {
  pool: pg.Pool;
  gateway: WorkItemGateway;
  config: ConfigStore;
  processes: ProcessStore;
  readModel: ReadModelStore;
  items: ItemStore;
}

// The batch costs a fixed number of PostgreSQL round trips, whatever its size: one lookup per
// distinct category, process and assignee, one for the refs of each kind, one for the long texts,
// one for the claims and one for the saves. Only the starts go one item at a time.
export async function importBatch(deps: ImportDeps, batch: Batch, actor: Actor): Promise<{ items: Array<{ legacyRef: string; ref: string; imported: boolean }> }> {
  const { gateway, readModel, items } = deps;
  const imports = new LegacyImportTable(deps.pool);
  const legacyRefs = batch.items.map((i) => i.legacyRef);
  const existing = await imports.importedAs(legacyRefs);

  // Check every new item; refuse the batch when any has a problem.
  const fresh = batch.items.map((item, index) => ({ item, index })).filter(({ item }) => !existing.has(item.legacyRef));
  const lookups = lookupsOf(deps);
  const checked = await Promise.all(fresh.map(async ({ item, index }) => ({ item, index, ...(await check(lookups, item)) })));
  const seen = new Set<string>();
  for (const c of checked) {
    if (seen.has(c.item.legacyRef)) c.problems.push(`legacyRef ${c.item.legacyRef} appears twice in the batch`);
    seen.add(c.item.legacyRef);
  }
  const bad = checked.filter((c) => c.problems.length > 0);
  if (bad.length) {
    throw new ApiError('import_refused', `Nothing was imported: ${bad.length} of ${batch.items.length} items cannot be imported (${bad.map((b) => `#${b.index} ${b.item.legacyRef}`).join(', ')}).`, {
      items: bad.map((b) => ({ index: b.index, legacyRef: b.item.legacyRef, problems: b.problems })),
    });
  }

  // A ref for each new item (in batch order within a kind), and its workflow's input.
  const kinds = [...new Set(checked.map((c) => c.item.kind))];
  const refsByKind = new Map(await Promise.all(kinds.map(async (kind) => [kind, await readModel.nextRefs(kind, checked.filter((c) => c.item.kind === kind).length)] as const)));
  const inputs = await inputsOf(deps, checked.map((c) => ({ ...c, ref: refsByKind.get(c.item.kind)!.shift()! })), actor);
  const claims = inputs.map((input) => ({ legacyRef: input.imported!.legacyRef, ref: input.ref }));

  // Claim them all, then start them, STARTS_AT_ONCE at a time; a failure undoes the batch.
  let claimed = new Set<string>();
  const started: Array<{ item: WorkItem; summary: WorkItemSummary }> = [];
  try {
    claimed = await imports.claimAll(claims);
    const held = claims.find((c) => !claimed.has(c.legacyRef));
    if (held) throw new ApiError('idempotency_in_progress', `${held.legacyRef} is being imported by another request; send the batch again shortly.`);
    let next = 0;
    let failure: { reason: unknown } | undefined;
    // Each lane stops taking items at the first failure, and every start in flight settles before
    // the clean-up: one still in flight would otherwise start after it, and stay.
    const lane = async () => {
      while (!failure && next < inputs.length) {
        const input = inputs[next++];
        try {
          const item = await gateway.start(input);
          started.push({ item, summary: toSummary(item, gateway.now()) });
        } catch (reason) {
          failure ??= { reason };
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(STARTS_AT_ONCE, inputs.length) }, lane));
    if (failure) throw failure.reason;
    await items.saveMany(started);
  } catch (error) {
    const refs = started.map((s) => s.item.ref);
    await Promise.allSettled(refs.map((ref) => gateway.terminate(ref, 'its import batch failed')));
    if (refs.length) await items.forget(refs).catch(() => undefined);
    if (claimed.size) await imports.release([...claimed]).catch(() => undefined);
    if (error instanceof ApiError) throw error;
    throw new ApiError('unavailable', `The import failed part way (${(error as Error).message}); nothing of the batch was imported: send it again.`);
  }
  const refs = new Map([...existing, ...claims.map((c) => [c.legacyRef, c.ref] as const)]);
  return { items: legacyRefs.map((legacyRef) => ({ legacyRef, ref: refs.get(legacyRef)!, imported: !existing.has(legacyRef) })) };
}

/** A batch's lookups of categories, processes and assignees: each id looked up once. */
interface Lookups {
  category(id: string): Promise<CategorySnapshot | undefined>;
  process(id: string): Promise<CaseProcess | undefined>;
  assignable(id: string): Promise<boolean>;
}

function lookupsOf(deps: ImportDeps): Lookups {
  const once = <T>(f: (id: string) => Promise<T>) => {
    const answers = new Map<string, Promise<T>>();
    return (id: string) => {
      if (!answers.has(id)) answers.set(id, f(id));
      return answers.get(id)!;
    };
  };
  return {
    category: once((id) => deps.config.categorySnapshot(id).catch(() => undefined)),
    process: once((id) => deps.processes.get(id)),
    assignable: once((id) => deps.config.assignable(id, 'assignee').then(() => true, () => false)),
  };
}

interface Checked {
  problems: string[];
  imported?: Imported;
  extras: { category?: CategorySnapshot; process?: CaseProcess };
}

async function check(lookups: Lookups, item: Item): Promise<Checked> {
  const { problems, mapped } = importProblems(item);
  const extras: Checked['extras'] = {};
  if (item.categoryId) {
    extras.category = await lookups.category(item.categoryId);
    if (!extras.category) problems.push(`no category ${item.categoryId}`);
  }
  if (item.processId) {
    extras.process = await lookups.process(item.processId);
    if (!extras.process) problems.push(`no process ${item.processId}`);
  }
  if (item.assignee && !(await lookups.assignable(item.assignee))) problems.push(`${item.assignee} is not a human or robot resource`);
  if (!mapped || problems.length) return { problems, extras };
  return {
    problems,
    extras,
    imported: {
      legacyRef: item.legacyRef,
      legacyStatus: item.status,
      mapped,
      ...(item.assignee ? { assignee: item.assignee } : {}),
      ...(item.waitUntil ? { waitUntil: item.waitUntil } : {}),
      ...(item.resolvedAt ? { resolvedAt: item.resolvedAt } : {}),
      ...(item.attentionReason ? { attentionReason: item.attentionReason } : {}),
      timeline: item.timeline ?? [],
    },
  };
}

/** The workflows' inputs, their long texts stored first (one statement for the batch). */
async function inputsOf(deps: ImportDeps, items: Array<{ item: Item; imported?: Imported; extras: Checked['extras']; ref: string }>, actor: Actor): Promise<WorkItemInput[]> {
  const texts = await deps.items.stashLongTexts(
    items.map(({ item, imported }) => ({
      fields: { title: item.title, description: item.description, shortDescription: item.shortDescription, primaryContact: item.primaryContact, requester: item.requester },
      imported: imported!,
    })),
  );
  return items.map(({ item, extras, ref }, i) => ({
    ref,
    kind: item.kind,
    createdBy: actor,
    fields: texts[i].fields,
    ...(extras.category ? { category: extras.category } : {}),
    ...(item.queue ? { queue: item.queue } : {}),
    ...(item.processId ? { processId: item.processId } : {}),
    submit: false,
    imported: texts[i].imported,
  }));
}
