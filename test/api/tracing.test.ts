// One trace per request (R47, issue 27; docs/tracing.md): the real service with tracing on,
// exporting to an in-memory exporter. A command sent over HTTP gives one trace that runs from the
// HTTP server span through the Temporal Update, the workflow's handling of it and the activities
// it caused (the store, the email) to PostgreSQL and the SMTP relay.

import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { SpanKind } from '@opentelemetry/api';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleWorkItemWorkflows } from '../../worker/create-worker.js';
import { dataConverterFor } from '../../worker/payload-codec.js';
import { ApiHarness } from '../support/api-harness.js';
import { testPayloadKeys } from '../support/payload-keys.js';
import { quietLogger } from '../support/workflow-harness.js';

let api: ApiHarness;
/** The item of the first test: its history, made with tracing on, replays in the last. */
let tracedRef: string;
const exporter = new InMemorySpanExporter();

beforeAll(async () => {
  api = await ApiHarness.start();
  // The same service, started again with tracing on (ServiceOptions.tracing).
  await api.restart({ tracing: { spanProcessor: new SimpleSpanProcessor(exporter), serviceName: 'work-items-test' } });
  await api.resource('alice', 'human');
  expect((await api.request('PUT', '/v1/categories/billing', { body: { name: 'Billing', requireResolutionCommunication: true, feedbackWindow: 'P5D' } })).status).toBe(200);
  expect((await api.request('PUT', '/v1/mailboxes/desk@example.com', { body: { starts: 'ticket', categoryId: 'billing' } })).status).toBe(200);
});
afterAll(async () => {
  await api?.stop();
});

const spans = () => exporter.getFinishedSpans();
const traceOf = (traceId: string) => spans().filter((s) => s.spanContext().traceId === traceId);
const parentId = (span: ReadableSpan) => span.parentSpanContext?.spanId;
const scope = (span: ReadableSpan) => span.instrumentationScope.name;

/** The span's ancestors, nearest first, by name (each parent found in `trace`). */
function ancestry(span: ReadableSpan, trace: ReadableSpan[]): string[] {
  const names: string[] = [];
  for (let at = span; parentId(at); ) {
    const parent = trace.find((s) => s.spanContext().spanId === parentId(at));
    if (!parent) break;
    names.push(parent.name);
    at = parent;
  }
  return names;
}

