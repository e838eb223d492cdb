// Appending to an item's timeline (R42), and counting changes: `version` rises by one with every
// change (a command, an email, a deadline), however many entries that change writes. Each entry
// gets the next `seq`; the spell's communications are tracked as they are written, so R22 never
// has to read entries back (they leave the workflow once PostgreSQL holds them).

import type { Actor, EntryType, Spell, TimelineEntry, WorkItem } from './types.js';

/** An entry before the timeline gives it its place, time and author; its `type` is one of ENTRY_TYPES. */
export type NewEntry = { type: EntryType; [field: string]: unknown };

export function record(item: WorkItem, actor: Actor, at: string, entry: NewEntry): WorkItem {
  const seq = item.timelineLength + 1;
  return {
    ...item,
    timeline: [...item.timeline, { seq, at, by: actor.id, ...entry } as TimelineEntry],
    timelineLength: seq,
    spell: trackCommunication(item.spell, seq, entry),
    ...(entry.type === 'email_in' ? { lastEmailInAt: at } : entry.type === 'email_out' ? { lastEmailOutAt: at } : {}),
    updatedAt: at,
  };
}

/** A new spell begins at entry `seq`: what was written before no longer counts (R22). */
export function beginSpell(item: WorkItem, seq = item.timelineLength): WorkItem {
  return { ...item, spell: { startSeq: seq } };
}

/**
 * Tags entry `seq` as the resolution communication (R22): in the tail if it is still there, and
 * as a tag for storage (the entry may be stored already, or be on its way there).
 */
export function tagResolution(item: WorkItem, seq: number): WorkItem {
  return {
    ...item,
    timeline: item.timeline.map((e) => (e.seq === seq ? { ...e, isResolution: true } : e)),
    resolutionTags: [...item.resolutionTags, seq],
    spell: { ...item.spell, resolutionSeq: seq },
  };
}

function trackCommunication(spell: Spell, seq: number, entry: NewEntry): Spell {
  const isCommunication = (entry.type === 'note' && entry.initialSubmission !== true) || entry.type === 'email_out';
  if (!isCommunication) return spell;
  return { ...spell, latestCommunicationSeq: seq, ...(entry.isResolution === true ? { resolutionSeq: seq } : {}) };
}

/** `after` as one more change of `before`, or `before` itself when nothing changed. */
export function asChange(before: WorkItem, after: WorkItem): WorkItem {
  return after === before ? before : { ...after, version: before.version + 1 };
}
