// The Temporal worker's own metrics (task slots, poll and task latencies, sticky cache, activity
// and workflow task failures), from the SDK core's Prometheus exporter. The exporter belongs to
// the process's Temporal Runtime, which is installed once, before anything connects to Temporal:
// by the entry points (with their signal handling, scripts/process-lifecycle.ts) or by a test.
// GET /metrics then appends what it serves.

import { Runtime, type RuntimeOptions } from '@temporalio/worker';
import { freePort } from './free-port.js';

export interface WorkerMetricsExporter {
  /** Where the exporter serves the worker's metrics. */
  url: string;
  /** The Runtime's telemetry options that start it. */
  telemetryOptions: NonNullable<RuntimeOptions['telemetryOptions']>;
}

/** An exporter on 127.0.0.1:port (0: a free port), for Runtime.install. */
export async function workerMetricsExporter(port = 0): Promise<WorkerMetricsExporter> {
  const bound = port || (await freePort());
  return { url: `http://127.0.0.1:${bound}/metrics`, telemetryOptions: { metrics: { prometheus: { bindAddress: `127.0.0.1:${bound}` } } } };
}

/** Installs the Runtime with the exporter (a process that installs nothing else); its URL. */
export async function installWorkerMetrics(port = 0): Promise<string> {
  const exporter = await workerMetricsExporter(port);
  Runtime.install({ telemetryOptions: exporter.telemetryOptions });
  return exporter.url;
}
