// The words of the work-item model, each list spelled once: the domain's types and the wire
// schemas (api/schemas.ts) take them from here. This module imports nothing.

export const KINDS = ['ticket', 'case', 'action'] as const;
export type Kind = (typeof KINDS)[number];

export const STATES = ['draft', 'todo', 'in_progress', 'waiting', 'resolved', 'closed'] as const;
export type State = (typeof STATES)[number];

export const WAIT_TYPES = ['more_info', 'until', 'pause', 'split', 'case_launched'] as const;
export type WaitType = (typeof WAIT_TYPES)[number];

export const RESOLUTION_METHODS = [
  'customer_communication',
  'no_customer_response',
  'rejected',
  'rejected_spam',
  'rejected_unknown_address',
  'merged',
  'split_completed',
  'complete',
  'unable_to_complete',
  'cancelled',
  'withdrawn',
] as const;
export type ResolutionMethod = (typeof RESOLUTION_METHODS)[number];

export const WAIT_END_REASONS = ['email_received', 'days_elapsed', 'until_reached', 'cancelled', 'resolved', 'reassigned'] as const;
export type WaitEndReason = (typeof WAIT_END_REASONS)[number];
