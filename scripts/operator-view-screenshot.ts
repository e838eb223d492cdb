// The README's screenshot of one item in the Temporal UI (docs/images/temporal-ui-item.png), made
// against a running service (`npm start`, or scripts/start.ts on other ports): a category with an
// SLA, a resource, a ticket picked up and put in `waiting`; then, once the item has stored its
// changes and armed the timer on its wait's end, the item's "User Metadata" page (summary, details,
// named timers, current details) in headless Chromium.
//
// Chromium is driven by playwright-core, which is not a dependency of this repository: install it
// anywhere (`npm install --prefix /tmp/pw playwright-core`) and name it in PLAYWRIGHT_CORE.
//
// Environment: PORT (3000) or API_URL; ADMIN_TOKEN (else <DATA_DIR>/admin-token); TEMPORAL_PORT
// (7233) or TEMPORAL_ADDRESS; TEMPORAL_UI_PORT (8233) or TEMPORAL_UI_URL; PLAYWRIGHT_CORE (the
// playwright-core folder); CHROMIUM_PATH (/usr/bin/chromium); OUT (docs/images/temporal-ui-item.png);
// PAYLOAD_KEYS (else <DATA_DIR>/payload-keys: the item's payloads are encrypted, R48).

import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { repoRoot } from './tool-paths.js';
import { AesGcmPayloadCodec, parsePayloadKeys } from '../worker/payload-codec.js';
import { launchChromium, payloadKeysOfStart, signInToCodec, type SignInPage } from './ui-browser.js';

const env = (name: string): string | undefined => process.env[name] || undefined;
const api = env('API_URL') ?? `http://127.0.0.1:${env('PORT') ?? '3000'}`;
const adminToken = env('ADMIN_TOKEN') ?? readFileSync(resolve(repoRoot, env('DATA_DIR') ?? '.data', 'admin-token'), 'utf8').trim();
const temporalAddress = env('TEMPORAL_ADDRESS') ?? `127.0.0.1:${env('TEMPORAL_PORT') ?? '7233'}`;
const uiUrl = (env('TEMPORAL_UI_URL') ?? `http://127.0.0.1:${env('TEMPORAL_UI_PORT') ?? '8233'}`).replace(/\/$/, '');
const out = resolve(repoRoot, env('OUT') ?? 'docs/images/temporal-ui-item.png');

async function call(method: string, path: string, token: string, body?: unknown): Promise<any> {
  const res = await fetch(api + path, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw Object.assign(new Error(`${method} ${path}: ${res.status} ${text}`), { status: res.status });
  return text ? JSON.parse(text) : undefined;
}

/** Polls until `check` returns a value, for at most `timeoutMs`. */
async function eventually<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

// 1. The item: a ticket of a category with a 16-hour SLA whose clock stops while waiting for information.
await call('PUT', '/v1/categories/invoices', adminToken, { name: 'Invoices', feedbackWindow: 'P5D', sla: { target: 'PT16H', addWaitingTime: true, stopOn: ['more_info'] } });
let agent = 'alice';
let token: string;
try {
  token = (await call('POST', '/v1/resources', adminToken, { id: agent, name: 'Alice', kind: 'human' })).token;
} catch (error) {
  if ((error as { status?: number }).status !== 409) throw error;
  agent = `alice-${Date.now()}`; // a second run on the same data
  token = (await call('POST', '/v1/resources', adminToken, { id: agent, name: 'Alice', kind: 'human' })).token;
}
const { ref } = await call('POST', '/v1/work-items', token, {
  kind: 'ticket',
  title: 'Invoice 4711 missing',
  description: 'ACME says invoice 4711 was never paid.',
  categoryId: 'invoices',
  queue: 'finance',
  primaryContact: 'ap@acme.example',
  requester: 'ap@acme.example',
  submit: true,
});
await call('POST', `/v1/work-items/${ref}/pick-up`, token, {});
await call('POST', `/v1/work-items/${ref}/wait`, token, { type: 'more_info', days: 3 });
console.log(`${ref}: created, picked up by ${agent}, waiting for more information`);

// 2. What Temporal holds: the static summary and details, the timers' names, the current details.
const codec = new AesGcmPayloadCodec(parsePayloadKeys(payloadKeysOfStart()));
const dataConverter = { payloadCodecs: [codec] };
const connection = await Connection.connect({ address: temporalAddress });
try {
  const handle = new Client({ connection, dataConverter }).workflow.getHandle(ref);
  // The item stores its changes within 30 s, then arms its one timer on the wait's end.
  const timers = await eventually(
    "the timer on the wait's end",
    async () => {
      const summaries = ((await handle.fetchHistory()).events ?? []).filter((e) => e.timerStartedEventAttributes && e.userMetadata?.summary).map((e) => e.userMetadata!.summary!);
      const names = (await codec.decode(summaries)).map((p) => defaultPayloadConverter.fromPayload<string>(p)); // R48: summaries are encrypted too
      return names.some((n) => n.startsWith('wait end')) && names;
    },
    90_000,
  );
  const description = await handle.describe();
  const { currentDetails } = await handle.query<{ currentDetails?: string }>('__temporal_workflow_metadata');
  console.log(`summary: ${await description.staticSummary()}\ntimers:\n  ${timers.join('\n  ')}\ncurrent details:\n${currentDetails}`);
} finally {
  await connection.close();
}

// 3. The screenshot: the item's "User Metadata" page in the Temporal UI.
interface Frame {
  getByText(text: string, options?: object): { count(): Promise<number> };
}
interface Page extends SignInPage {
  getByText(text: string, options?: object): { click(): Promise<void>; first(): { waitFor(options?: object): Promise<void> } };
  /** The UI draws each Markdown text (summary, details, current details) in a frame of its own. */
  frames(): Frame[];
  screenshot(options: object): Promise<unknown>;
  url(): string;
}
/** Whether some frame of the page shows `text`. */
const shows = async (page: Page, text: string): Promise<boolean> => {
  for (const frame of page.frames()) if ((await frame.getByText(text).count()) > 0) return true;
  return false;
};
const browser = await launchChromium<Page>();
try {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  await signInToCodec(page, api, adminToken, uiUrl); // the UI decodes the item's payloads (R48)
  await page.goto(`${uiUrl}/namespaces/default/workflows/${encodeURIComponent(ref)}`, { waitUntil: 'load' });
  await page.getByText('User Metadata', { exact: true }).click();
  await eventually('the current details on the page', async () => (await shows(page, 'waiting: more_info')) && (await shows(page, 'wait end (more_info)')), 30_000);
  await page.screenshot({ path: out });
  console.log(`screenshot of ${page.url()}\n  saved as ${out}`);
} finally {
  await browser.close();
}
