// The custom search attributes a work item keeps up to date (R40), so operators filter the
// Temporal UI's list: `SlaBreached = true`, `DueAt < "2026-12-01T00:00:00Z"`, `Assignee = "alice"`.

import { defineSearchAttributeKey, SearchAttributeType, type SearchAttributeUpdatePair } from '@temporalio/common';
import type { WorkItemSummary } from './domain/item/types.js';

export const WorkItemKind = defineSearchAttributeKey('WorkItemKind', SearchAttributeType.KEYWORD);
export const WorkItemState = defineSearchAttributeKey('WorkItemState', SearchAttributeType.KEYWORD);
export const Assignee = defineSearchAttributeKey('Assignee', SearchAttributeType.KEYWORD);
export const CategoryId = defineSearchAttributeKey('CategoryId', SearchAttributeType.KEYWORD);
export const DueAt = defineSearchAttributeKey('DueAt', SearchAttributeType.DATETIME);
export const SlaBreached = defineSearchAttributeKey('SlaBreached', SearchAttributeType.BOOL);

export const WORK_ITEM_SEARCH_ATTRIBUTES = [WorkItemKind, WorkItemState, Assignee, CategoryId, DueAt, SlaBreached];

/** The item's search attributes, from its read-model summary; null removes one. */
export function searchAttributesOf(s: WorkItemSummary): SearchAttributeUpdatePair[] {
  return [
    { key: WorkItemKind, value: s.kind },
    { key: WorkItemState, value: s.state },
    { key: Assignee, value: s.assignee },
    { key: CategoryId, value: s.categoryId },
    { key: DueAt, value: s.dueAt ? new Date(s.dueAt) : null },
    { key: SlaBreached, value: s.breached },
  ];
}
