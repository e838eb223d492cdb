// An outbound email from command to wire (R24, R34): the Message-ID the item fixes, the subject
// with the reference, one-line headers, and the delivery outcome as one change of the item.

import { describe, expect, it } from 'vitest';
import { outboundMessage, subjectWithRef } from '../../activities/outbound-message.js';
import { applyCommand, emailDelivered, receiveEmail } from '../../workflows/domain/rules/transitions.js';
import type { WorkItem } from '../../workflows/domain/item/types.js';
import { after, alice, deepFreeze, email, inProgressTicket, MINUTE } from './fixtures.js';

const send = (item: WorkItem, extra: Record<string, unknown> = {}) =>
  applyCommand(item, alice, { type: 'sendEmail', to: ['ann@example.com'], subject: 'Your refund', body: 'Refunded.', ...extra }, after(MINUTE));

/** An item whose email was stored and handed to the relay (what the workflow does after its store). */
function delivering(item: WorkItem, storedAlready: boolean): WorkItem {
  return { ...item, delivering: item.outbox, outbox: [], timeline: storedAlready ? [] : item.timeline };
}

describe('R34: the message an outbound email becomes', () => {
  it('puts the reference in the subject once', () => {
    expect(subjectWithRef('Your refund', 'T-000123')).toBe('[T-000123] Your refund');
    expect(subjectWithRef('Re: [T-000123] Your refund', 'T-000123')).toBe('Re: [T-000123] Your refund');
  });

  it('keeps the Message-ID the item fixed, threads to the latest email received, and turns any line break in a header into a space', () => {
    const message = outboundMessage(
      { messageId: '<T-000123.7@work-items.invalid>', ref: 'T-000123', recipients: ['Ann\r\nBcc: x@evil.example <ann@example.com>'], subject: 'Hi\r\nBcc: x@evil.example', body: 'Line 1\nLine 2', inReplyTo: '<m1@example.com>' },
      'desk@example.com',
    );
    expect(message).toEqual({
      from: 'desk@example.com',
      to: ['Ann Bcc: x@evil.example <ann@example.com>'],
      subject: '[T-000123] Hi Bcc: x@evil.example',
      text: 'Line 1\nLine 2',
      messageId: '<T-000123.7@work-items.invalid>',
      inReplyTo: '<m1@example.com>',
      references: '<m1@example.com>',
    });
  });

  it('R24: the email is queued with its Message-ID fixed before it leaves, replying to the latest email the item received', () => {
    const item = receiveEmail(inProgressTicket(), email({ messageId: '<m7@example.com>' }), after(0)).item;
    const sent = send(item);
    const entry = sent.timeline.at(-1)!;
    expect(entry).toMatchObject({ type: 'email_out', delivery: 'queued' });
    expect(sent.outbox).toEqual([expect.objectContaining({ messageId: entry.messageId, seq: entry.seq, inReplyTo: '<m7@example.com>' })]);
  });
});

describe('R34: the relay\'s outcome comes back to the item', () => {
  it('sent: the entry in the tail says so, as one change; the item is not highlighted', () => {
    const before = deepFreeze(delivering(send(inProgressTicket()), false));
    const messageId = before.delivering![0].messageId;
    const after2 = emailDelivered(before, { messageId, delivery: 'sent' }, after(2 * MINUTE));
    expect(after2.timeline.find((e) => e.messageId === messageId)).toMatchObject({ delivery: 'sent' });
    expect(after2).toMatchObject({ delivering: [], highlighted: before.highlighted, version: before.version + 1 });
    expect(after2.deliveryUpdates ?? []).toEqual([]);
  });

  it('failed, for an entry already stored: an update for storage with the error, and the item highlighted for its owner', () => {
    const sent = send(inProgressTicket());
    const seq = sent.outbox[0].seq!;
    const before = deepFreeze(delivering(sent, true));
    const after2 = emailDelivered(before, { messageId: sent.outbox[0].messageId, delivery: 'failed', error: '550 sender refused' }, after(2 * MINUTE));
    expect(after2.deliveryUpdates).toEqual([{ seq, delivery: 'failed', error: '550 sender refused' }]);
    expect(after2).toMatchObject({ highlighted: true, version: before.version + 1 });
  });

  it('a repeat of an outcome, or one for an email not being delivered, changes nothing', () => {
    const before = deepFreeze(delivering(send(inProgressTicket()), false));
    const messageId = before.delivering![0].messageId;
    const once = emailDelivered(before, { messageId, delivery: 'sent' }, after(2 * MINUTE));
    expect(emailDelivered(once, { messageId, delivery: 'sent' }, after(3 * MINUTE))).toBe(once);
    expect(emailDelivered(before, { messageId: '<other@x>', delivery: 'sent' }, after(3 * MINUTE))).toBe(before);
  });
});
