// Who is calling: resolved from the bearer token, and turned into the workflow's Actor.

import type { Reach } from '../store/read-model-store.js';
import type { Actor } from '../workflows/domain/item/types.js';

export type CallerKind = 'human' | 'robot' | 'integration' | 'admin';

export interface Caller {
  id: string;
  kind: CallerKind;
  roles: string[];
  queues: string[];
}

/**
 * R46: what a caller may see and act on, when it is bounded: a resource that names queues sees
 * the items of those queues, the items assigned to it, and the actions of the cases it owns.
 * Admins, and resources that name no queue (a desk that does not use queues), are not bounded.
 */
export function reachOf(caller: Caller): Reach | undefined {
  return caller.kind !== 'admin' && caller.queues.length > 0 ? { id: caller.id, queues: caller.queues } : undefined;
}

/** The caller as the item's rules see it: a bounded caller's supervisor role holds for its queues only. */
export function toActor(caller: Caller): Actor {
  const reach = reachOf(caller);
  return { id: caller.id, kind: caller.kind, roles: caller.roles, ...(reach ? { queues: reach.queues } : {}) };
}
