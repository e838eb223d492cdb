// Inbound email over real SMTP on loopback (R16, R21, R34, R35): the service's own listener, the
// API, the worker, the Temporal dev server and PostgreSQL, all real; the agent's replies go to a
// real SMTP relay on loopback. One customer thread from first mail to follow-up, then what the
// listener refuses and what it takes once only.

import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiHarness } from '../support/api-harness.js';
import { SmtpClient } from '../support/smtp-client.js';

let api: ApiHarness;
let smtp: SmtpClient;
const MAX_BYTES = 200_000;

beforeAll(async () => {
  api = await ApiHarness.start({ smtp: { maxBytes: MAX_BYTES } });
  smtp = new SmtpClient(api.service.smtpPort!, api.pool);
  await api.resource('alice', 'human');
  expect((await api.request('PUT', '/v1/categories/billing', { body: { name: 'Billing', feedbackWindow: 'PT3S' } })).status).toBe(200);
  expect((await api.request('PUT', '/v1/mailboxes/desk@example.com', { body: { starts: 'ticket', categoryId: 'billing', queue: 'finance' } })).status).toBe(200);
});
afterAll(async () => {
  await api?.stop();
});

const view = async (ref: string) => (await api.request('GET', `/v1/work-items/${ref}`)).body;

describe('a customer thread over SMTP', () => {
  let ref: string;
  let ourMessageId: string;

  it('R35: a customer\'s mail to a mailbox creates a ticket in its queue, with the mail on the timeline', async () => {
    const taken = await smtp.deliver({ from: 'Ann <ann@acme.example>', to: ['desk@example.com'], subject: 'Invoice 42 unpaid', body: 'Supplier says invoice 42 was never paid.', messageId: '<first-1@acme.example>' });
    expect(taken.outcome).toBe('created');
    ref = taken.ref;
    const v = await view(ref);
    expect(v).toMatchObject({ state: 'todo', queue: 'finance', title: 'Invoice 42 unpaid', primaryContact: 'ann@acme.example' });
    expect(v.timeline.find((e: any) => e.type === 'email_in')).toMatchObject({ messageId: '<first-1@acme.example>', from: 'ann@acme.example', body: 'Supplier says invoice 42 was never paid.' });
  });

  it('R34: the agent\'s reply is delivered by the relay with the reference in its subject, its own Message-ID, and threaded to the customer\'s mail', async () => {
    await api.act(ref, '/pick-up', {}, 'alice');
    const sent = await api.act(ref, '/emails', { to: ['ann@acme.example'], subject: 'Which supplier?', body: 'Which supplier sent invoice 42?' }, 'alice');
    const entry = sent.timeline.find((e: any) => e.type === 'email_out');
    expect(entry).toMatchObject({ delivery: 'queued' });
    ourMessageId = entry.messageId;
    const delivered = await api.eventually('the relay to receive it', async () => api.relay.withMessageId(ourMessageId)[0]);
    expect(delivered.subject).toBe(`[${ref}] Which supplier?`);
    expect(delivered.inReplyTo).toBe('<first-1@acme.example>');
    expect(delivered.text?.trim()).toBe('Which supplier sent invoice 42?');
    const after = await api.viewWhen(ref, 'delivery: sent', (v) => v.timeline.find((e: any) => e.type === 'email_out')?.delivery === 'sent');
    expect(after.highlighted).toBe(false);
  });

  it('R16, R34: the customer\'s reply, threaded by In-Reply-To alone, ends the more_info wait, and the timeline shows its new part', async () => {
    await api.act(ref, '/wait', { type: 'more_info' }, 'alice');
    const reply = 'Acme Supplies Ltd.\n\nOn Sun, 29 Nov 2026 at 09:00, Desk <desk@example.com> wrote:\n> Which supplier sent invoice 42?\n';
    const taken = await smtp.deliver({ from: 'ann@acme.example', to: ['desk@example.com'], subject: 'Re: Which supplier?', body: reply, messageId: '<reply-1@acme.example>', inReplyTo: ourMessageId });
    expect(taken).toMatchObject({ outcome: 'ended_wait', ref });
    const v = await view(ref);
    expect(v).toMatchObject({ state: 'in_progress', waitEndedReason: 'email_received' });
    const entry = v.timeline.findLast((e: any) => e.type === 'email_in');
    expect(entry.body).toBe('Acme Supplies Ltd.');
    expect(entry.fullBody).toMatch(/^Acme Supplies Ltd\.\n\nOn Sun, 29 Nov 2026 .* wrote:\n> Which supplier sent invoice 42\?/);
  });

  it('R21, R34: a reply after resolution reopens the ticket', async () => {
    await api.act(ref, '/resolve', { method: 'customer_communication' }, 'alice');
    const taken = await smtp.deliver({ from: 'ann@acme.example', to: ['desk@example.com'], subject: `Re: [${ref}] Which supplier?`, body: 'One more thing.', messageId: '<reply-2@acme.example>' });
    expect(taken).toMatchObject({ outcome: 'reopened', ref });
    expect(await view(ref)).toMatchObject({ state: 'in_progress', highlighted: true });
  });

  it('R21, R32: a reply after the ticket closed starts a follow-up linked back to it', async () => {
    await api.act(ref, '/resolve', { method: 'customer_communication' }, 'alice');
    await api.viewWhen(ref, 'the feedback window to close it', (v) => v.state === 'closed');
    const taken = await smtp.deliver({ from: 'ann@acme.example', to: ['desk@example.com'], subject: 'Re: Which supplier?', body: 'It happened again.', messageId: '<reply-3@acme.example>', inReplyTo: ourMessageId });
    expect(taken.outcome).toBe('created_follow_up');
    expect(taken.ref).not.toBe(ref);
    expect(await view(taken.ref)).toMatchObject({ state: 'todo', linkedRefs: [ref] });
    expect((await view(ref)).linkedRefs).toContain(taken.ref);
  });
});

