// R46 in the item's rules: a supervisor role bounded to queues holds for those queues only, and
// moving an item to another queue is a supervisor's command, recorded on the timeline.

import { describe, expect, it } from 'vitest';
import { applyCommand } from '../../workflows/domain/rules/transitions.js';
import type { Actor } from '../../workflows/domain/item/types.js';
import { admin, alice, bob, inProgressTicket, refusalOf, sam, todoTicket } from './fixtures.js';

const NOW = new Date('2026-03-02T12:00:00Z');
/** A supervisor of finance only. */
const fiona: Actor = { id: 'fiona', kind: 'human', roles: ['supervisor'], queues: ['finance'] };
const note = { type: 'addNote', text: 'Looked at it' } as const;

describe('R46: a supervisor role holds for its own queues', () => {
  it('R46, R10: a supervisor of finance adds a note to alice\'s finance item, and is refused on her HR item as a plain human is', () => {
    expect(applyCommand(inProgressTicket({ queue: 'finance' }), fiona, note, NOW).timeline.at(-1)).toMatchObject({ type: 'note', by: 'fiona' });
    const r = refusalOf(() => applyCommand(inProgressTicket({ queue: 'hr' }), fiona, note, NOW));
    expect(r.code).toBe('assigned_to_other');
  });

  it('R46: an item with no queue is not in a bounded supervisor\'s queues', () => {
    expect(refusalOf(() => applyCommand(inProgressTicket(), fiona, note, NOW)).code).toBe('assigned_to_other');
  });

  it('R46: a supervisor that names no queue, and the admin, supervise every queue', () => {
    for (const actor of [sam, admin]) expect(applyCommand(inProgressTicket({ queue: 'hr' }), actor, note, NOW).timeline.at(-1)).toMatchObject({ type: 'note' });
  });
});

describe('R46: moving an item to another queue', () => {
  it('R46: a supervisor of its queue moves it; state, assignee and wait stay, and the timeline says from where to where', () => {
    const item = inProgressTicket({ queue: 'finance' });
    const moved = applyCommand(item, fiona, { type: 'moveQueue', queue: 'hr' }, NOW);
    expect(moved).toMatchObject({ queue: 'hr', state: 'in_progress', assignee: 'alice', version: item.version + 1 });
    expect(moved.timeline.at(-1)).toMatchObject({ type: 'queue_changed', by: 'fiona', from: 'finance', to: 'hr' });
  });

  it('R46: nobody else moves it: not its assignee, not a supervisor of another queue', () => {
    for (const actor of [alice, bob, { ...fiona, queues: ['it'] }]) {
      expect(refusalOf(() => applyCommand(inProgressTicket({ queue: 'finance' }), actor, { type: 'moveQueue', queue: 'hr' }, NOW)).code, actor.id).toBe('forbidden');
    }
  });

  it('R46: moving it to the queue it is in is refused', () => {
    const r = refusalOf(() => applyCommand(todoTicket({ queue: 'finance' }), fiona, { type: 'moveQueue', queue: 'finance' }, NOW));
    expect(r.code).toBe('invalid_transition');
  });
});
