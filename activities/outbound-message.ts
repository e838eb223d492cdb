// The message an outbound email becomes on the wire (R34): the item's reference in the subject,
// so a reply matches even when its headers are lost; the Message-ID the item fixed; and
// In-Reply-To/References to the latest email the item received, so the customer's mail client
// threads it. Header values are single lines: a line break (refused by the API already) becomes
// a space here too, so nothing in a subject or an address can start a header of its own.

import type { StoredOutboundEmail } from '../store/outbound-email-store.js';

export type { StoredOutboundEmail };

export interface OutboundMessage {
  from: string;
  to: string[];
  subject: string;
  text: string;
  messageId: string;
  inReplyTo?: string;
  references?: string;
}

export function subjectWithRef(subject: string, ref: string): string {
  const line = oneLine(subject);
  return line.includes(`[${ref}]`) ? line : `[${ref}] ${line}`;
}

export function outboundMessage(email: StoredOutboundEmail, from: string): OutboundMessage {
  return {
    from: oneLine(from),
    to: email.recipients.map(oneLine),
    subject: subjectWithRef(email.subject, email.ref),
    text: email.body,
    messageId: oneLine(email.messageId),
    ...(email.inReplyTo ? { inReplyTo: oneLine(email.inReplyTo), references: oneLine(email.inReplyTo) } : {}),
  };
}

function oneLine(value: string): string {
  return value.replace(/[\r\n]+/g, ' ');
}
