// Ticket rules on the time-skipping test server, with the real activities and PostgreSQL.
// Each test names the rule it proves. The last test replays every history recorded here.

import { WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventTypes } from '../support/history.js';
import { alice, bob, robbie, sam, WorkflowHarness, type ItemHandle } from '../support/workflow-harness.js';

const DAY = 86_400_000;
let h: WorkflowHarness;

beforeAll(async () => {
  h = await WorkflowHarness.start();
});
afterAll(async () => {
  await h?.stop();
});

/** The refusal an Update's validator gave, as { code, message, details }. */
async function refusal(promise: Promise<unknown>): Promise<{ code: string; message: string; details: Record<string, unknown> }> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof WorkflowUpdateFailedError && error.cause instanceof ApplicationFailure) {
      return { code: error.cause.type ?? '', message: error.cause.message, details: (error.cause.details?.[0] ?? {}) as Record<string, unknown> };
    }
    throw error;
  }
  throw new Error('expected the command to be refused');
}

async function inProgress(by = alice): Promise<ItemHandle> {
  const t = await h.ticket({ submit: true });
  await h.command(t, by, { type: 'pickUp' });
  return t;
}

describe('creating and submitting', () => {
  it('R1: a ticket is a workflow whose view carries its kind and reference', async () => {
    const t = await h.ticket();
    const v = await h.view(t);
    expect(v.kind).toBe('ticket');
    expect(v.ref).toMatch(/^T-\d{6}$/);
  });

  it('R2, R4: a ticket created by hand starts in draft and stays there until submitted', async () => {
    const t = await h.ticket();
    expect((await h.view(t)).state).toBe('draft');
    await h.skip(3 * DAY);
    expect((await h.view(t)).state).toBe('draft');
    const v = await h.command(t, alice, { type: 'submit' });
    expect(v.state).toBe('todo');
  });

  it('R5: submitting without the required fields lists every missing field and changes nothing', async () => {
    const t = await h.ticket({ fields: { title: 'Only a title' }, category: undefined });
    const before = await h.view(t);
    const r = await refusal(h.command(t, alice, { type: 'submit' }));
    expect(r.code).toBe('validation_failed');
    expect(r.details.missing).toEqual(['description', 'categoryId', 'primaryContact', 'requester']);
    const after = await h.view(t);
    expect(after).toEqual(before);
    const events = await eventTypes(t);
    expect(events).toContain('WORKFLOW_EXECUTION_STARTED');
    expect(events).not.toContain('WORKFLOW_EXECUTION_UPDATE_ACCEPTED');
    expect(events).not.toContain('WORKFLOW_EXECUTION_UPDATE_REJECTED');
  });

  it('R6: on submit the description becomes the first note of the timeline', async () => {
    const t = await h.ticket();
    const v = await h.command(t, alice, { type: 'submit' });
    const notes = v.timeline.filter((e) => e.type === 'note');
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatchObject({ text: 'Supplier says invoice 42 was never paid.', initialSubmission: true });
  });

  it('R7: an email sent from a draft with no title and no description fills them from the email', async () => {
    const t = await h.ticket({ fields: {} });
    const v = await h.command(t, alice, { type: 'sendEmail', to: ['ann@example.com'], subject: 'Your invoice question', body: 'Which invoice do you mean?' });
    expect(v.title).toBe('Your invoice question');
    expect(v.description).toBe('Which invoice do you mean?');
    expect(v.state).toBe('draft');
  });

  it('R8: a draft goes straight to resolved (answered at first contact)', async () => {
    const t = await h.ticket({ category: { id: 'faq', requireResolutionCommunication: false, feedbackWindowMs: DAY } });
    const v = await h.command(t, alice, { type: 'resolve', method: 'customer_communication' });
    expect(v.state).toBe('resolved');
    expect(v.timeline.find((e) => e.type === 'resolved')).toMatchObject({ from: 'draft' });
  });
});

