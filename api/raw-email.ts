// A raw RFC 822 message (HTTP `message/rfc822` or SMTP) read with mailparser into the JSON form of
// an inbound email: plain text (an HTML-only message's HTML reduced to text; the HTML kept too),
// the attachments as metadata (name, type, size, SHA-256) with their content stored once by that
// hash, and the threading headers. A message without a Message-ID gets one derived from what it
// says (sender, recipients, subject, date, text), so a redelivery of it is still a duplicate.

import { createHash } from 'node:crypto';
import { convert } from 'html-to-text';
import { simpleParser, type AddressObject } from 'mailparser';
import type pg from 'pg';
import type { z } from 'zod';
import { storeAttachments as storeAttachmentContents } from '../store/attachment-store.js';
import type { AttachmentMeta } from '../workflows/domain/item/types.js';
import type { InboundEmailBody } from './schemas.js';

/** The most attachments an email's timeline entry lists (the rest are counted in the last). */
export const ATTACHMENTS_LISTED = 50;

export interface ParsedRawEmail {
  email: z.input<typeof InboundEmailBody>;
  attachments: Array<{ meta: AttachmentMeta; content: Buffer }>;
}

export async function parseRawEmail(raw: Buffer): Promise<ParsedRawEmail> {
  const mail = await simpleParser(raw, { skipImageLinks: true });
  const addresses = (field: AddressObject | AddressObject[] | undefined) =>
    (Array.isArray(field) ? field : field ? [field] : []).flatMap((a) => a.value.map((v) => v.address ?? '')).filter(Boolean);
  const references = typeof mail.references === 'string' ? [mail.references] : (mail.references ?? []);
  const html = typeof mail.html === 'string' && mail.html.trim() ? mail.html : undefined;
  const text = (mail.text?.trim() ? mail.text : html ? htmlToText(html) : '').trimEnd();
  const from = addresses(mail.from)[0] ?? '';
  const to = [...addresses(mail.to), ...addresses(mail.cc)];
  const subject = mail.subject ?? '';
  const attachments = mail.attachments.slice(0, ATTACHMENTS_LISTED).map((a) => ({
    meta: {
      name: (a.filename ?? 'attachment').slice(0, 255),
      type: a.contentType.slice(0, 255),
      size: a.size,
      sha256: createHash('sha256').update(a.content).digest('hex'),
    },
    content: a.content,
  }));
  return {
    email: {
      messageId: mail.messageId ?? derivedMessageId({ from, to, subject, date: mail.date?.toISOString(), text }),
      from,
      to,
      subject,
      body: text,
      ...(html ? { html } : {}),
      ...(attachments.length ? { attachments: attachments.map((a) => a.meta) } : {}),
      ...(mail.inReplyTo ? { inReplyTo: mail.inReplyTo } : {}),
      ...(references.length ? { references } : {}),
      ...(mail.date && !Number.isNaN(mail.date.getTime()) ? { receivedAt: mail.date.toISOString() } : {}),
    },
    attachments,
  };
}

/** A stable Message-ID for a message that has none: the same content gives the same id. */
export function derivedMessageId(content: { from: string; to: string[]; subject: string; date?: string; text: string }): string {
  const hash = createHash('sha256').update(JSON.stringify([content.from, content.to, content.subject, content.date ?? '', content.text])).digest('hex');
  return `<${hash.slice(0, 40)}@derived.work-items.invalid>`;
}

export function htmlToText(html: string): string {
  return convert(html, { wordwrap: false, selectors: [{ selector: 'img', format: 'skip' }] });
}

/** Stores each attachment's content once, by its hash. */
export async function storeAttachments(pool: pg.Pool, attachments: ParsedRawEmail['attachments']): Promise<void> {
  await storeAttachmentContents(pool, attachments.map((a) => ({ sha256: a.meta.sha256, content: a.content })));
}
