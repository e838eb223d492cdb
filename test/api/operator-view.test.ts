// What an operator sees of an item in the Temporal UI (R40, R42), read back from Temporal the way
// the UI reads it, with the real service: the static summary and details given at start
// (DescribeWorkflowExecution: `executionConfig.userMetadata`), the current details the workflow
// keeps up to date (the `__temporal_workflow_metadata` query, which is where the UI reads them:
// DescribeWorkflowExecution does not return them), and the names of the item's timers.

import { defaultPayloadConverter } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiHarness } from '../support/api-harness.js';
import { AesGcmPayloadCodec } from '../../worker/payload-codec.js';
import { testPayloadKeys } from '../support/payload-keys.js';

let api: ApiHarness;

beforeAll(async () => {
  api = await ApiHarness.start();
  await api.resource('alice', 'human');
  const category = await api.request('PUT', '/v1/categories/ops', { body: { name: 'Operations', sla: { target: 'PT8H', addWaitingTime: true, stopOn: ['more_info'] } } });
  expect(category.status).toBe(200);
});
afterAll(async () => {
  await api?.stop();
});

/** The item's current details, as the Temporal UI reads them. */
async function currentDetails(ref: string): Promise<string> {
  const metadata = await api.service.client.workflow.getHandle(ref).query<temporal.api.sdk.v1.IWorkflowMetadata>('__temporal_workflow_metadata');
  return metadata.currentDetails ?? '';
}

/** Polls the current details until `check` holds; the last details read are in the error. */
async function detailsWhen(ref: string, what: string, check: (details: string) => boolean): Promise<string> {
  let last = '';
  try {
    return await api.eventually(what, async () => {
      last = await currentDetails(ref);
      return check(last) && last;
    });
  } catch (error) {
    throw new Error(`${(error as Error).message}; the details were:\n${last}`);
  }
}

/** The summaries of the timers started in the item's current run, in order. */
async function timerSummaries(ref: string): Promise<string[]> {
  const history = await api.service.client.workflow.getHandle(ref).fetchHistory();
  const codec = new AesGcmPayloadCodec(testPayloadKeys); // R48: a summary is a payload, encrypted too
  const summaries: string[] = [];
  for (const e of (history.events ?? []).filter((e) => e.timerStartedEventAttributes)) {
    summaries.push(e.userMetadata?.summary ? defaultPayloadConverter.fromPayload<string>((await codec.decode([e.userMetadata.summary]))[0]!) : '(no summary)');
  }
  return summaries;
}

const ticket = { kind: 'ticket', title: 'Invoice missing', description: 'The March invoice never arrived.', categoryId: 'ops', queue: 'finance', primaryContact: 'ann@example.com', requester: 'ann@example.com', submit: true };

