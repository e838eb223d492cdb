// Taking an inbound email (R34, R35), whichever way it came (HTTP JSON, HTTP raw RFC 822, SMTP):
// match by [REF] in the subject or by the thread of mail we sent; hand a match to its workflow
// as an Update; start a ticket for an unmatched email to a mailbox, a follow-up for a closed
// match, and a closed rejected_unknown_address ticket for an address no mailbox configures. The
// same Message-ID twice has one effect. The timeline shows the new part of a reply; the whole
// text and any HTML are kept beside it, stored once outside the item like every email body.

import { setTimeout as sleep } from 'node:timers/promises';
import type { z } from 'zod';
import { toSummary } from '../workflows/domain/item/view.js';
import type { InboundEmail, WorkItemInput } from '../workflows/domain/item/types.js';
import { toActor, type Caller } from './caller.js';
import { bareAddress, type ConfigStore, type Mailbox } from './config-store.js';
import { ApiError } from './errors.js';
import type { ProcessStore } from './process-store.js';
import type { ReadModelStore } from '../store/read-model-store.js';
import { InboundEmailBody, InboundOutcome } from './schemas.js';
import type { ItemStore } from '../store/item-store.js';
import { newPartOf } from './quoted-reply.js';
import type { WorkItemGateway } from './work-item-gateway.js';

/** R34: a ref in the subject (R1: six digits, more once there are a million items). */
export const REF_IN_SUBJECT = /\[([TCA]-\d{6,})\]/;

export type Outcome = z.output<typeof InboundOutcome>;

export interface InboundEmailDeps {
  gateway: WorkItemGateway;
  config: ConfigStore;
  readModel: ReadModelStore;
  items: ItemStore;
  processes: ProcessStore;
}

