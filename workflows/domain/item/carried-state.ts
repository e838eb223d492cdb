// A run started before the timeline moved to PostgreSQL carries the whole timeline, with no
// seqs, and marks its spell by an index into it. When such a run continues as new, its state is
// brought to today's shape here: every entry numbered, the spell's communications found once.

import { SEEN_MESSAGE_IDS_KEPT, seenKey } from './seen-messages.js';
import { beginSpell, record } from './timeline.js';
import type { TimelineEntry, WorkItem } from './types.js';

type EarlierWorkItem = Omit<WorkItem, 'timelineLength' | 'resolutionTags' | 'spell'> & { spellStart: number; timeline: Array<Omit<TimelineEntry, 'seq'>> };

export function toCurrentShape(carried: WorkItem | EarlierWorkItem): WorkItem {
  if ('timelineLength' in carried && typeof carried.timelineLength === 'number') return carried;
  const earlier = carried as EarlierWorkItem;
  const { spellStart, timeline, ...rest } = earlier;
  // Re-record the entries in order: that numbers them and tracks the spell as it went.
  let item: WorkItem = { ...rest, timeline: [], timelineLength: 0, resolutionTags: [], spell: { startSeq: 0 } };
  timeline.forEach(({ at, by, ...entry }, index) => {
    item = record(item, { id: by, kind: 'system', roles: [] }, at, entry);
    if (index === spellStart && spellStart > 0) item = beginSpell(item);
  });
  return { ...item, updatedAt: earlier.updatedAt, seenMessageIds: earlier.seenMessageIds.map(seenKey).slice(-SEEN_MESSAGE_IDS_KEPT) };
}
