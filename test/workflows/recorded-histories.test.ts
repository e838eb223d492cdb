// Histories recorded from the work-item workflow (test/workflows/histories/) replay on today's
// code without nondeterminism. No release has run yet, so a change that cannot replay them
// re-records them (below) rather than branching with `patched()`; once a release runs, they are
// what items already running need to keep working. The replay compares the commands the code makes with the events recorded, one by one: a change of
// their order (a store scheduled before the timer is started, say) fails it. Between them the
// fixtures hold every kind of event the workflow writes (checked below), so no command goes
// unchecked.
//
// To record the current code's stories as new fixtures (then commit them):
//   RECORD_HISTORIES=1 npx vitest run test/workflows/recorded-histories.test.ts
// RECORD_STORIES=name,name records only those stories (fixtures of the same day are overwritten).

import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import proto from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { alice, bob, WorkflowHarness, type ItemHandle } from '../support/workflow-harness.js';
import { historyFromJSON, historyToJSON } from '../support/history.js';

const { EventType } = proto.temporal.api.enums.v1;
const DIR = join(dirname(fileURLToPath(import.meta.url)), 'histories');
type History = proto.temporal.api.history.v1.IHistory;

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

let h: WorkflowHarness;
beforeAll(async () => {
  h = await WorkflowHarness.start();
});
afterAll(async () => {
  await h?.stop();
});