describe('picking up, assignment, hand-back', () => {
  it('R10: a human updating a todo item takes it and it becomes in_progress in the same step', async () => {
    const t = await h.ticket({ submit: true });
    const v = await h.command(t, alice, { type: 'addNote', text: 'Looking into it' });
    expect(v).toMatchObject({ state: 'in_progress', assignee: 'alice' });
    const i = v.timeline.findIndex((e) => e.type === 'note' && e.text === 'Looking into it');
    expect(v.timeline.slice(0, i).map((e) => e.type)).toEqual(expect.arrayContaining(['assigned', 'state_changed']));
  });

  it('R10: an item assigned to someone else is refused to other humans, not to a supervisor', async () => {
    const t = await inProgress(alice);
    const r = await refusal(h.command(t, bob, { type: 'addNote', text: 'mine now' }));
    expect(r.code).toBe('assigned_to_other');
    const v = await h.command(t, sam, { type: 'addNote', text: 'supervisor note' });
    expect(v.assignee).toBe('alice');
  });

  it('R11: a resource sets the state by hand todo <-> in_progress', async () => {
    const t = await h.ticket({ submit: true });
    expect((await h.command(t, alice, { type: 'setState', state: 'in_progress' })).state).toBe('in_progress');
    expect((await h.command(t, alice, { type: 'setState', state: 'todo' })).state).toBe('todo');
    const r = await refusal(h.command(t, alice, { type: 'setState', state: 'todo' }));
    expect(r).toMatchObject({ code: 'invalid_transition', details: { from: 'todo' } });
  });

  it('R12: unassigning, to another resource or to the queue, sets the state back to todo', async () => {
    const t = await inProgress(alice);
    let v = await h.command(t, alice, { type: 'unassign', toResourceId: 'bob', toResourceKind: 'human' });
    expect(v).toMatchObject({ state: 'todo', assignee: 'bob' });
    await h.command(t, bob, { type: 'pickUp' });
    v = await h.command(t, bob, { type: 'unassign' });
    expect(v.state).toBe('todo');
    expect(v.assignee).toBeUndefined();
  });

  it('R13: a robot that rejects hands the item to humans: todo, unassigned, needs a human, reason on the timeline', async () => {
    const t = await h.ticket({ submit: true });
    await h.command(t, robbie, { type: 'pickUp' });
    const v = await h.command(t, robbie, { type: 'reject', reason: 'Attachment unreadable' });
    expect(v).toMatchObject({ state: 'todo', needsHuman: true });
    expect(v.assignee).toBeUndefined();
    expect(v.timeline.at(-1)).toMatchObject({ type: 'rejected_by_robot', reason: 'Attachment unreadable', by: 'robbie' });
    expect((await refusal(h.command(t, robbie, { type: 'pickUp' }))).code).toBe('invalid_transition');
    expect((await h.command(t, alice, { type: 'pickUp' })).assignee).toBe('alice');
  });
});

