// docs/trace-jaeger.png: one command's trace in the Jaeger UI (docs/tracing.md), made against a
// service running with tracing on (OTEL_EXPORTER_OTLP_ENDPOINT at Jaeger's OTLP/HTTP port) and an
// outbound relay (npm start's Mailpit): a ticket picked up, then an email sent (POST .../emails),
// whose trace runs from the HTTP request to the SMTP relay. The trace is found through Jaeger's
// HTTP API and its page captured in headless Chromium.
//
// Chromium is driven by playwright-core, not a dependency of this repository
// (scripts/ui-browser.ts: PLAYWRIGHT_CORE, CHROMIUM_PATH).
// Environment: API_URL (http://127.0.0.1:3000), ADMIN_TOKEN, JAEGER_URL (http://127.0.0.1:16686),
// OTEL_SERVICE_NAME (work-items), OUT (docs/trace-jaeger.png).

import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { repoRoot } from './tool-paths.js';
import { launchChromium } from './ui-browser.js';

const env = (name: string): string | undefined => process.env[name] || undefined;
const api = env('API_URL') ?? 'http://127.0.0.1:3000';
const adminToken = env('ADMIN_TOKEN') ?? '';
const jaeger = (env('JAEGER_URL') ?? 'http://127.0.0.1:16686').replace(/\/$/, '');
const serviceName = env('OTEL_SERVICE_NAME') ?? 'work-items';
const out = resolve(repoRoot, env('OUT') ?? 'docs/trace-jaeger.png');

async function call(method: string, path: string, body?: unknown, token = adminToken): Promise<any> {
  const res = await fetch(api + path, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

await call('PUT', '/v1/categories/billing', { name: 'Billing', requireResolutionCommunication: true, feedbackWindow: 'P5D' });
await call('PUT', '/v1/mailboxes/desk@example.com', { starts: 'ticket', categoryId: 'billing' });
const agentId = `agent-${Date.now()}`;
const { token } = await call('POST', '/v1/resources', { id: agentId, name: 'Alice Agent', kind: 'human' });
const { ref } = await call('POST', '/v1/work-items', { kind: 'ticket', title: 'Invoice 42 unpaid', description: 'ACME says invoice 42 was never paid.', categoryId: 'billing', primaryContact: 'ann@acme.example', requester: 'ann@acme.example', submit: true }, token);
await call('POST', `/v1/work-items/${ref}/pick-up`, {}, token);
const sent = await call('POST', `/v1/work-items/${ref}/emails`, { to: ['ann@acme.example'], subject: 'Invoice 42', body: 'Invoice 42 was paid on 3 March.' }, token);
const messageId = sent.timeline.find((e: any) => e.type === 'email_out').messageId;
for (let i = 0; ; i++) {
  const view = await call('GET', `/v1/work-items/${ref}`, undefined, token);
  if (view.timeline.some((e: any) => e.messageId === messageId && e.delivery === 'sent')) break;
  if (i > 100) throw new Error(`the email of ${ref} was not sent: is an outbound relay configured?`);
  await sleep(200);
}
console.log(`${ref}: email sent; waiting for the spans to reach Jaeger`);

// The trace whose root is the POST .../emails request, once its SMTP span is there.
let traceId: string | undefined;
for (let i = 0; !traceId; i++) {
  if (i > 60) throw new Error(`no trace of POST /v1/work-items/${ref}/emails in Jaeger at ${jaeger}`);
  await sleep(1000);
  const found = await (await fetch(`${jaeger}/api/traces?service=${encodeURIComponent(serviceName)}&lookback=1h&limit=50`)).json() as { data: Array<{ traceID: string; spans: Array<{ operationName: string; tags: Array<{ key: string; value: unknown }> }> }> };
  traceId = found.data.find((t) =>
    t.spans.some((s) => s.operationName === 'smtp.send') &&
    t.spans.some((s) => s.tags.some((tag) => (tag.key === 'url.path' || tag.key === 'http.target') && tag.value === `/v1/work-items/${ref}/emails`)),
  )?.traceID;
}
console.log(`trace ${traceId}`);

interface Page {
  goto(url: string, options?: object): Promise<unknown>;
  getByText(text: string, options?: object): { first(): { waitFor(options?: object): Promise<void> } };
  screenshot(options: object): Promise<Buffer>;
}
const browser = await launchChromium<Page>();
try {
  const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
  await page.goto(`${jaeger}/trace/${traceId}`, { waitUntil: 'load' });
  await page.getByText('smtp.send').first().waitFor({ timeout: 20_000 });
  await sleep(500);
  writeFileSync(out, await page.screenshot({ fullPage: true }));
  console.log(`wrote ${out}`);
} finally {
  await browser.close();
}
