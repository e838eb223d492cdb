// Outbound email through a real SMTP relay on loopback (R7, R22-R24, R34): each email leaves once
// its command is in the item's history, with the Message-ID the item fixed, once however often
// the relay fails; the outcome comes back to the item's timeline, and a failure highlights it.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiHarness } from '../support/api-harness.js';

let api: ApiHarness;

beforeAll(async () => {
  api = await ApiHarness.start();
  await api.resource('alice', 'human');
  expect((await api.request('PUT', '/v1/categories/billing', { body: { name: 'Billing', requireResolutionCommunication: true, feedbackWindow: 'P5D' } })).status).toBe(200);
  expect((await api.request('PUT', '/v1/mailboxes/desk@example.com', { body: { starts: 'ticket', categoryId: 'billing' } })).status).toBe(200);
});
afterAll(async () => {
  await api?.stop();
});

async function ticketInProgress(title: string): Promise<string> {
  const created = await api.request('POST', '/v1/work-items', {
    as: 'alice',
    body: { kind: 'ticket', title, description: 'Details', categoryId: 'billing', primaryContact: 'ann@acme.example', requester: 'ann@acme.example', submit: true },
  });
  expect(created.status).toBe(201);
  await api.act(created.body.ref, '/pick-up', {}, 'alice');
  return created.body.ref;
}

const emailOut = (view: any, messageId: string) => view.timeline.filter((e: any) => e.type === 'email_out' && e.messageId === messageId);

describe('delivery to the relay', () => {
  it('R34: a relay that fails three times and then recovers gets the email once, and the timeline shows it once, sent', async () => {
    const ref = await ticketInProgress('Relay hiccup');
    api.relay.failNext = 3;
    const failedBefore = api.relay.failed;
    const sent = await api.act(ref, '/emails', { to: ['ann@acme.example'], subject: 'Your refund', body: 'Refunded today.' }, 'alice');
    const messageId = sent.timeline.find((e: any) => e.type === 'email_out').messageId;
    const view = await api.viewWhen(ref, 'delivery: sent', (v) => emailOut(v, messageId)[0]?.delivery === 'sent');
    expect(api.relay.failed - failedBefore).toBe(3);
    expect(api.relay.withMessageId(messageId)).toHaveLength(1);
    expect(emailOut(view, messageId)).toHaveLength(1);
    const { rows } = await api.pool.query('SELECT delivery, attempts FROM outbound_emails WHERE message_id = $1', [messageId]);
    expect(rows).toEqual([{ delivery: 'sent', attempts: 4 }]);
  });

  it('R24, R22: send-and-resolve resolves when the email is accepted for delivery, tagged as the resolution, and the email then leaves once', async () => {
    const ref = await ticketInProgress('Send and resolve');
    const answer = await api.act(ref, '/emails', { to: ['ann@acme.example'], subject: 'Done', body: 'All settled.', resolve: true }, 'alice');
    expect(answer).toMatchObject({ state: 'resolved', resolutionMethod: 'customer_communication' });
    const entry = answer.timeline.find((e: any) => e.type === 'email_out');
    expect(entry).toMatchObject({ isResolution: true, delivery: 'queued' });
    await api.viewWhen(ref, 'delivery: sent', (v) => emailOut(v, entry.messageId)[0]?.delivery === 'sent');
    expect(api.relay.withMessageId(entry.messageId).map((m) => m.subject)).toEqual([`[${ref}] Done`]);
  });

  it('R34: a relay that refuses the sender for good fails the email with the relay\'s words, and highlights the item for its owner', async () => {
    const ref = await ticketInProgress('Refused sender');
    api.relay.refusedSenders.add('desk@example.com');
    try {
      const sent = await api.act(ref, '/emails', { to: ['ann@acme.example'], subject: 'Hello', body: 'Hi.' }, 'alice');
      const messageId = sent.timeline.find((e: any) => e.type === 'email_out').messageId;
      const view = await api.viewWhen(ref, 'delivery: failed', (v) => emailOut(v, messageId)[0]?.delivery === 'failed');
      expect(emailOut(view, messageId)[0].error).toMatch(/refused.*desk@example\.com/);
      expect(view.highlighted).toBe(true);
      expect(api.relay.withMessageId(messageId)).toHaveLength(0);
      const row = await api.eventually('the list row', async () => (await api.pool.query('SELECT highlighted FROM work_items WHERE ref = $1 AND highlighted', [ref])).rows[0]);
      expect(row.highlighted).toBe(true);
    } finally {
      api.relay.refusedSenders.delete('desk@example.com');
    }
  });
});

describe('what the API refuses before anything is sent', () => {
  it('R34: a line break in a subject or an address (header injection) is a 400 naming the field, and the item is unchanged', async () => {
    const ref = await ticketInProgress('Injection');
    const before = (await api.request('GET', `/v1/work-items/${ref}`)).body;
    const subject = await api.request('POST', `/v1/work-items/${ref}/emails`, { as: 'alice', body: { to: ['ann@acme.example'], subject: 'Hi\r\nBcc: all@victims.example', body: 'x' } });
    expect(subject.status).toBe(400);
    expect(subject.body.message).toMatch(/subject.*line break/);
    const address = await api.request('POST', `/v1/work-items/${ref}/emails`, { as: 'alice', body: { to: ['Ann\r\nBcc: all@victims.example <ann@acme.example>'], subject: 'Hi', body: 'x' } });
    expect(address.status).toBe(400);
    expect(address.body.message).toMatch(/to\.0.*line break/);
    expect((await api.request('GET', `/v1/work-items/${ref}`)).body.version).toBe(before.version);
  });
});