describe('waiting', () => {
  it('R14: waiting needs a wait type that fits a ticket; pause is for cases only', async () => {
    const t = await inProgress();
    const r = await refusal(h.command(t, alice, { type: 'wait', wait: { type: 'pause' } }));
    expect(r.code).toBe('invalid_transition');
    const v = await h.command(t, alice, { type: 'wait', wait: { type: 'more_info', days: 2 } });
    expect(v).toMatchObject({ state: 'waiting', waitType: 'more_info' });
  });

  it('R15: when a wait ends the item is in_progress again, highlighted until its owner acts, with the reason recorded', async () => {
    const t = await inProgress();
    await h.command(t, alice, { type: 'wait', wait: { type: 'more_info' } });
    await h.email(t);
    let v = await h.until(t, (x) => x.state === 'in_progress', 'the wait to end');
    expect(v).toMatchObject({ highlighted: true, waitEndedReason: 'email_received', assignee: 'alice' });
    v = await h.command(t, alice, { type: 'addNote', text: 'Thanks, got it' });
    expect(v.highlighted).toBe(false);
  });

  it('R16: more_info ends when an email arrives', async () => {
    const t = await inProgress();
    await h.command(t, alice, { type: 'wait', wait: { type: 'more_info', days: 5 } });
    await h.email(t, { subject: 'The details' });
    const v = await h.until(t, (x) => x.state === 'in_progress', 'the email to end the wait');
    expect(v.timeline.find((e) => e.type === 'email_in')).toMatchObject({ outcome: 'ended_wait' });
  });

  it('R16: a ticket waiting days with no reply returns to the Inbox when the days have passed', async () => {
    const t = await inProgress();
    await h.command(t, alice, { type: 'wait', wait: { type: 'more_info', days: 3 } });
    await h.skip(3 * DAY - 60_000);
    expect((await h.view(t)).state).toBe('waiting');
    await h.skip(2 * 60_000);
    const v = await h.view(t);
    expect(v).toMatchObject({ state: 'in_progress', highlighted: true, waitEndedReason: 'days_elapsed' });
  });

  it('R16: with closeIfNoResponse a 3-day wait with no reply closes the ticket as no_customer_response', async () => {
    const started = Date.now();
    const t = await inProgress();
    await h.command(t, alice, { type: 'wait', wait: { type: 'more_info', days: 3, closeIfNoResponse: true } });
    const final = await h.result(t);
    expect(final).toMatchObject({ state: 'closed', resolutionMethod: 'no_customer_response' });
    expect(Date.parse(final.closedAt!) - Date.parse(final.timeline.find((e) => e.type === 'wait_started')!.at)).toBe(3 * DAY);
    expect(Date.now() - started).toBeLessThan(30_000);
  });

  it('R17: an until wait ends at the given second, by a durable timer', async () => {
    const t = await inProgress();
    const now = Date.parse((await h.view(t)).updatedAt);
    const until = new Date(now + 10 * DAY + 7_000).toISOString();
    await h.command(t, alice, { type: 'wait', wait: { type: 'until', until } });
    await h.skip(10 * DAY + 8_000);
    const v = await h.view(t);
    expect(v).toMatchObject({ state: 'in_progress', waitEndedReason: 'until_reached', highlighted: true });
    expect(v.timeline.find((e) => e.type === 'wait_ended')!.at).toBe(until);
    expect(await eventTypes(t)).toContain('TIMER_FIRED');
  });

  it('R17: an until date in the past is refused', async () => {
    const t = await inProgress();
    const r = await refusal(h.command(t, alice, { type: 'wait', wait: { type: 'until', until: '2001-01-01T00:00:00Z' } }));
    expect(r.code).toBe('invalid_request');
  });

  it('R18: cancelling the wait puts the item back in_progress, not highlighted, and its timer never fires', async () => {
    const t = await inProgress();
    await h.command(t, alice, { type: 'wait', wait: { type: 'more_info', days: 1 } });
    for (let i = 0; i < 100 && !(await eventTypes(t)).includes('TIMER_STARTED'); i++) await new Promise((r) => setTimeout(r, 20));
    const v = await h.command(t, alice, { type: 'cancelWait' });
    expect(v).toMatchObject({ state: 'in_progress', highlighted: false, waitEndedReason: 'cancelled' });
    await h.skip(2 * DAY);
    const after = await h.view(t);
    expect(after.waitEndedReason).toBe('cancelled');
    expect(after.timeline.filter((e) => e.type === 'wait_ended')).toMatchObject([{ reason: 'cancelled' }]);
    expect(after.state).toBe('in_progress');
  });
});