export async function takeEmail(deps: InboundEmailDeps, body: z.output<typeof InboundEmailBody>, caller: Caller): Promise<Outcome> {
  const { gateway, config, readModel, items } = deps;
  const claim = await readModel.claimInboundEmail(body.messageId);
  if (!claim.claimed) return duplicateOf(readModel, body.messageId);
  // An earlier delivery of this email died after reserving a ref for a new item (and perhaps
  // after starting it): this one takes the same way under the same ref, and an item already
  // started under it stands (startItem). So the email is never lost, nor taken twice.
  let reservedRef: string | undefined = claim.ref;

  const newPart = newPartOf(body.body);
  const email: InboundEmail = await deps.items.stashLongTexts({
    messageId: body.messageId,
    from: bareAddress(body.from),
    to: body.to.map(bareAddress),
    subject: body.subject,
    body: newPart,
    receivedAt: body.receivedAt ?? gateway.now().toISOString(),
    ...(newPart !== body.body ? { fullBody: body.body } : {}),
    ...(body.html !== undefined ? { html: body.html } : {}),
    ...(body.attachments?.length ? { attachments: body.attachments } : {}),
  });
  let result: Outcome;
  try {
    result = await route(deps, body, email, caller);
  } catch (error) {
    await readModel.releaseInboundEmail(email.messageId);
    throw error;
  }
  await readModel.completeInboundEmail(email.messageId, result.ref, result.outcome);
  return result;

  /** Starts a new item and stores its state; one already started under its ref (by an earlier delivery) stands. */
  async function startItem(input: WorkItemInput): Promise<void> {
    const item = await gateway.startOrFind(input);
    await items.save(item, toSummary(item, gateway.now()));
  }

  /** A reference for a new item, noted in the claim before the item's workflow starts. */
  async function newRef(kind: 'ticket' | 'case' = 'ticket'): Promise<string> {
    if (reservedRef) {
      const ref = reservedRef;
      reservedRef = undefined;
      return ref;
    }
    const ref = await readModel.nextRef(kind);
    await readModel.reserveInboundRef(email.messageId, ref);
    return ref;
  }

  async function route(d: InboundEmailDeps, b: typeof body, e: InboundEmail, c: Caller): Promise<Outcome> {
    const matched = await match(b);
    if (matched) {
      const delivered = await deliver(matched, e);
      if (delivered) return delivered;
      // R30: a merged ticket's thread goes on in the item it merged into.
      const target = await readModel.mergedInto(matched);
      const redirected = target ? await deliver(target, e) : undefined;
      if (redirected) return redirected;
      return startFollowUp(target ?? matched, e, c); // R21: the match is closed
    }
    const mailbox = await config.mailboxFor(e.to);
    if (!mailbox) {
      const ref = await newRef();
      await startItem(emailBorn(ref, e, c, { closeAs: 'rejected_unknown_address' }));
      return { outcome: 'rejected_unknown_address', ref };
    }
    if (mailbox.starts === 'case') return startCase(mailbox, e, c);
    const category = mailbox.categoryId ? await config.categorySnapshot(mailbox.categoryId) : undefined;
    const ref = await newRef();
    await startItem(emailBorn(ref, e, c, { category, queue: mailbox.queue ?? undefined }));
    return { outcome: 'created', ref };
  }

  /** R9: a mailbox that starts cases starts one of its process (current version), submitted. */
  async function startCase(mailbox: Mailbox, e: InboundEmail, c: Caller): Promise<Outcome> {
    const process = mailbox.processId ? await deps.processes.get(mailbox.processId) : undefined;
    if (!process) throw new ApiError('invalid_request', `Mailbox ${mailbox.address} starts cases of process ${mailbox.processId ?? '(none)'}, which is not defined: PUT /v1/processes/${mailbox.processId ?? ':id'} first.`, { issues: [] });
    const categoryId = mailbox.categoryId ?? process.categoryId;
    const category = categoryId ? await config.categorySnapshot(categoryId) : undefined;
    const ref = await newRef('case');
    const input: WorkItemInput = {
      ...emailBorn(ref, e, c, { category, queue: mailbox.queue ?? undefined, process, processId: process.id }),
      kind: 'case',
      fields: { shortDescription: e.subject || '(no subject)', description: e.body, primaryContact: e.from, requester: e.from },
    };
    await startItem(input);
    return { outcome: 'created', ref };
  }

  async function match(b: typeof body): Promise<string | undefined> {
    const inSubject = REF_IN_SUBJECT.exec(b.subject)?.[1];
    // An item born inside another's workflow may not be stored yet: Temporal knows it.
    if (inSubject && ((await readModel.exists(inSubject)) || (await gateway.exists(inSubject)))) return inSubject;
    const thread = [b.inReplyTo, ...(b.references ?? [])].filter((id): id is string => Boolean(id));
    return readModel.refOfSentMessage(thread);
  }

  /** Hands the email to the item (one Update); undefined when the item is closed. */
  async function deliver(ref: string, e: InboundEmail): Promise<Outcome | undefined> {
    try {
      const taken = await gateway.takeEmail(ref, e);
      if (taken.outcome === 'closed') return undefined;
      await items.save(taken.item, toSummary(taken.item, gateway.now()));
      return { outcome: taken.outcome, ref };
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      if (error.code === 'invalid_transition') return undefined; // the item's workflow has completed: closed
      // Temporal keeps a closed item's history only for the namespace's retention period.
      if (error.code === 'not_found' && (await readModel.summary(ref))?.state === 'closed') return undefined;
      throw error;
    }
  }

  async function startFollowUp(closedRef: string, e: InboundEmail, c: Caller): Promise<Outcome> {
    const closed = await readModel.summary(closedRef); // the read model outlives Temporal's retention
    const category = closed?.categoryId ? await config.categorySnapshot(closed.categoryId).catch(() => undefined) : undefined;
    const ref = await newRef();
    await startItem(emailBorn(ref, e, c, { category, queue: closed?.queue ?? undefined, linkedRefs: [closedRef] }));
    await readModel.link(closedRef, ref, 'follow_up'); // R32: both ways
    return { outcome: 'created_follow_up', ref };
  }
}

/** The answer to a second delivery: the first one's item, once the first has finished. */
async function duplicateOf(readModel: ReadModelStore, messageId: string): Promise<Outcome> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const first = await readModel.inboundEmail(messageId);
    if (first && first.outcome !== 'pending') return { outcome: 'duplicate', ref: first.ref };
    if (!first) break; // the first delivery failed and gave its claim back
    await sleep(100);
  }
  throw new ApiError('idempotency_in_progress', `Email ${messageId} is still being taken in, or its first delivery failed; send it again shortly.`);
}

/** A ticket born from an email: submitted at once, subject as title, body as description. */
function emailBorn(ref: string, e: InboundEmail, caller: Caller, extra: Partial<WorkItemInput>): WorkItemInput {
  return {
    ref,
    kind: 'ticket',
    createdBy: toActor(caller),
    fields: { title: e.subject || '(no subject)', description: e.body, primaryContact: e.from, requester: e.from },
    submit: true,
    initialEmail: e,
    ...extra,
  };
}
