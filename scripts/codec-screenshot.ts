// docs/images/temporal-ui-decoded.png: one item's history in the Temporal UI, its payloads decoded
// by the service's codec server (R48), made against a running `npm start`: a ticket with a note;
// then, in headless Chromium, the operator signs in at /v1/codec/sign-in, turns on "Include
// cross-origin credentials" in the UI's codec settings, and opens the item's history.
// docs/images/temporal-ui-encrypted.png is the same page before signing in.
//
// Chromium is driven by playwright-core, not a dependency of this repository: install it anywhere
// (`npm install --prefix /tmp/pw playwright-core`) and name it in PLAYWRIGHT_CORE.
// Environment: PORT (3000) or API_URL; ADMIN_TOKEN (else <DATA_DIR>/admin-token); TEMPORAL_UI_PORT
// (8233) or TEMPORAL_UI_URL; PLAYWRIGHT_CORE; CHROMIUM_PATH (/usr/bin/chromium); OUT_DIR (docs/images).

import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { repoRoot } from './tool-paths.js';
import { launchChromium, signInToCodec, type SignInPage } from './ui-browser.js';

const env = (name: string): string | undefined => process.env[name] || undefined;
const api = env('API_URL') ?? `http://127.0.0.1:${env('PORT') ?? '3000'}`;
const adminToken = env('ADMIN_TOKEN') ?? readFileSync(resolve(repoRoot, env('DATA_DIR') ?? '.data', 'admin-token'), 'utf8').trim();
const uiUrl = (env('TEMPORAL_UI_URL') ?? `http://127.0.0.1:${env('TEMPORAL_UI_PORT') ?? '8233'}`).replace(/\/$/, '');
const outDir = resolve(repoRoot, env('OUT_DIR') ?? 'docs/images');

async function call(method: string, path: string, body?: unknown): Promise<any> {
  const res = await fetch(api + path, { method, headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

// 1. The item: a ticket with personal data in its title, contact and a note.
await call('PUT', '/v1/categories/payroll', { name: 'Payroll' });
const { ref } = await call('POST', '/v1/work-items', {
  kind: 'ticket',
  title: 'Salary advance for Ann Popescu',
  description: 'Ann asks for an advance on her March salary.',
  categoryId: 'payroll',
  queue: 'hr',
  primaryContact: 'ann.popescu@acme.example',
  requester: 'ann.popescu@acme.example',
  submit: true,
});
console.log(`${ref}: created`);

// 2. The UI, before and after the operator signs in to the codec server.
interface Page extends SignInPage {
  screenshot(options: object): Promise<unknown>;
  waitForTimeout(ms: number): Promise<void>;
}
const browser = await launchChromium<Page>();
try {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1100 } });
  const history = `${uiUrl}/namespaces/default/workflows/${encodeURIComponent(ref)}`;
  await page.goto(history, { waitUntil: 'load' });
  await page.getByText(ref).first().waitFor({ timeout: 30_000 });
  await page.waitForTimeout(2_000); // the UI's codec calls (refused: nobody signed in) settle
  await page.screenshot({ path: join(outDir, 'temporal-ui-encrypted.png') });

  await signInToCodec(page, api, adminToken, uiUrl);
  await page.goto(history, { waitUntil: 'load' });
  await page.getByText('Salary advance for Ann Popescu').first().waitFor({ timeout: 30_000 });
  await page.screenshot({ path: join(outDir, 'temporal-ui-decoded.png') });
  console.log(`screenshots of ${history}\n  saved in ${outDir}: temporal-ui-encrypted.png, temporal-ui-decoded.png`);
} finally {
  await browser.close();
}