describe('resolving and closing', () => {
  it('R19: a ticket resolves only with a ticket method a person may choose', async () => {
    const t = await inProgress();
    expect((await refusal(h.command(t, alice, { type: 'resolve', method: 'complete' }))).code).toBe('invalid_request');
    expect((await refusal(h.command(t, alice, { type: 'resolve', method: 'merged' }))).code).toBe('invalid_request');
    expect((await h.command(t, alice, { type: 'resolve', method: 'rejected' })).resolutionMethod).toBe('rejected');
  });

  it('R20: rejected_spam closes the ticket at once, with no feedback window', async () => {
    const t = await h.ticket({ submit: true, category: { id: 'c', requireResolutionCommunication: true, feedbackWindowMs: 5 * DAY } });
    const v = await h.command(t, alice, { type: 'resolve', method: 'rejected_spam' });
    expect(v.state).toBe('closed');
    expect(v.feedbackWindowEndsAt).toBeUndefined();
  });

  it('R21: a 5-day feedback window with no reply closes the ticket after exactly 5 days', async () => {
    const started = Date.now();
    const t = await h.ticket({ submit: true, category: { id: 'c', requireResolutionCommunication: false, feedbackWindowMs: 5 * DAY } });
    const resolved = await h.command(t, alice, { type: 'resolve', method: 'customer_communication' });
    expect(resolved.state).toBe('resolved');
    const final = await h.result(t);
    expect(final.state).toBe('closed');
    expect(Date.parse(final.closedAt!) - Date.parse(resolved.resolvedAt!)).toBe(5 * DAY);
    expect(Date.now() - started).toBeLessThan(30_000);
  });

  it('R21: an inbound email inside the window reopens the ticket to its assignee, highlighted', async () => {
    const t = await h.ticket({ submit: true, category: { id: 'c', requireResolutionCommunication: false, feedbackWindowMs: 5 * DAY } });
    await h.command(t, alice, { type: 'pickUp' });
    await h.command(t, alice, { type: 'resolve', method: 'customer_communication' });
    await h.skip(2 * DAY);
    await h.email(t, { body: 'It is still broken' });
    const v = await h.until(t, (x) => x.state === 'in_progress', 'the reopen');
    expect(v).toMatchObject({ assignee: 'alice', highlighted: true });
    expect(v.feedbackWindowEndsAt).toBeUndefined();
  });

  it('R21: a resource reopens by hand; an item with no assignee reopens to todo', async () => {
    const t = await h.ticket({ submit: true, category: { id: 'c', requireResolutionCommunication: false, feedbackWindowMs: DAY } });
    await h.command(t, sam, { type: 'resolve', method: 'rejected' }); // a supervisor resolves without taking it... sam is human so takes it
    const mine = await h.command(t, sam, { type: 'reopen' });
    expect(mine).toMatchObject({ state: 'in_progress', assignee: 'sam', highlighted: true });
    const u = await h.ticket({ submit: true, category: { id: 'c', requireResolutionCommunication: false, feedbackWindowMs: DAY } });
    await h.command(u, { id: 'admin', kind: 'admin', roles: [] }, { type: 'resolve', method: 'rejected' });
    expect((await h.command(u, alice, { type: 'reopen' })).state).toBe('todo');
  });

  it('R21: a closed item is final: commands are refused and the workflow has completed', async () => {
    const t = await h.ticket({ submit: true });
    await h.command(t, alice, { type: 'resolve', method: 'customer_communication' }); // zero window: closes at once
    const final = await h.result(t);
    expect(final.state).toBe('closed');
    await expect(h.command(t, alice, { type: 'reopen' })).rejects.toThrow();
  });

  it('R22: with required resolution communication, resolving without a note or email is refused and changes nothing', async () => {
    const t = await h.ticket({ submit: true, category: { id: 'strict', requireResolutionCommunication: true, feedbackWindowMs: DAY } });
    await h.command(t, alice, { type: 'pickUp' });
    const before = await h.view(t);
    const r = await refusal(h.command(t, alice, { type: 'resolve', method: 'customer_communication' }));
    expect(r.code).toBe('resolution_communication_required');
    expect(await h.view(t)).toEqual(before);
  });

  it('R22, R23: a note from the current in_progress spell counts and is tagged as the resolution', async () => {
    const t = await h.ticket({ submit: true, category: { id: 'strict', requireResolutionCommunication: true, feedbackWindowMs: DAY } });
    await h.command(t, alice, { type: 'pickUp' });
    await h.command(t, alice, { type: 'addNote', text: 'Paid on 3 March, remittance sent.' });
    const v = await h.command(t, alice, { type: 'resolve', method: 'customer_communication' });
    expect(v.state).toBe('resolved');
    expect(v.timeline.find((e) => e.type === 'note' && e.text === 'Paid on 3 March, remittance sent.')).toMatchObject({ isResolution: true });
  });

  it('R22: a note from an earlier spell does not count', async () => {
    const t = await h.ticket({ submit: true, category: { id: 'strict', requireResolutionCommunication: true, feedbackWindowMs: DAY } });
    await h.command(t, alice, { type: 'pickUp' });
    await h.command(t, alice, { type: 'addNote', text: 'Asked the supplier.' });
    await h.command(t, alice, { type: 'wait', wait: { type: 'more_info' } });
    await h.command(t, alice, { type: 'cancelWait' });
    expect((await refusal(h.command(t, alice, { type: 'resolve', method: 'customer_communication' }))).code).toBe('resolution_communication_required');
  });

  it('R23: an explicit resolution note is marked isResolution on the timeline', async () => {
    const t = await inProgress();
    const v = await h.command(t, alice, { type: 'addNote', text: 'Resolution: credited', isResolution: true });
    expect(v.timeline.at(-1)).toMatchObject({ type: 'note', isResolution: true });
  });

  it('R24: send-and-resolve sends the resolution email and resolves in one command', async () => {
    const t = await h.ticket({ submit: true, category: { id: 'strict', requireResolutionCommunication: true, feedbackWindowMs: DAY } });
    await h.command(t, alice, { type: 'pickUp' });
    const v = await h.command(t, alice, { type: 'sendEmail', to: ['ann@example.com'], subject: 'Paid', body: 'We paid invoice 42.', resolve: true });
    expect(v).toMatchObject({ state: 'resolved', resolutionMethod: 'customer_communication' });
    expect(v.timeline.find((e) => e.type === 'email_out')).toMatchObject({ isResolution: true });
    await h.until(t, () => true, 'delivery');
    const { rows } = await h.pool.query('SELECT is_resolution FROM outbound_emails WHERE ref = $1', [v.ref]);
    for (let i = 0; i < 50 && rows.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 50));
      rows.push(...(await h.pool.query('SELECT is_resolution FROM outbound_emails WHERE ref = $1', [v.ref])).rows);
    }
    expect(rows).toEqual([{ is_resolution: true }]);
  });
});