/** The stories recorded: between them they use every kind of event the workflow writes. */
const STORIES: Record<string, () => Promise<ItemHandle[]>> = {
  // Draft, edit, submit, pick-up by a note, more_info wait ended by an email, resolution with a
  // feedback window that closes on its timer.
  'ticket-whole-story': async () => {
    const t = await h.ticket({ category: { id: 'invoices', requireResolutionCommunication: true, feedbackWindowMs: 5 * DAY } });
    await h.command(t, alice, { type: 'edit', fields: { title: 'Invoice 42 unpaid' } });
    await h.command(t, alice, { type: 'submit' });
    await h.command(t, bob, { type: 'addNote', text: 'Checking the ledger' });
    await h.command(t, bob, { type: 'wait', wait: { type: 'more_info', days: 3 } });
    await h.email(t, { body: 'Here is the remittance advice.' });
    await h.until(t, (v) => v.state === 'in_progress', 'the email to end the wait');
    await h.command(t, bob, { type: 'sendEmail', to: ['ann@example.com'], subject: 'Paid', body: 'Invoice 42 is paid.', resolve: true });
    await h.skip(6 * DAY);
    await t.result();
    return [t];
  },
  // A working SLA clock that stops while waiting until a date, a wait that ends on its timer, the
  // breach, and a reassignment.
  'ticket-sla-until-breach': async () => {
    const t = await h.ticket({
      submit: true,
      category: { id: 'it', requireResolutionCommunication: false, feedbackWindowMs: 0, sla: { targetMs: 8 * HOUR, addWaitingTime: true, stopOn: ['until'], atRiskShare: 0.75 } },
    });
    await h.command(t, alice, { type: 'pickUp' });
    await h.command(t, alice, { type: 'wait', wait: { type: 'until', until: new Date((await h.env.currentTimeMs()) + 2 * HOUR).toISOString() } });
    await h.skip(3 * HOUR);
    await h.until(t, (v) => v.state === 'in_progress', 'the until wait to end');
    await h.skip(9 * HOUR);
    await h.until(t, (v) => v.sla?.breached === true, 'the breach');
    await h.command(t, alice, { type: 'assign', resourceId: 'bob', resourceKind: 'human' });
    await h.command(t, bob, { type: 'resolve', method: 'customer_communication' });
    await t.result();
    return [t];
  },
  // Outbound email delivered to the relay: one refused twice before it is accepted, then a
  // send-and-resolve whose delivery outcome comes back after the resolution.
  'ticket-email-delivered': async () => {
    const t = await h.ticket({ submit: true, category: { id: 'invoices', requireResolutionCommunication: true, feedbackWindowMs: 5 * DAY } });
    await h.command(t, alice, { type: 'pickUp' });
    h.relay.failNext = 2;
    const sent = await h.command(t, alice, { type: 'sendEmail', to: ['ann@example.com'], subject: 'Which invoice?', body: 'Invoice 42 or 43?' });
    const messageId = sent.timeline.find((e) => e.type === 'email_out')!.messageId;
    await h.until(t, (v) => v.timeline.find((e) => e.messageId === messageId)?.delivery === 'sent', 'the first email to be sent');
    await h.command(t, alice, { type: 'sendEmail', to: ['ann@example.com'], subject: 'Paid', body: 'Invoice 42 is paid.', resolve: true });
    await h.skip(6 * DAY);
    await t.result();
    return [t];
  },
  // A long-lived item that continues as new twice before it is resolved.
  'ticket-continued-as-new': async () => {
    const t = await h.ticket({ submit: true, continueAsNewAfterEvents: 30 });
    await h.command(t, alice, { type: 'pickUp' });
    for (let i = 0; i < 24; i++) await h.command(t, alice, { type: 'addNote', text: `note ${i}` });
    await h.command(t, alice, { type: 'resolve', method: 'customer_communication' });
    await t.result();
    return [t];
  },
  // A case of two stages: its actions launched as children, one closed unable_to_complete (the
  // case needs attention), relaunched and completed, the next stage, the flow complete, resolved;
  // each action's history too (notices to the case).
  'case-flow': async () => {
    const process = {
      id: 'recorded',
      version: 1,
      name: 'Recorded onboarding',
      stages: [
        { name: 'Check', actions: [{ type: 'review', name: 'Verify documents' }, { type: 'review', name: 'Check sanctions' }] },
        { name: 'Set up', actions: [{ type: 'task', name: 'Create supplier record' }] },
      ],
    };
    const kase = await h.kase(process);
    await h.command(kase, alice, { type: 'pickUp' });
    const first = await h.until(kase, (v) => v.childRefs.length === 2, 'the first stage');
    await h.command(h.handleOf(first.childRefs[0]), bob, { type: 'resolve', method: 'unable_to_complete', reason: 'Documents expired' });
    await h.until(kase, (v) => v.attention !== undefined, 'attention');
    await h.command(kase, alice, { type: 'launchAction', relaunch: first.childRefs[0] });
    const copy = await h.until(kase, (v) => v.childRefs.length === 3, 'the copy');
    await h.command(h.handleOf(copy.childRefs[2]), bob, { type: 'resolve', method: 'complete' });
    await h.command(h.handleOf(first.childRefs[1]), bob, { type: 'resolve', method: 'complete' });
    const second = await h.until(kase, (v) => v.childRefs.length === 4, 'the second stage');
    await h.command(h.handleOf(second.childRefs[3]), bob, { type: 'resolve', method: 'complete' });
    await h.until(kase, (v) => v.flowComplete === true, 'the flow complete');
    await h.command(kase, alice, { type: 'resolve', method: 'complete' });
    await kase.result();
    return [kase, ...second.childRefs.map((ref) => h.handleOf(ref))];
  },
  // R31, R32: a ticket split into two new tickets (its children), which tell it when they resolve;
  // it resolves as split_completed once both have, and closes.
  'ticket-split': async () => {
    const ticket = await h.ticket({ submit: true, category: { id: 'invoices', requireResolutionCommunication: false, feedbackWindowMs: 0 } }, true);
    await h.command(ticket, alice, { type: 'pickUp' });
    const waiting = await h.command(ticket, alice, { type: 'split', tickets: [{ title: 'Invoice 42', description: 'First request' }, { title: 'Invoice 43', description: 'Second request' }], refs: [await h.nextRef('ticket'), await h.nextRef('ticket')] });
    const t = waiting; // R32: the command's answer names the new items
    await h.started(...t.childRefs);
    for (const ref of t.childRefs) await h.command(h.handleOf(ref), bob, { type: 'resolve', method: 'customer_communication' });
    await ticket.result();
    return [ticket, ...t.childRefs.map((ref) => h.handleOf(ref))];
  },
  // R33, R26, R32: a ticket launches a case of a stored process (loadProcess), waits for it, and
  // resolves when the case does; the case's action and the case itself.
  'ticket-launches-case': async () => {
    await h.pool.query('INSERT INTO processes (id, version, definition) VALUES ($1, 1, $2) ON CONFLICT DO NOTHING', ['recorded-refund', JSON.stringify({ name: 'Refund', stages: [{ name: 'Pay', actions: [{ type: 'task', name: 'Pay back' }] }] })]);
    const ticket = await h.ticket({ submit: true, category: { id: 'invoices', requireResolutionCommunication: false, feedbackWindowMs: 0 } }, true);
    await h.command(ticket, alice, { type: 'pickUp' });
    const waiting = await h.command(ticket, alice, { type: 'launchCase', processId: 'recorded-refund', shortDescription: 'Refund invoice 42', ref: await h.nextRef('case') });
    const t = waiting; // R32: the command's answer names the new items
    await h.started(...t.childRefs);
    const kase = h.handleOf(t.childRefs[0]);
    const c = await h.until(kase, (v) => v.childRefs.length === 1, 'the case\'s action');
    await h.command(h.handleOf(c.childRefs[0]), bob, { type: 'resolve', method: 'complete' });
    await h.until(kase, (v) => v.flowComplete === true, 'the flow complete');
    await h.command(kase, alice, { type: 'resolve', method: 'complete' });
    await ticket.result();
    return [ticket, kase, h.handleOf(c.childRefs[0])];
  },
};

