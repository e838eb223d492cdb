// Appending to an item's timeline (R42): every change is one entry, and bumps the version.

import type { Actor, TimelineEntry, WorkItem } from './types.js';

export function record(item: WorkItem, actor: Actor, at: string, entry: Omit<TimelineEntry, 'at' | 'by'>): WorkItem {
  return {
    ...item,
    timeline: [...item.timeline, { at, by: actor.id, ...entry } as TimelineEntry],
    updatedAt: at,
    version: item.version + 1,
  };
}