describe('timeline and lists', () => {
  it('R42: every change is on the timeline in order, with who and when', async () => {
    const t = await h.ticket();
    await h.command(t, alice, { type: 'submit' });
    await h.command(t, bob, { type: 'pickUp' });
    await h.command(t, bob, { type: 'wait', wait: { type: 'more_info', days: 1 } });
    await h.command(t, bob, { type: 'cancelWait' });
    const v = await h.command(t, bob, { type: 'resolve', method: 'customer_communication' });
    expect(v.timeline.map((e) => e.type)).toEqual([
      'created', 'state_changed', 'submitted', 'note', 'assigned', 'state_changed', 'state_changed', 'wait_started',
      'wait_ended', 'state_changed', 'resolved', 'state_changed', 'closed', 'state_changed',
    ]);
    expect(v.timeline.every((e) => typeof e.at === 'string' && typeof e.by === 'string')).toBe(true);
    const updates = (await t.fetchHistory()).events!.filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes).map((e) => e.workflowExecutionUpdateAcceptedEventAttributes!.acceptedRequest!.input!.name);
    expect(updates).toEqual(['submit', 'pickUp', 'wait', 'cancelWait', 'resolve']);
  });

  it('R41: every change reaches the read model from the workflow itself, within its store delay, with no API to write it', async () => {
    const t = await inProgress(bob);
    const v = await h.command(t, bob, { type: 'wait', wait: { type: 'more_info' } });
    await h.skip(31_000); // the default store delay is 30 s
    let row: Record<string, unknown> | undefined;
    for (let i = 0; i < 100; i++) {
      row = (await h.pool.query('SELECT state, wait_type, assignee, version FROM work_items WHERE ref = $1', [v.ref])).rows[0];
      if (row?.version === v.version) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(row).toMatchObject({ state: 'waiting', wait_type: 'more_info', assignee: 'bob', version: v.version });
  });
});

describe('long-lived items', () => {
  it('R42: an item continues as new when its history grows long, carrying its state and timers', async () => {
    const t = await h.ticket({ submit: true, continueAsNewAfterEvents: 40, category: { id: 'c', requireResolutionCommunication: false, feedbackWindowMs: 2 * DAY } });
    await h.command(t, alice, { type: 'pickUp' });
    for (let i = 0; i < 12; i++) await h.command(t, alice, { type: 'addNote', text: `note ${i}` });
    await h.command(t, alice, { type: 'resolve', method: 'customer_communication' });
    const final = await h.result(t);
    expect(final.state).toBe('closed');
    expect(final.timeline.filter((e) => e.type === 'note')).toHaveLength(13);
    const first = await h.env.client.workflow.getHandle(t.workflowId, t.firstExecutionRunId).describe();
    expect(first.status.name).toBe('CONTINUED_AS_NEW');
  });
});

it('R42: every history recorded above replays without nondeterminism', async () => {
  const histories = await Promise.all(
    h.handles.map(async (handle) => ({ workflowId: handle.workflowId, history: await handle.fetchHistory() })),
  );
  let replayed = 0;
  for await (const result of Worker.runReplayHistories({ workflowBundle: h.bundle, dataConverter: h.dataConverter }, histories)) {
    expect(result.error, `${result.workflowId}: ${result.error?.message}`).toBeUndefined();
    replayed++;
  }
  expect(replayed).toBe(h.handles.length);
  expect(replayed).toBeGreaterThan(20);
});
