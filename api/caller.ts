// Who is calling: resolved from the bearer token, and turned into the workflow's Actor.

import type { Actor } from '../workflows/domain/item/types.js';

export type CallerKind = 'human' | 'robot' | 'integration' | 'admin';

export interface Caller {
  id: string;
  kind: CallerKind;
  roles: string[];
  queues: string[];
}

export function toActor(caller: Caller): Actor {
  return { id: caller.id, kind: caller.kind, roles: caller.roles };
}
