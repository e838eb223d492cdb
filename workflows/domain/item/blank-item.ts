// A new item before anything has happened to it: what every way of creating one (by hand, from
// email, by another item, by import) starts from.

import type { State, WorkItem, WorkItemInput } from './types.js';

export function blankItem(input: WorkItemInput, state: State, at: string): WorkItem {
  return {
    ref: input.ref,
    kind: input.kind,
    state,
    highlighted: false,
    queue: input.queue,
    needsHuman: false,
    // R8: a reopened draft goes back to its creator, if a resource (human or robot) created it.
    ...(input.createdBy.kind === 'human' || input.createdBy.kind === 'robot' ? { createdBy: input.createdBy.id } : {}),
    fields: { ...input.fields },
    category: input.category,
    processId: input.process?.id ?? input.processId,
    ...(input.process ? { processVersion: input.process.version } : {}),
    ...(input.action ? { action: input.action } : {}),
    parentRef: input.parentRef,
    childRefs: [],
    linkedRefs: [...(input.linkedRefs ?? [])],
    timeline: [],
    timelineLength: 0,
    resolutionTags: [],
    spell: { startSeq: 0 },
    seenMessageIds: [],
    outbox: [],
    createdAt: at,
    updatedAt: at,
    version: 0,
  };
}