describe('what the listener takes, and what it refuses', () => {
  it('R35: mail to an unknown address of a mailbox\'s domain becomes a ticket closed as rejected_unknown_address', async () => {
    const taken = await smtp.deliver({ from: 'x@spam.example', to: ['nobody@example.com'], subject: 'Hello', body: 'Buy now', messageId: '<stray-1@spam.example>' });
    expect(taken.outcome).toBe('rejected_unknown_address');
    expect(await view(taken.ref)).toMatchObject({ state: 'closed', resolutionMethod: 'rejected_unknown_address' });
  });

  it('R35: mail for a domain no mailbox has is refused at RCPT with 550, and nothing is stored', async () => {
    const before = (await api.pool.query('SELECT count(*)::int AS n FROM inbound_messages')).rows[0].n;
    const refused = await smtp.send({ from: 'x@spam.example', to: ['someone@elsewhere.example'], subject: 'Relay?', body: 'Relay me', messageId: '<relay-1@spam.example>' }).catch((e) => e);
    expect(refused).toMatchObject({ responseCode: 550 });
    expect(String(refused.response)).toMatch(/not a relay/);
    expect((await api.pool.query('SELECT count(*)::int AS n FROM inbound_messages')).rows[0].n).toBe(before);
  });

  it('R34: the same message delivered twice, then twice at once, has one effect', async () => {
    const mail = { from: 'cy@acme.example', to: ['desk@example.com'], subject: 'Statement please', body: 'Q3 statement', messageId: '<dup-1@acme.example>' };
    const first = await smtp.deliver(mail);
    const again = await smtp.deliver(mail);
    const atOnce = await Promise.all([smtp.deliver(mail), smtp.deliver(mail)]);
    expect(first.outcome).toBe('created');
    expect([again, ...atOnce].map((t) => t.outcome)).toEqual(['duplicate', 'duplicate', 'duplicate']);
    expect(new Set([first, again, ...atOnce].map((t) => t.ref))).toEqual(new Set([first.ref]));
    const { rows } = await api.pool.query("SELECT count(*)::int AS n FROM work_items WHERE title = 'Statement please'");
    expect(rows[0].n).toBe(1);
  });

  it('R34: a message without a Message-ID gets one derived from its content, so its redelivery is still a duplicate', async () => {
    const mail = { from: 'dee@acme.example', to: ['desk@example.com'], subject: 'No id here', body: 'My mailer sets no Message-ID.' };
    const first = await smtp.deliver(mail);
    const again = await smtp.deliver(mail);
    expect([first.outcome, again.outcome]).toEqual(['created', 'duplicate']);
    expect(again.ref).toBe(first.ref);
    expect((await view(first.ref)).timeline.find((e: any) => e.type === 'email_in').messageId).toMatch(/^<[0-9a-f]{40}@derived\.work-items\.invalid>$/);
  });

  it('R35: an HTML-only message is shown as text, its HTML and attachments kept (content stored once, by hash)', async () => {
    const pdf = Buffer.from('%PDF-1.4 invoice 77');
    const mime = [
      'MIME-Version: 1.0',
      'Content-Type: multipart/mixed; boundary="b1"',
      '',
      '--b1',
      'Content-Type: text/html; charset=utf-8',
      '',
      '<p>Please pay <b>invoice 77</b>.</p>',
      '--b1',
      'Content-Type: application/pdf; name="invoice-77.pdf"',
      'Content-Disposition: attachment; filename="invoice-77.pdf"',
      'Content-Transfer-Encoding: base64',
      '',
      pdf.toString('base64'),
      '--b1--',
      '',
    ].join('\r\n');
    const taken = await smtp.deliver({ from: 'eve@acme.example', to: ['desk@example.com'], subject: 'Invoice 77', body: '', messageId: '<html-1@acme.example>', mime });
    const entry = (await view(taken.ref)).timeline.find((e: any) => e.type === 'email_in');
    expect(entry.body).toBe('Please pay invoice 77.');
    expect(entry.html).toContain('<b>invoice 77</b>');
    const sha256 = createHash('sha256').update(pdf).digest('hex');
    expect(entry.attachments).toEqual([{ name: 'invoice-77.pdf', type: 'application/pdf', size: pdf.length, sha256 }]);
    const { rows } = await api.pool.query('SELECT content FROM attachments WHERE sha256 = $1', [sha256]);
    expect(rows.map((r) => Buffer.from(r.content).toString())).toEqual([pdf.toString()]);
  });

  it('R34: a message larger than the announced SIZE is refused with 552, and nothing is stored', async () => {
    const before = (await api.pool.query('SELECT count(*)::int AS n FROM inbound_messages')).rows[0].n;
    const refused = await smtp.send({ from: 'big@acme.example', to: ['desk@example.com'], subject: 'Big', body: 'x'.repeat(MAX_BYTES + 10_000), messageId: '<big-1@acme.example>' }).catch((e) => e);
    expect(refused).toMatchObject({ responseCode: 552 });
    expect((await api.pool.query('SELECT count(*)::int AS n FROM inbound_messages')).rows[0].n).toBe(before);
  });

  it('R34: a message with no From address is refused with 550, naming why', async () => {
    const raw = ['To: desk@example.com', 'Subject: Anonymous', 'Message-ID: <anon-1@acme.example>', '', 'Who am I?', ''].join('\r\n');
    const refused = await smtp.send({ from: 'bounce@acme.example', to: ['desk@example.com'], subject: '', body: '' }, raw).catch((e) => e);
    expect(refused).toMatchObject({ responseCode: 550 });
    expect(String(refused.response)).toMatch(/no From address/);
  });
});
