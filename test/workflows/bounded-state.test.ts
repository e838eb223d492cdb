// What an item carries stays small whatever its age: its Update results and the input of every
// continue-as-new stay under 32 KB through thousands of changes and a hundred 50 KB emails, while
// the whole story is kept (in PostgreSQL) and reads back complete and in order.

import { randomUUID } from 'node:crypto';
import proto from '@temporalio/proto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { InboundEmail } from '../../workflows/domain/item/types.js';
import { alice, WorkflowHarness } from '../support/workflow-harness.js';

const { EventType } = proto.temporal.api.enums.v1;
const BOUND_BYTES = 32 * 1024;
const NOTES = Number(process.env.BOUNDED_STATE_NOTES ?? 2_000);
const EMAILS = 100;
let h: WorkflowHarness;

beforeAll(async () => {
  h = await WorkflowHarness.start();
});
afterAll(async () => {
  await h?.stop();
});

it(`R42: through ${NOTES} notes and ${EMAILS} emails of 50 KB, every Update result and continue-as-new input stays under 32 KB, and the timeline reads back whole`, { timeout: 600_000 }, async () => {
  // Runs of 1,000 events (not the default 4,000) keep each run's history readable in one call.
  const t = await h.ticket({ submit: true, continueAsNewAfterEvents: 1_000 });
  await h.command(t, alice, { type: 'pickUp' });
  let largestResult = 0;
  const lanes = 4;
  for (let i = 0; i < NOTES; i += lanes) {
    const results = await Promise.all(
      Array.from({ length: Math.min(lanes, NOTES - i) }, (_, lane) => h.rawCommand(t, alice, { type: 'addNote', text: `note ${i + lane}: called the supplier again about invoice 42` })),
    );
    for (const r of results) largestResult = Math.max(largestResult, Buffer.byteLength(JSON.stringify(r)));
    if ((i / lanes) % Math.floor(NOTES / lanes / EMAILS) === 0) {
      // The API stores an email's body before the workflow hears of it; so does this test.
      const email: InboundEmail = await h.items.stashLongTexts({
        messageId: `<${randomUUID()}@mail.example.com>`, from: 'ann@example.com', to: ['desk@example.com'],
        subject: `Re: invoice 42 (${i})`, body: `${'Statement line. '.repeat(3200)}${i}`, receivedAt: new Date().toISOString(),
      });
      await h.email(t, email);
    }
  }
  const view = await h.until(t, (v) => v.timeline.filter((e) => e.type === 'email_in').length >= EMAILS, `${EMAILS} emails`);
  const notes = view.timeline.filter((e) => e.type === 'note' && e.initialSubmission !== true);
  expect(notes).toHaveLength(NOTES);
  expect(view.timeline.map((e) => e.seq)).toEqual(Array.from({ length: view.timelineLength }, (_, i) => i + 1));
  expect(view.timeline.find((e) => e.type === 'email_in')!.body).toMatch(/^Statement line\. /); // the body as sent
  expect(largestResult).toBeLessThan(BOUND_BYTES);

  // Every run of the item: its input (the carried state) under the bound, too.
  const inputs: number[] = [];
  let runId: string | undefined = t.firstExecutionRunId;
  while (runId) {
    const history: proto.temporal.api.history.v1.IHistory = await h.env.client.workflow.getHandle(t.workflowId, runId).fetchHistory();
    const started = history.events![0].workflowExecutionStartedEventAttributes!;
    inputs.push((started.input?.payloads ?? []).reduce((n, p) => n + (p.data?.length ?? 0), 0));
    const last = history.events!.at(-1)!;
    runId = last.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW ? last.workflowExecutionContinuedAsNewEventAttributes!.newExecutionRunId! : undefined;
  }
  console.log(`bounded state: ${inputs.length} runs, inputs ${inputs.join(', ')} bytes; largest Update result ${largestResult} bytes`);
  expect(inputs.length).toBeGreaterThan(1);
  for (const size of inputs) expect(size).toBeLessThan(BOUND_BYTES);
});
