// R43: importing a batch of v2020.1 items, all or nothing. Every item is checked first (its
// status, dates, required fields, category, process, assignee), and one bad item refuses the
// whole batch, naming each bad item by index and legacyRef. An old reference imported before
// answers with its existing ref and is not imported again. The new items' refs are claimed in
// PostgreSQL before their workflows start; if a start fails part way, the workflows started are
// terminated and the claims removed, so nothing of the batch stays.

import type pg from 'pg';
import type { z } from 'zod';
import { importProblems, type LegacyImport as Imported } from '../workflows/domain/legacy/imported-item.js';
import type { Actor, CaseProcess, CategorySnapshot, WorkItemInput } from '../workflows/domain/item/types.js';
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

/** How many workflows of a batch start at once. */
const STARTS_AT_ONCE = 8;

export interface ImportDeps {
  pool: pg.Pool;
  gateway: WorkItemGateway;
  config: ConfigStore;
  processes: ProcessStore;
  readModel: ReadModelStore;
  items: ItemStore;
}

export async function importBatch(deps: ImportDeps, batch: Batch, actor: Actor): Promise<{ items: Array<{ legacyRef: string; ref: string; imported: boolean }> }> {
  const { gateway, readModel, items } = deps;
  const imports = new LegacyImportTable(deps.pool);
  const legacyRefs = batch.items.map((i) => i.legacyRef);
  const existing = await imports.importedAs(legacyRefs);

  // Check every new item; refuse the batch when any has a problem.
  const fresh = batch.items.map((item, index) => ({ item, index })).filter(({ item }) => !existing.has(item.legacyRef));
  const checked = await Promise.all(fresh.map(async ({ item, index }) => ({ item, index, ...(await check(deps, item)) })));
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

  // Claim a ref for each new item, then start them; a failure undoes the batch.
  const inputs: WorkItemInput[] = [];
  for (const c of checked) {
    const ref = await readModel.nextRef(c.item.kind);
    inputs.push(await inputOf(deps, c.item, c.imported!, c.extras, ref, actor));
  }
  const claimed: string[] = [];
  const started: string[] = [];
  try {
    for (const input of inputs) {
      if (!(await imports.claim(input.imported!.legacyRef, input.ref))) throw new ApiError('idempotency_in_progress', `${input.imported!.legacyRef} is being imported by another request; send the batch again shortly.`);
      claimed.push(input.imported!.legacyRef);
    }
    for (let i = 0; i < inputs.length; i += STARTS_AT_ONCE) {
      // Every start of the chunk settles before a failure is acted on: one still in flight would
      // otherwise start after the clean-up, and stay.
      const results = await Promise.allSettled(
        inputs.slice(i, i + STARTS_AT_ONCE).map(async (input) => {
          const item = await gateway.start(input);
          started.push(input.ref);
          await items.save(item, toSummary(item, gateway.now()));
        }),
      );
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
    }
  } catch (error) {
    await Promise.allSettled(started.map((ref) => gateway.terminate(ref, 'its import batch failed')));
    if (started.length) await items.forget(started).catch(() => undefined);
    if (claimed.length) await imports.release(claimed).catch(() => undefined);
    if (error instanceof ApiError) throw error;
    throw new ApiError('unavailable', `The import failed part way (${(error as Error).message}); nothing of the batch was imported: send it again.`);
  }
  const refs = new Map([...existing, ...inputs.map((i) => [i.imported!.legacyRef, i.ref] as const)]);
  return { items: legacyRefs.map((legacyRef) => ({ legacyRef, ref: refs.get(legacyRef)!, imported: !existing.has(legacyRef) })) };
}

interface Checked {
  problems: string[];
  imported?: Imported;
  extras: { category?: CategorySnapshot; process?: CaseProcess };
}

async function check(deps: ImportDeps, item: Item): Promise<Checked> {
  const { problems, mapped } = importProblems(item);
  const extras: Checked['extras'] = {};
  if (item.categoryId) {
    extras.category = await deps.config.categorySnapshot(item.categoryId).catch(() => undefined);
    if (!extras.category) problems.push(`no category ${item.categoryId}`);
  }
  if (item.processId) {
    extras.process = await deps.processes.get(item.processId);
    if (!extras.process) problems.push(`no process ${item.processId}`);
  }
  if (item.assignee && !(await deps.config.assignable(item.assignee, 'assignee').catch(() => undefined))) problems.push(`${item.assignee} is not a human or robot resource`);
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

async function inputOf(deps: ImportDeps, item: Item, imported: Imported, extras: Checked['extras'], ref: string, actor: Actor): Promise<WorkItemInput> {
  const fields = await deps.items.stashLongTexts({
    title: item.title,
    description: item.description,
    shortDescription: item.shortDescription,
    primaryContact: item.primaryContact,
    requester: item.requester,
  });
  return {
    ref,
    kind: item.kind,
    createdBy: actor,
    fields,
    ...(extras.category ? { category: extras.category } : {}),
    ...(item.queue ? { queue: item.queue } : {}),
    ...(item.processId ? { processId: item.processId } : {}),
    submit: false,
    imported: await deps.items.stashLongTexts(imported),
  };
}
