// GET /metrics, in Prometheus's text format, for operators:
// - HTTP requests by route, method and status, with a latency histogram;
// - work-item figures from the read model, read at each scrape (store/metrics-store.ts): open items by kind and state,
//   breached open items, the oldest unassigned `todo` per queue, inbound SMTP messages not yet
//   taken, outbound email not delivered yet and failed;
// - the Temporal worker's own metrics (the SDK core's exporter, when the process installed it:
//   worker/worker-metrics.ts), appended as they are.

import type { RequestHandler } from 'express';
import type pg from 'pg';
import client from 'prom-client';
import { OperationalFigures } from '../store/metrics-store.js';

export interface Metrics {
  /** Records every request's route, method, status and duration. */
  middleware: RequestHandler;
  /** The whole exposition text. */
  render(): Promise<string>;
  contentType: string;
}

export function createMetrics(pool: pg.Pool, workerMetricsUrl?: string): Metrics {
  const figures = new OperationalFigures(pool);
  const registry = new client.Registry();
  const requests = new client.Histogram({
    name: 'work_items_http_request_duration_seconds',
    help: 'HTTP requests by route, method and status, and how long they took',
    labelNames: ['route', 'method', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });

  const gauge = (name: string, help: string, labelNames: string[], collect: (g: client.Gauge) => Promise<void>) =>
    new client.Gauge({ name, help, labelNames, registers: [registry], async collect() { this.reset(); await collect(this); } });

  gauge('work_items_open', 'Work items not closed, by kind and state', ['kind', 'state'], async (g) => {
    for (const r of await figures.openItems()) g.set({ kind: r.kind, state: r.state }, r.n);
  });
  gauge('work_items_breached_open', 'Open work items whose SLA is breached, any clock (R39)', [], async (g) => {
    g.set(await figures.breachedOpenItems());
  });
  gauge('work_items_breached_open_by_clock', 'Open work items whose SLA clock is breached, by clock (R44)', ['clock'], async (g) => {
    for (const { clock, n } of await figures.breachedOpenItemsByClock()) g.set({ clock }, n);
  });
  gauge('work_items_oldest_todo_age_seconds', 'Age of the oldest unassigned todo item of each queue (since its last change)', ['queue'], async (g) => {
    for (const r of await figures.oldestTodoAges()) g.set({ queue: r.queue }, r.age);
  });
  gauge('work_items_inbound_smtp_pending', 'Inbound SMTP messages stored (answered 250) and not taken yet', [], async (g) => {
    g.set(await figures.pendingInboundMessages());
  });
  gauge('work_items_outbound_email', 'Outbound emails by delivery state', ['delivery'], async (g) => {
    const rows = await figures.outboundEmailsByDelivery();
    for (const d of ['queued', 'sending', 'sent', 'failed']) g.set({ delivery: d }, rows.find((r) => r.delivery === d)?.n ?? 0);
  });

  const middleware: RequestHandler = (req, res, next) => {
    const end = requests.startTimer();
    res.once('finish', () => {
      // The route's pattern (/v1/work-items/:ref), never the path (one series per item).
      const route = typeof res.locals.route === 'string' ? res.locals.route : req.route?.path ? String(req.route.path) : 'unmatched';
      end({ route, method: req.method, status: String(res.statusCode) });
    });
    next();
  };

  return {
    middleware,
    contentType: registry.contentType,
    async render() {
      const own = await registry.metrics();
      if (!workerMetricsUrl) return own;
      const worker = await fetch(workerMetricsUrl, { signal: AbortSignal.timeout(2_000) })
        .then((r) => r.text())
        .catch((err: Error) => `# the Temporal worker's metrics could not be read from ${workerMetricsUrl}: ${err.message}\n`);
      return `${own}\n# The Temporal worker's own metrics (SDK core)\n${worker}`;
    },
  };
}
