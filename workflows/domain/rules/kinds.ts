// What differs by kind of work item, in one place: how each kind starts (R4), how a person may
// resolve it (R19), and what resolving it does by default (R24, R25).

import type { ResolutionMethod, State, WorkItem } from '../item/types.js';

type Kind = WorkItem['kind'];

/** R4: tickets and cases start as drafts; an action is born from its case, ready to work. */
export function initialState(kind: Kind): State {
  return kind === 'action' ? 'todo' : 'draft';
}

/** Resolution methods a person may choose, by kind (R19); the others are set by the system. */
export const MANUAL_METHODS: Record<Kind, ResolutionMethod[]> = {
  ticket: ['customer_communication', 'no_customer_response', 'rejected', 'rejected_spam'],
  action: ['complete', 'unable_to_complete'],
  case: ['complete', 'cancelled'],
};

/** R24: send-and-resolve without a method resolves as the kind's usual way. */
export function defaultMethod(kind: Kind): ResolutionMethod {
  return kind === 'ticket' ? 'customer_communication' : 'complete';
}

/** R25: an action resolves straight to closed (no feedback window). */
export function closesOnResolve(kind: Kind): boolean {
  return kind === 'action';
}
