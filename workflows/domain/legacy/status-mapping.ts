// R43: where an item of v2020.1 lands in this model, by kind and old status: one table, with
// every row of the spec's three (tickets 16, actions 7, cases 9). Anything not listed is refused
// with an error naming the status and the kind.
//
// Decisions where the spec leaves a choice:
// - "resolved (or closed)": `resolved`. An import with the item's resolution time closes it when
//   its feedback window has ended by then; the mapping alone cannot know.
// - "resolved (closed)" (actions): `closed`, since an action resolves straight to closed (R25).
// - Statuses are matched ignoring case, surrounding spaces, repeated spaces, and the kind of dash
//   ("Paused - awaiting" and "Paused – awaiting" are the same status); "(none: draft)" may also
//   be given as an empty status.

import { Refusal } from '../item/refusal.js';
import type { Kind, ResolutionMethod, State, WaitType } from '../item/words.js';

export interface MappedStatus {
  state: State;
  waitType?: WaitType;
  resolutionMethod?: ResolutionMethod;
  /** Cases: the item needs attention (R29). */
  attention?: true;
}

type Row = [status: string, mapped: MappedStatus];

const DRAFT = '(none: draft)';

export const LEGACY_STATUSES: Record<Kind, Row[]> = {
  ticket: [
    [DRAFT, { state: 'draft' }],
    ['In progress (not yet being processed)', { state: 'todo' }],
    ['In progress (being processed)', { state: 'in_progress' }],
    ['Paused – awaiting more information', { state: 'waiting', waitType: 'more_info' }],
    ['Paused – scheduled for follow-up', { state: 'waiting', waitType: 'until' }],
    ['Resolved', { state: 'resolved', resolutionMethod: 'customer_communication' }],
    ['Resolved – manual response', { state: 'resolved', resolutionMethod: 'customer_communication' }],
    ['Resolved – no customer response', { state: 'resolved', resolutionMethod: 'no_customer_response' }],
    ['Rejected', { state: 'resolved', resolutionMethod: 'rejected' }],
    ['Rejected as spam', { state: 'closed', resolutionMethod: 'rejected_spam' }],
    ['Rejected – unknown email address', { state: 'closed', resolutionMethod: 'rejected_unknown_address' }],
    ['Resolved – split ticket', { state: 'waiting', waitType: 'split' }],
    ['Resolved – split ticket (completed)', { state: 'resolved', resolutionMethod: 'split_completed' }],
    ['Resolved – existing ticket updated', { state: 'resolved', resolutionMethod: 'merged' }],
    ['Resolved – new case launched', { state: 'waiting', waitType: 'case_launched' }],
    ['Resolved – existing case updated', { state: 'resolved', resolutionMethod: 'merged' }],
  ],
  action: [
    ['In progress (not yet being processed)', { state: 'todo' }],
    ['In progress (being processed)', { state: 'in_progress' }],
    ['Paused – awaiting more information', { state: 'waiting', waitType: 'more_info' }],
    ['Paused – scheduled for follow-up', { state: 'waiting', waitType: 'until' }],
    ['Resolved', { state: 'closed', resolutionMethod: 'complete' }],
    ['Unable to complete', { state: 'closed', resolutionMethod: 'unable_to_complete' }],
    ['Peer review – in progress', { state: 'todo' }],
  ],
  case: [
    [DRAFT, { state: 'draft' }],
    ['In progress (not yet being processed)', { state: 'todo' }],
    ['In progress (being processed)', { state: 'in_progress' }],
    ['Paused – awaiting more information', { state: 'waiting', waitType: 'more_info' }],
    ['Paused – scheduled for follow-up', { state: 'waiting', waitType: 'until' }],
    ['Paused', { state: 'waiting', waitType: 'pause' }],
    ['Resolved', { state: 'resolved', resolutionMethod: 'complete' }],
    ['Closed', { state: 'closed' }],
    ['Needs attention', { state: 'todo', attention: true }],
  ],
};

/** A status as compared: case, spaces and dashes do not matter; empty is the draft. */
function normalised(status: string): string {
  const s = status.normalize('NFKC').replace(/[\u2010-\u2015\u2212-]/g, '-').replace(/\s+/g, ' ').trim().toLowerCase();
  return s === '' ? normalised(DRAFT) : s;
}

const BY_KIND = new Map(
  (Object.entries(LEGACY_STATUSES) as Array<[Kind, Row[]]>).map(([kind, rows]) => [kind, new Map(rows.map(([status, mapped]) => [normalised(status), mapped]))]),
);

/** R43: the state (and wait type, resolution method, attention) of an old status; refused when not listed. */
export function mapLegacyStatus(kind: Kind, status: string): MappedStatus {
  const mapped = BY_KIND.get(kind)?.get(normalised(status));
  if (mapped) return { ...mapped };
  const known = LEGACY_STATUSES[kind].map(([s]) => `"${s}"`).join(', ');
  throw new Refusal('unknown_status', `"${status}" is not a v2020.1 status of ${article(kind)}; ${article(kind)}'s statuses are ${known}.`, { kind, status });
}

function article(kind: Kind): string {
  return kind === 'action' ? 'an action' : `a ${kind}`;
}