describe('R47 (issue 27): one trace per request', () => {
  it('R47: a command over HTTP is one trace: HTTP request, Temporal Update, workflow task, store activity, PostgreSQL and SMTP', async () => {
    const created = await api.request('POST', '/v1/work-items', {
      as: 'alice',
      body: { kind: 'ticket', title: 'Traced', description: 'Details', categoryId: 'billing', primaryContact: 'ann@acme.example', requester: 'ann@acme.example', submit: true },
    });
    expect(created.status).toBe(201);
    const ref: string = created.body.ref;
    tracedRef = ref;
    await api.act(ref, '/pick-up', {}, 'alice');
    exporter.reset();

    const sent = await api.act(ref, '/emails', { to: ['ann@acme.example'], subject: 'Traced', body: 'Hello.' }, 'alice');
    const messageId = sent.timeline.find((e: any) => e.type === 'email_out').messageId;
    await api.viewWhen(ref, 'delivery: sent', (v) => v.timeline.some((e: any) => e.messageId === messageId && e.delivery === 'sent'));

    // The trace of the command: the one the Update's client span is in.
    const update = await api.eventually('the Update span', async () => spans().find((s) => s.name.startsWith('StartWorkflowUpdate:')));
    const traceId = update.spanContext().traceId;
    // Spans come as they end: a StartActivity span ends once the workflow has the activity's outcome.
    const whole = (t: ReadableSpan[]) => {
      const names = t.map((s) => s.name);
      const root = t.find((s) => !parentId(s));
      return ['HandleUpdate:', 'RunActivity:recordChanges', 'RunActivity:deliverEmail', 'smtp.send'].every((n) => names.some((name) => name.startsWith(n))) && t.every((s) => s === root || ancestry(s, t).at(-1) === root?.name);
    };
    const trace = await api.eventually('the whole trace', async () => whole(traceOf(traceId)) && traceOf(traceId)).catch((error) => {
      throw new Error(`${error.message}:\n${traceOf(traceId).map((s) => `${s.name} <- ${ancestry(s, traceOf(traceId)).join(' <- ')}`).join('\n')}`);
    });

    const http = trace.find((s) => s.kind === SpanKind.SERVER && scope(s) === '@opentelemetry/instrumentation-http');
    expect(http, `no HTTP server span in ${trace.map((s) => s.name)}`).toBeDefined();
    expect(String(http!.attributes['url.path'] ?? http!.attributes['http.target'])).toBe(`/v1/work-items/${ref}/emails`);
    expect(parentId(http!), 'the HTTP request is the trace\'s root').toBeUndefined();

    const handle = trace.find((s) => s.name.startsWith('HandleUpdate:'))!;
    const store = trace.find((s) => s.name === 'RunActivity:recordChanges')!;
    const deliver = trace.find((s) => s.name === 'RunActivity:deliverEmail')!;
    const smtp = trace.find((s) => s.name === 'smtp.send')!;
    const pgQuery = trace.find((s) => scope(s) === '@opentelemetry/instrumentation-pg' && ancestry(s, trace).includes('RunActivity:recordChanges'));
    expect(pgQuery, 'a PostgreSQL span under the store activity').toBeDefined();

    // Each span hangs from the one before it, up to the HTTP request.
    expect(ancestry(update, trace)).toContain(http!.name);
    expect(ancestry(handle, trace)).toEqual(expect.arrayContaining([update.name, http!.name]));
    expect(ancestry(store, trace)).toEqual(expect.arrayContaining(['StartActivity:recordChanges', handle.name, update.name, http!.name]));
    expect(ancestry(deliver, trace)).toEqual(expect.arrayContaining(['StartActivity:deliverEmail', handle.name, http!.name]));
    expect(ancestry(smtp, trace)[0]).toBe('RunActivity:deliverEmail');
    // Every span of the trace reaches the root: no orphan (a workflow span that lost its parent).
    for (const span of trace) if (span !== http) expect(ancestry(span, trace).at(-1), `${span.name} does not reach the HTTP span`).toBe(http!.name);
    expect(store.resource.attributes['service.name']).toBe('work-items-test');
  });

  it('R47: creating an item is one trace from the HTTP request to the workflow start', async () => {
    exporter.reset();
    const created = await api.request('POST', '/v1/work-items', { as: 'alice', body: { kind: 'ticket', title: 'Traced creation' } });
    expect(created.status).toBe(201);
    const start = await api.eventually('the StartWorkflow span', async () => spans().find((s) => s.name === 'StartWorkflow:workItem'));
    const trace = traceOf(start.spanContext().traceId);
    const http = trace.find((s) => s.kind === SpanKind.SERVER && scope(s) === '@opentelemetry/instrumentation-http')!;
    expect(String(http.attributes['url.path'] ?? http.attributes['http.target'])).toBe('/v1/work-items');
    expect(ancestry(start, trace).at(-1)).toBe(http.name);
    // The API stores the new item itself: PostgreSQL spans under the same request.
    expect(trace.some((s) => scope(s) === '@opentelemetry/instrumentation-pg' && ancestry(s, trace).includes(http.name))).toBe(true);
  });

  it('R47: the history of an item run with tracing on replays with the tracing interceptors and without them', async () => {
    const history = await api.service.client.workflow.getHandle(tracedRef).fetchHistory();
    const dataConverter = dataConverterFor(testPayloadKeys);
    for (const tracing of [true, false]) {
      const workflowBundle = await bundleWorkItemWorkflows({ tracing, logger: quietLogger });
      await Worker.runReplayHistory({ workflowBundle, dataConverter }, history, tracedRef);
    }
  }, 120_000);
});
