// Tracing does not change what the workflow does (R47, issue 27; docs/tracing.md): the recorded
// histories (test/workflows/histories/, see recorded-histories.test.ts) replay without
// nondeterminism on a bundle with the OpenTelemetry workflow interceptors, and a replay exports no
// span (the workflow's span sink is not called during a replay).

import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { Worker } from '@temporalio/worker';
import { expect, it } from 'vitest';
import { bundleWorkItemWorkflows } from '../../worker/create-worker.js';
import { startTracing } from '../../worker/tracing.js';
import { historyFromJSON } from '../support/history.js';
import { quietLogger } from '../support/workflow-harness.js';

const DIR = join(dirname(fileURLToPath(import.meta.url)), 'histories');

it('R47: every recorded history replays with the OpenTelemetry workflow interceptors in the bundle, and exports no span', async () => {
  const files = readdirSync(DIR).filter((f) => f.endsWith('.json')).sort();
  expect(files.length).toBeGreaterThanOrEqual(3);
  const histories = files.map((file) => ({ workflowId: file, history: historyFromJSON(JSON.parse(readFileSync(join(DIR, file), 'utf8'))) }));
  const exporter = new InMemorySpanExporter();
  const tracing = startTracing({ spanProcessor: new SimpleSpanProcessor(exporter) });
  try {
    const workflowBundle = await bundleWorkItemWorkflows({ tracing: true, logger: quietLogger });
    let replayed = 0;
    for await (const result of Worker.runReplayHistories({ workflowBundle, sinks: tracing.workflowSinks, interceptors: { activity: [tracing.activityInterceptor] } }, histories)) {
      expect(result.error, `${result.workflowId}: ${result.error?.message}`).toBeUndefined();
      replayed++;
    }
    expect(replayed).toBe(files.length);
    expect(exporter.getFinishedSpans().map((s) => s.name)).toEqual([]);
  } finally {
    await tracing.shutdown();
  }
}, 120_000);
