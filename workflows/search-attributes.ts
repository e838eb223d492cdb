// The custom search attributes a work item keeps up to date (R40), so operators filter the
// Temporal UI's list: `SlaBreached = true`, `DueAt < "2026-12-01T00:00:00Z"`, `Assignee = "alice"`.
// `SlaBreached` is any clock; `FirstResponseBreached` and `NextResponseBreached` are set (true)
// only once that response clock breached (R44), and absent otherwise.

import { defineSearchAttributeKey, SearchAttributeType, type SearchAttributePair, type SearchAttributeUpdatePair, type TypedSearchAttributes } from '@temporalio/common';
import type { WorkItemSummary } from './domain/item/types.js';

export const WorkItemKind = defineSearchAttributeKey('WorkItemKind', SearchAttributeType.KEYWORD);
export const WorkItemState = defineSearchAttributeKey('WorkItemState', SearchAttributeType.KEYWORD);
export const Assignee = defineSearchAttributeKey('Assignee', SearchAttributeType.KEYWORD);
export const CategoryId = defineSearchAttributeKey('CategoryId', SearchAttributeType.KEYWORD);
export const DueAt = defineSearchAttributeKey('DueAt', SearchAttributeType.DATETIME);
export const SlaBreached = defineSearchAttributeKey('SlaBreached', SearchAttributeType.BOOL);
export const FirstResponseBreached = defineSearchAttributeKey('FirstResponseBreached', SearchAttributeType.BOOL);
export const NextResponseBreached = defineSearchAttributeKey('NextResponseBreached', SearchAttributeType.BOOL);

export const WORK_ITEM_SEARCH_ATTRIBUTES = [WorkItemKind, WorkItemState, Assignee, CategoryId, DueAt, SlaBreached, FirstResponseBreached, NextResponseBreached];

/** The item's search attributes, from its read-model summary; null removes one. */
export function searchAttributesOf(s: WorkItemSummary): SearchAttributeUpdatePair[] {
  return [
    { key: WorkItemKind, value: s.kind },
    { key: WorkItemState, value: s.state },
    { key: Assignee, value: s.assignee },
    { key: CategoryId, value: s.categoryId },
    { key: DueAt, value: s.dueAt ? new Date(s.dueAt) : null },
    { key: SlaBreached, value: s.breached },
    { key: FirstResponseBreached, value: s.breachedClocks.includes('first_response') ? true : null },
    { key: NextResponseBreached, value: s.breachedClocks.includes('next_response') ? true : null },
  ];
}

/** What an item starts with, given in its start request so its first task upserts nothing (an absent attribute is null). */
export function startingSearchAttributes(s: WorkItemSummary): SearchAttributePair[] {
  return searchAttributesOf(s).filter((pair) => pair.value !== null) as SearchAttributePair[];
}

/** Each attribute's value as the run holds it (JSON, null when absent), to upsert only what changes. */
export function searchAttributeValues(given: TypedSearchAttributes): Map<string, string> {
  return new Map(WORK_ITEM_SEARCH_ATTRIBUTES.map((key) => [key.name, JSON.stringify(given.get(key) ?? null)]));
}
