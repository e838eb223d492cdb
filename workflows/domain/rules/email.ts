// Email on an item: an inbound email (never refused: the API learns what it did) attaches, fills
// an empty draft (R7, R35), ends a more_info wait (R16) or reopens inside the feedback window
// (R21); a closed item is final (R21: the API starts a follow-up). Outbound email is queued in the
// item's outbox (R7 on drafts) with its Message-ID fixed here, so a retried delivery sends the
// same message; send-and-resolve resolves in the same step (R24). The relay's outcome comes back
// as one more change: `delivery` on the `email_out` entry, and a highlight when it failed.

import type { Command } from '../item/commands.js';
import { hasSeen, remember } from '../item/seen-messages.js';
import { reconcileSla } from '../sla/sla-transitions.js';
import { asChange, record, type NewEntry } from '../item/timeline.js';
import type { Actor, DeliveryUpdate, InboundEmail, InboundOutcome, WorkItem } from '../item/types.js';
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
  let item: WorkItem = { ...remember(before, email.messageId), replyTo: email.messageId };
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
  const { messageId, from, to, subject, body, fullBody, html, attachments } = email;
  return {
    type: 'email_in', messageId, from, to, subject, body, outcome,
    ...(fullBody !== undefined ? { fullBody } : {}),
    ...(html !== undefined ? { html } : {}),
    ...(attachments?.length ? { attachments } : {}),
  };
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
  const seq = next.timelineLength + 1;
  const email = { messageId, ref: next.ref, to: command.to, subject: command.subject, body: command.body, isResolution, seq, ...(next.replyTo ? { inReplyTo: next.replyTo } : {}) };
  next = { ...next, outbox: [...next.outbox, email] };
  next = record(next, actor, at, { type: 'email_out', messageId, to: command.to, subject: command.subject, body: command.body, isResolution, delivery: 'queued' });
  if (!isResolution) return next;
  return resolve(next, actor, command.resolutionMethod ?? defaultMethod(next.kind), undefined, now, 'sendEmail'); // R24
}

/** The relay's outcome for an email handed to it: accepted (`sent`), or given up on (`failed`). */
export interface DeliveryOutcome {
  messageId: string;
  delivery: 'sent' | 'failed';
  error?: string;
}

/**
 * The outcome of an outbound email's delivery, as one change of the item: its `email_out` entry
 * says `sent` or `failed` (with the error), and a failure highlights the item for its owner. An
 * outcome for an email the item is not delivering (a repeat) changes nothing.
 */
export function emailDelivered(item: WorkItem, outcome: DeliveryOutcome, now: Date): WorkItem {
  const email = item.delivering?.find((e) => e.messageId === outcome.messageId);
  if (!email) return item;
  const seq = email.seq ?? seqOfMessageId(email.messageId);
  const update: DeliveryUpdate = { seq, delivery: outcome.delivery, ...(outcome.error !== undefined ? { error: outcome.error.slice(0, 1000) } : {}) };
  const inTail = item.timeline.some((e) => e.seq === seq);
  const next: WorkItem = {
    ...item,
    delivering: item.delivering!.filter((e) => e !== email),
    timeline: inTail ? item.timeline.map((e) => (e.seq === seq ? { ...e, delivery: update.delivery, ...(update.error !== undefined ? { error: update.error } : {}) } : e)) : item.timeline,
    deliveryUpdates: inTail ? item.deliveryUpdates : [...(item.deliveryUpdates ?? []), update],
    highlighted: outcome.delivery === 'failed' ? true : item.highlighted,
    updatedAt: now.toISOString(),
  };
  return asChange(item, next);
}

/** Emails queued before entries carried their seq: the Message-ID holds the seq before it. */
function seqOfMessageId(messageId: string): number {
  return Number(/\.(\d+)@/.exec(messageId)?.[1] ?? -1) + 1;
}
