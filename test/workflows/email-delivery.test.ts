// Outbound email from the item's workflow on the time-skipping test server (R24, R34), with the
// real activities, PostgreSQL and a real SMTP relay on loopback: the email is handed to the relay
// only after the command is in history and stored; an item that closes at once still records the
// outcome before its workflow completes; an item that continues as new with an email in flight
// sends it once. The last test replays every history recorded here.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventTypes } from '../support/history.js';
import { alice, WorkflowHarness } from '../support/workflow-harness.js';

let h: WorkflowHarness;

beforeAll(async () => {
  h = await WorkflowHarness.start();
});
afterAll(async () => {
  await h?.stop();
});

const INSTANT = { id: 'instant', requireResolutionCommunication: false, feedbackWindowMs: 0 };

describe('R24, R34: outbound email from the workflow', () => {
  it('R24: send-and-resolve that closes at once (no feedback window) records "sent" before the workflow completes, and the relay has the email once', async () => {
    const t = await h.ticket({ submit: true, category: INSTANT });
    await h.command(t, alice, { type: 'pickUp' });
    const answer = await h.rawCommand(t, alice, { type: 'sendEmail', to: ['ann@example.com'], subject: 'Settled', body: 'All paid.', resolve: true });
    expect(answer.state).toBe('closed');
    const messageId = answer.timeline.find((e) => e.type === 'email_out')!.messageId as string;
    const closed = await h.result(t);
    expect(closed.timeline.filter((e) => e.type === 'email_out')).toEqual([expect.objectContaining({ messageId, delivery: 'sent' })]);
    expect(h.relay.withMessageId(messageId)).toHaveLength(1);
    const types = await eventTypes(t);
    // The store (recordChanges) is scheduled before the delivery: nothing leaves before it is stored.
    expect(types.indexOf('ACTIVITY_TASK_SCHEDULED')).toBeLessThan(types.lastIndexOf('ACTIVITY_TASK_SCHEDULED'));
  });

  it('R34: an item that continues as new while its email is in flight sends it once, and the next run carries the outcome', async () => {
    h.relay.failNext = 2; // in flight for a while: two retries
    const t = await h.ticket({ submit: true, continueAsNewAfterEvents: 20 });
    await h.command(t, alice, { type: 'pickUp' });
    const sent = await h.rawCommand(t, alice, { type: 'sendEmail', to: ['ann@example.com'], subject: 'Long thread', body: 'First.' });
    const messageId = sent.timeline.find((e) => e.type === 'email_out')!.messageId as string;
    for (let i = 0; i < 12; i++) await h.command(t, alice, { type: 'addNote', text: `note ${i}` });
    const v = await h.until(t, (view) => view.timeline.find((e) => e.messageId === messageId)?.delivery === 'sent', 'delivery: sent');
    expect(v.timeline.filter((e) => e.type === 'email_out')).toHaveLength(1);
    expect(h.relay.withMessageId(messageId)).toHaveLength(1);
    expect((await t.describe()).runId).not.toBe(t.firstExecutionRunId); // it did continue as new
  });

  it('replays every history recorded in this file without nondeterminism', async () => {
    const { replayed, errors } = await h.replayAll();
    expect(errors).toEqual([]);
    expect(replayed).toBeGreaterThan(0);
  });
});
