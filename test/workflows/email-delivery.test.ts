// Outbound email from the item's workflow on the time-skipping test server (R24, R34), with the
// real activities, PostgreSQL and a real SMTP relay on loopback: the email is handed to the relay
// only after the command is in history and stored; an item that closes at once still records the
// outcome before its workflow completes; an item that continues as new with an email in flight
// sends it once, and one whose history is long when it stores an email leaves it to the next
// run. The last test replays every history recorded here.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventTypes } from '../support/history.js';
import { alice, WorkflowHarness, type ItemHandle } from '../support/workflow-harness.js';

let h: WorkflowHarness;

beforeAll(async () => {
  h = await WorkflowHarness.start();
});
afterAll(async () => {
  await h?.stop();
});

const INSTANT = { id: 'instant', requireResolutionCommunication: false, feedbackWindowMs: 0 };

/** Waits until the item's first run has continued as new: by Describe, not a Query (the test server can lose a Query sent while a run continues as new). */
async function untilContinuedAsNew(t: ItemHandle): Promise<void> {
  let runId = t.firstExecutionRunId;
  for (const deadline = Date.now() + 30_000; runId === t.firstExecutionRunId && Date.now() < deadline; ) {
    runId = (await t.describe()).runId;
    if (runId === t.firstExecutionRunId) await new Promise((r) => setTimeout(r, 50));
  }
  expect(runId).not.toBe(t.firstExecutionRunId);
}

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

  it('R34: an item whose history is long while its email is in flight continues as new only after the outcome, sends it once, and the next run carries the outcome', async () => {
    h.relay.failNext = 1_000; // the relay is down: the email stays in flight
    const failedBefore = h.relay.failed;
    const t = await h.ticket({ submit: true, continueAsNewAfterEvents: 30 });
    await h.command(t, alice, { type: 'pickUp' });
    const sent = await h.rawCommand(t, alice, { type: 'sendEmail', to: ['ann@example.com'], subject: 'Long thread', body: 'First.' });
    const messageId = sent.timeline.find((e) => e.type === 'email_out')!.messageId as string;
    // The email is in flight (the relay refused a first attempt) before the history is long.
    for (const deadline = Date.now() + 15_000; h.relay.failed === failedBefore && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 20));
    expect(h.relay.failed).toBeGreaterThan(failedBefore);
    for (let i = 0; i < 12; i++) await h.command(t, alice, { type: 'addNote', text: `note ${i}` });
    // The history is past its bound, but the run waits for the email's outcome before it continues.
    expect((await t.describe()).runId).toBe(t.firstExecutionRunId);
    h.relay.failNext = 0; // the relay recovers: the next attempt is accepted
    // It continues as new once the outcome is in.
    await untilContinuedAsNew(t);
    expect(h.relay.withMessageId(messageId)).toHaveLength(1);
    const v = await h.until(t, (view) => view.timeline.find((e) => e.messageId === messageId)?.delivery === 'sent', 'delivery: sent (the next run carries it)');
    expect(v.timeline.filter((e) => e.type === 'email_out')).toHaveLength(1);
  });

  it('R34: an email stored once the history is long is left to the next run, which hands it to the relay once', async () => {
    const t = await h.ticket({ submit: true, continueAsNewAfterEvents: 19 });
    await h.command(t, alice, { type: 'pickUp' });
    // The store of this email brings the history past 19 events: the run starts no delivery then.
    const sent = await h.rawCommand(t, alice, { type: 'sendEmail', to: ['ann@example.com'], subject: 'Late in the run', body: 'Hello.' });
    const messageId = sent.timeline.find((e) => e.type === 'email_out')!.messageId as string;
    // Describe, not a Query, until the run has continued as new (the test server can lose a Query sent meanwhile).
    await untilContinuedAsNew(t);
    const v = await h.until(t, (view) => view.timeline.find((e) => e.messageId === messageId)?.delivery === 'sent', 'delivery: sent');
    expect(v.timeline.filter((e) => e.type === 'email_out')).toHaveLength(1);
    expect(h.relay.withMessageId(messageId)).toHaveLength(1);
    const first = (await h.env.client.workflow.getHandle(t.workflowId, t.firstExecutionRunId).fetchHistory()).events ?? [];
    expect(first.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'deliverEmail')).toEqual([]);
  });

  it('replays every history recorded in this file without nondeterminism', async () => {
    const { replayed, errors } = await h.replayAll();
    expect(errors).toEqual([]);
    expect(replayed).toBeGreaterThan(0);
  });
});
