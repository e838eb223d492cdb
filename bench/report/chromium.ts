// Headless Chromium driven over the DevTools protocol on a pipe (--remote-debugging-pipe: commands
// on fd 3, answers on fd 4, each a JSON message ended by a NUL), so that no npm package is needed:
// loads a page, collects its console errors and uncaught exceptions, evaluates an expression and
// can take a full-page screenshot. CHROMIUM_PATH names the browser (default /usr/bin/chromium).

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';

export const chromiumPath = (): string => process.env.CHROMIUM_PATH || '/usr/bin/chromium';
export const hasChromium = (): boolean => existsSync(chromiumPath());

export interface PageVisit {
  /** Console errors, failed loads and uncaught exceptions, as text. */
  errors: string[];
  /** The value of `evaluate`, when given. */
  value?: unknown;
  /** A PNG of the whole page, when asked. */
  screenshot?: Buffer;
}

/** `screenshot`: true for the whole page, or the part from `y` (0) `height` pixels tall. */
export async function visit(url: string, options: { evaluate?: string; screenshot?: boolean | { y?: number; height?: number }; width?: number; timeoutMs?: number } = {}): Promise<PageVisit> {
  const width = options.width ?? 1280;
  const profile = await mkdtemp(join(tmpdir(), 'bench-report-chromium-'));
  const args = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--hide-scrollbars', '--mute-audio', '--remote-debugging-pipe', `--user-data-dir=${profile}`, `--window-size=${width},900`, 'about:blank'];
  const proc = spawn(chromiumPath(), args, { stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'] });
  let stderr = '';
  proc.stderr!.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-4000)));
  const toBrowser = proc.stdio[3] as Writable;
  const fromBrowser = proc.stdio[4] as Readable;
  toBrowser.on('error', () => undefined); // EPIPE once the browser has gone; `exited` reports it
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));

  let nextId = 1;
  const pending = new Map<number, { resolve: (v: any) => void; reject: (e: Error) => void }>();
  const listeners: Array<(method: string, params: any) => void> = [];
  let buffer = Buffer.alloc(0);
  fromBrowser.on('data', (chunk: Buffer) => {
    buffer = Buffer.concat([buffer, chunk]);
    for (let end = buffer.indexOf(0); end >= 0; end = buffer.indexOf(0)) {
      const message = JSON.parse(buffer.subarray(0, end).toString('utf8'));
      buffer = buffer.subarray(end + 1);
      if (message.id !== undefined) {
        const p = pending.get(message.id);
        pending.delete(message.id);
        if (message.error) p?.reject(new Error(`${message.error.message} ${message.error.data ?? ''}`));
        else p?.resolve(message.result);
      } else for (const l of listeners) l(message.method, message.params);
    }
  });
  const send = (method: string, params: object = {}, sessionId?: string): Promise<any> =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve, reject });
      toBrowser.write(`${JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) })}\0`);
    });
  const event = (name: string) => new Promise<any>((resolve) => listeners.push((m, p) => m === name && resolve(p)));

  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Chromium did not finish within ${options.timeoutMs ?? 30_000} ms; its stderr:\n${stderr}`)), options.timeoutMs ?? 30_000);
  });
  const work = async (): Promise<PageVisit> => {
    const errors: string[] = [];
    const { targetId } = await send('Target.createTarget', { url: 'about:blank' });
    const { sessionId } = await send('Target.attachToTarget', { targetId, flatten: true });
    listeners.push((method, params) => {
      if (method === 'Runtime.consoleAPICalled' && (params.type === 'error' || params.type === 'assert'))
        errors.push(`console.${params.type}: ${params.args.map((a: any) => a.value ?? a.description ?? '').join(' ')}`);
      else if (method === 'Runtime.exceptionThrown') errors.push(`exception: ${params.exceptionDetails.exception?.description ?? params.exceptionDetails.text}`);
      else if (method === 'Log.entryAdded' && params.entry.level === 'error') errors.push(`${params.entry.source}: ${params.entry.text}${params.entry.url ? ` (${params.entry.url})` : ''}`);
    });
    for (const domain of ['Page', 'Runtime', 'Log']) await send(`${domain}.enable`, {}, sessionId);
    const loaded = event('Page.loadEventFired');
    const nav = await send('Page.navigate', { url }, sessionId);
    if (nav.errorText) throw new Error(`could not load ${url}: ${nav.errorText}`);
    await loaded;
    const result: PageVisit = { errors };
    if (options.evaluate) {
      const { result: value, exceptionDetails } = await send('Runtime.evaluate', { expression: options.evaluate, returnByValue: true }, sessionId);
      if (exceptionDetails) throw new Error(`evaluate: ${exceptionDetails.exception?.description ?? exceptionDetails.text}`);
      result.value = value.value;
    }
    if (options.screenshot) {
      const { cssContentSize } = await send('Page.getLayoutMetrics', {}, sessionId);
      const full = Math.ceil(cssContentSize.height);
      const part = options.screenshot === true ? {} : options.screenshot;
      const y = Math.min(part.y ?? 0, full - 1);
      const height = Math.min(part.height ?? full, full - y);
      await send('Emulation.setDeviceMetricsOverride', { width, height: full, deviceScaleFactor: 1, mobile: false }, sessionId);
      const { data } = await send('Page.captureScreenshot', { format: 'png', clip: { x: 0, y, width, height, scale: 1 }, captureBeyondViewport: true }, sessionId);
      result.screenshot = Buffer.from(data, 'base64');
    }
    // Messages logged while the page settled arrive before the answers above.
    return result;
  };
  try {
    return await Promise.race([work(), timeout, exited.then(() => Promise.reject(new Error(`Chromium exited early; its stderr:\n${stderr}`)))]);
  } finally {
    clearTimeout(timer);
    if (proc.exitCode === null) void send('Browser.close').catch(() => undefined); // no answer once it is gone
    const kill = setTimeout(() => proc.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(kill);
    await rm(profile, { recursive: true, force: true });
  }
}
