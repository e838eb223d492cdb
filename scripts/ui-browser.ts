// The screenshot scripts' browser: headless Chromium driven by playwright-core (not a dependency of
// this repository: `npm install --prefix /tmp/pw playwright-core`, then PLAYWRIGHT_CORE names it;
// CHROMIUM_PATH, else /usr/bin/chromium), and what an operator does once so that the Temporal UI
// shows the service's payloads decoded (R48): signs in at the codec server, and turns on "Include
// cross-origin credentials" in the UI's codec settings (kept in the UI origin's localStorage).

import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { repoRoot } from './tool-paths.js';

export interface Browser<P> {
  newPage(options: object): Promise<P>;
  close(): Promise<void>;
}

export async function launchChromium<P>(): Promise<Browser<P>> {
  const dir = process.env.PLAYWRIGHT_CORE || undefined;
  const entry = dir ? pathToFileURL(join(dir, 'index.mjs')).href : 'playwright-core';
  if (dir && !existsSync(join(dir, 'index.mjs'))) throw new Error(`PLAYWRIGHT_CORE=${dir} has no index.mjs: npm install --prefix /tmp/pw playwright-core`);
  const { chromium } = (await import(entry)) as { chromium: { launch(options: object): Promise<Browser<P>> } };
  return chromium.launch({ executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium', args: ['--no-sandbox'] });
}

export interface SignInPage {
  goto(url: string, options?: object): Promise<unknown>;
  locator(selector: string): { fill(value: string): Promise<void>; click(): Promise<void> };
  getByText(text: string, options?: object): { first(): { waitFor(options?: object): Promise<void> } };
  evaluate(script: string): Promise<unknown>;
}

export async function signInToCodec(page: SignInPage, api: string, adminToken: string, uiUrl: string): Promise<void> {
  await page.goto(`${api}/v1/codec/sign-in`);
  await page.locator('input[name=token]').fill(adminToken);
  await page.locator('button').click();
  await page.getByText('Signed in').first().waitFor({ timeout: 10_000 });
  await page.goto(uiUrl, { waitUntil: 'load' });
  await page.evaluate(`(() => {
    localStorage.setItem('endpoint', JSON.stringify(${JSON.stringify(`${api}/v1/codec`)}));
    localStorage.setItem('includeCredentials', 'true');
    localStorage.setItem('overrideRemoteCodecConfiguration', 'true');
  })()`);
}

/** PAYLOAD_KEYS, else the key `npm start` keeps in its data directory. */
export function payloadKeysOfStart(): string {
  return process.env.PAYLOAD_KEYS || readFileSync(resolve(repoRoot, process.env.DATA_DIR || '.data', 'payload-keys'), 'utf8').trim();
}
