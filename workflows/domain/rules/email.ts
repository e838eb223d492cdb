// Email on an item: an inbound email (never refused: the API learns what it did) attaches, fills
// an empty draft (R7, R35), ends a more_info wait (R16) or reopens inside the feedback window
// (R21); a closed item is final (R21: the API starts a follow-up). Outbound email is queued in the
// item's outbox (R7 on drafts), and send-and-resolve resolves in the same step (R24).

import type { Command } from '../item/commands.js';
import { hasSeen, remember } from '../item/seen-messages.js';
import { reconcileSla } from '../sla/sla-transitions.js';
import { asChange, record, type NewEntry } from '../item/timeline.js';
import type { Actor, InboundEmail, InboundOutcome, WorkItem } from '../item/types.js';
import { catchUp } from './deadlines.js';
import { defaultMethod } from './kinds.js';
import { reopen, resolve } from './resolution.js';
import { touch } from './steps.js';
import { endWait } from './waits.js';

const MAIL_DOMAIN = 'work-items.invalid';

export function receiveEmail(
  current: WorkItem,
  email: InboundEmail,
  now: Date,
): { item: WorkItem; outcome: InboundOutcome | 'duplicate' | 'closed' } {
  if (hasSeen(current, email.messageId)) return { item: current, outcome: 'duplicate' };
  const before = catchUp(current, now);
  // A closed item is final (R21): the API starts a follow-up item instead.
  if (before.state === 'closed') return { item: before, outcome: 'closed' };
  const at = now.toISOString();
  const sender: Actor = { id: email.from, kind: 'system', roles: [] };
  let item: WorkItem = remember(before, email.messageId);
  let outcome: InboundOutcome = 'attached';
  if (item.state === 'draft' && !item.fields.title && !item.fields.description) {
    item = { ...item, fields: { ...item.fields, title: email.subject, description: email.body } }; // R7, R35
    outcome = 'filled_draft';
  } else if (item.state === 'waiting' && item.wait?.type === 'more_info') {
    outcome = 'ended_wait'; // R16
  } else if (item.state === 'resolved') {
    outcome = 'reopened'; // R21
  }
  item = record(item, sender, at, emailInEntry(email, outcome));
  if (outcome === 'ended_wait') item = endWait(item, sender, at, 'email_received', true);
  if (outcome === 'reopened') item = reopen(item, sender, at);
  return { item: asChange(before, reconcileSla(item, at)), outcome };
}

export function emailInEntry(email: InboundEmail, outcome: InboundOutcome): NewEntry {
  return { type: 'email_in', messageId: email.messageId, from: email.from, to: email.to, subject: email.subject, body: email.body, outcome };
}

/** An outbound email: queued for the relay, on the timeline; with `resolve`, R24. */
export function sendEmail(item: WorkItem, actor: Actor, command: Extract<Command, { type: 'sendEmail' }>, now: Date): WorkItem {
  const at = now.toISOString();
  let next = touch(item, actor, 'sendEmail', at);
  if (next.state === 'draft' && !next.fields.title && !next.fields.description) {
    next = { ...next, fields: { ...next.fields, title: command.subject, description: command.body } }; // R7
  }
  const messageId = `<${next.ref}.${next.timelineLength}@${MAIL_DOMAIN}>`;
  const isResolution = command.resolve === true;
  next = { ...next, outbox: [...next.outbox, { messageId, ref: next.ref, to: command.to, subject: command.subject, body: command.body, isResolution }] };
  next = record(next, actor, at, { type: 'email_out', messageId, to: command.to, subject: command.subject, body: command.body, isResolution });
  if (!isResolution) return next;
  return resolve(next, actor, command.resolutionMethod ?? defaultMethod(next.kind), undefined, now, 'sendEmail'); // R24
}
