// Appending to an item's timeline (R42), and counting changes: `version` rises by one with every
// change (a command, an email, a deadline), however many entries that change writes.

import type { Actor, TimelineEntry, WorkItem } from './types.js';

export function record(item: WorkItem, actor: Actor, at: string, entry: Omit<TimelineEntry, 'at' | 'by'>): WorkItem {
  return {
    ...item,
    timeline: [...item.timeline, { at, by: actor.id, ...entry } as TimelineEntry],
    updatedAt: at,
  };
}

/** `after` as one more change of `before`, or `before` itself when nothing changed. */
export function asChange(before: WorkItem, after: WorkItem): WorkItem {
  return after === before ? before : { ...after, version: before.version + 1 };
}