function fixtures(): string[] {
  try {
    return readdirSync(DIR).filter((f) => f.endsWith('.json')).sort();
  } catch {
    return [];
  }
}

if (process.env.RECORD_HISTORIES) {
  it('records the current code\'s stories as fixtures', async () => {
    mkdirSync(DIR, { recursive: true });
    const day = new Date().toISOString().slice(0, 10);
    const only = process.env.RECORD_STORIES?.split(',');
    for (const [name, story] of Object.entries(STORIES)) {
      if (only && !only.includes(name)) continue;
      const handles = await story();
      for (const [k, handle] of handles.entries()) {
        // Every run of the item: a continued run starts from the carried state.
        const runs = await runsOf(handle);
        const item = handles.length > 1 ? `-item${k + 1}` : '';
        runs.forEach((history, i) => writeFileSync(join(DIR, `${day}-${name}${item}-run${i + 1}.json`), historyToJSON(history)));
      }
    }
  }, 120_000);
}

/** What the workflow writes to history, each by at least one fixture: every command it makes, and every message it takes. */
const EVENTS_COVERED = [
  'WORKFLOW_EXECUTION_UPDATE_ACCEPTED',
  'WORKFLOW_EXECUTION_UPDATE_COMPLETED',
  'WORKFLOW_EXECUTION_SIGNALED',
  'UPSERT_WORKFLOW_SEARCH_ATTRIBUTES',
  'TIMER_STARTED',
  'TIMER_FIRED',
  'TIMER_CANCELED',
  'ACTIVITY_TASK_SCHEDULED recordChanges',
  'ACTIVITY_TASK_SCHEDULED allocateRef',
  'ACTIVITY_TASK_SCHEDULED loadProcess',
  'ACTIVITY_TASK_SCHEDULED deliverEmail',
  'START_CHILD_WORKFLOW_EXECUTION_INITIATED',
  'SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED',
  'WORKFLOW_EXECUTION_CONTINUED_AS_NEW',
  'WORKFLOW_EXECUTION_COMPLETED',
];

it('R42: every recorded history of an earlier version replays on today\'s workflow code', async () => {
  const files = fixtures();
  expect(files.length, 'no fixtures: record them (see the top of this file)').toBeGreaterThanOrEqual(3);
  const histories = files.map((file) => ({ workflowId: file, history: historyFromJSON(JSON.parse(readFileSync(join(DIR, file), 'utf8'))) }));
  const covered = new Set(histories.flatMap(({ history }) => (history.events ?? []).map(eventName)));
  expect(EVENTS_COVERED.filter((event) => !covered.has(event)), 'events no fixture holds: record a story that writes them').toEqual([]);
  let replayed = 0;
  for await (const result of Worker.runReplayHistories({ workflowBundle: h.bundle }, histories)) {
    expect(result.error, `${result.workflowId}: ${result.error?.message}`).toBeUndefined();
    replayed++;
  }
  expect(replayed).toBe(files.length);
});

/** An event's type, with the activity's name for a scheduled activity. */
function eventName(event: proto.temporal.api.history.v1.IHistoryEvent): string {
  const type = EventType[event.eventType ?? 0].replace(/^EVENT_TYPE_/, '');
  const activity = event.activityTaskScheduledEventAttributes?.activityType?.name;
  return activity ? `${type} ${activity}` : type;
}

/** The histories of every run of an item, first to last. */
async function runsOf(handle: ItemHandle): Promise<History[]> {
  const client = h.env.client;
  const histories: History[] = [];
  // An item started by another (an action) is known by its ref only: its latest run (actions do not continue as new here).
  let runId: string | undefined = handle.firstExecutionRunId ?? (await handle.describe()).runId;
  while (runId) {
    const history: History = await client.workflow.getHandle(handle.workflowId, runId).fetchHistory();
    histories.push(history);
    const last = history.events?.at(-1);
    runId = last?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined;
  }
  return histories;
}