describe('an item in the Temporal UI', () => {
  it('R40: a new item carries its static summary (ref · kind · title) and static details, read back by DescribeWorkflowExecution', async () => {
    const created = await api.request('POST', '/v1/work-items', { as: 'alice', body: ticket });
    expect(created.status).toBe(201);
    const { ref } = created.body;
    const description = await api.service.client.workflow.getHandle(ref).describe();
    expect(await description.staticSummary()).toBe(`${ref} · ticket · Invoice missing`);
    expect(await description.staticDetails()).toBe('- **Category:** `ops`\n- **Created by:** `alice` (human)');
    expect(description.raw.executionConfig?.userMetadata?.summary).toBeTruthy();
  });

  it('R40: the current details follow the item: queue and due date, then assignee, then the wait with the SLA banner (R38), then the highlight', async () => {
    const { ref } = (await api.request('POST', '/v1/work-items', { as: 'alice', body: ticket })).body;
    const todo = await detailsWhen(ref, 'the details of a todo item', (d) => d.includes('**State:** todo'));
    expect(todo).toContain('- **Assignee:** none · **Queue:** `finance`');
    expect(todo).toMatch(/- \*\*SLA:\*\* due \d{4}-\d\d-\d\d \d\d:\d\d(:\d\d)? UTC/);

    await api.act(ref, '/pick-up', {}, 'alice');
    const picked = await detailsWhen(ref, 'the pick-up in the details', (d) => d.includes('**State:** in_progress'));
    expect(picked).toContain('- **Assignee:** `alice` · **Queue:** `finance`');

    await api.act(ref, '/wait', { type: 'more_info', days: 3 }, 'alice');
    const waiting = await detailsWhen(ref, 'the wait in the details', (d) => d.includes('**State:** waiting'));
    expect(waiting).toMatch(/- \*\*State:\*\* waiting: more_info \(3 days\), ends \d{4}-\d\d-\d\d/);
    expect(waiting).toMatch(/- \*\*SLA:\*\* Waiting: Paused 7h 59m before due/);
    expect(waiting).not.toContain('Highlighted');

    // A wait until four seconds from now ends on the item's timer: back in progress, highlighted (R15, R17).
    await api.act(ref, '/cancel-wait', {}, 'alice');
    await api.act(ref, '/wait', { type: 'until', until: new Date(Date.now() + 4_000).toISOString() }, 'alice');
    const ended = await detailsWhen(ref, 'the until wait to end on its timer', (d) => d.includes('until_reached'));
    expect(ended).toContain('- **State:** in_progress');
    expect(ended).toContain('- **Highlighted** (until its owner next acts on it)');
    expect(ended).toContain('- **Last wait ended:** until_reached');
    expect(ended).toMatch(/- \*\*SLA:\*\* due /);

    // R42: the timers in the history say which deadline each one was: the store of the changes
    // (within 30 s of a command), the until wait's end, and, once the wait's end is stored, the
    // running SLA clock's at-risk mark.
    const timers = await api.eventually('the at-risk timer', async () => {
      const summaries = await timerSummaries(ref);
      return summaries.some((s) => s.startsWith('SLA at risk at')) && summaries;
    });
    expect(timers).toContainEqual(expect.stringMatching(/^store changes at \d{4}-\d\d-\d\dT/));
    expect(timers).toContainEqual(expect.stringMatching(/^wait end \(until\) at \d{4}-\d\d-\d\dT/));
    expect(timers).not.toContain('(no summary)');

    await api.act(ref, '/resolve', { method: 'customer_communication' }, 'alice');
    // No feedback window in this category: resolving closes the item, and its workflow completes.
    const closed = await api.viewWhen(ref, 'the item to close', (v) => v.state === 'closed', 'alice');
    expect(closed.resolutionMethod).toBe('customer_communication');
  });

  it('R26, R40: an action launched by its case, a child workflow, carries its own summary, and its details name its case', async () => {
    const process = await api.request('PUT', '/v1/processes/vendor-check', { body: { name: 'Vendor check', stages: [{ name: 'Check', actions: [{ type: 'review', name: 'Verify documents' }] }] } });
    expect(process.status).toBe(200);
    const kase = (await api.request('POST', '/v1/work-items', { as: 'alice', body: { kind: 'case', shortDescription: 'Onboard ACME', processId: 'vendor-check', submit: true } })).body;
    const launched = await api.viewWhen(kase.ref, 'the action to launch', (v) => (v.actions ?? []).length === 1, 'alice');
    const actionRef = launched.actions[0].ref;
    const description = await api.service.client.workflow.getHandle(actionRef).describe();
    expect(await description.staticSummary()).toBe(`${actionRef} · action · Verify documents`);
    expect(await description.staticDetails()).toContain(`- **Started by:** ${kase.ref}`);
    const details = await detailsWhen(actionRef, "the action's details", (d) => d.includes('**Parent:**'));
    expect(details).toContain(`- **Parent:** ${kase.ref}`);
    expect(await detailsWhen(kase.ref, "the case's details", (d) => d.includes(actionRef))).toContain(`- **Children:** ${actionRef}`);
  });
});
