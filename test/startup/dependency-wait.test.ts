// The wait for a dependency of `npm start` (scripts/dependency.ts): it lasts while the process
// makes progress, says every few seconds what it waits for, and gives up with a clear message when
// the process dies or stops making progress. Real child processes; no fixed sleeps.

import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { afterAll, describe, expect, it } from 'vitest';
import { DependencyError, startDependency, tcpOpen } from '../../scripts/dependency.js';
import { startTemporalDevServer } from '../../scripts/temporal-dev-server.js';
import { temporalCliPath } from '../../scripts/tool-paths.js';
import { freePort } from '../../worker/free-port.js';

const dir = mkdtempSync(join(tmpdir(), 'dependency-wait-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A fake server: prints `lines` every 200 ms for `afterMs`, then listens on PORT, or exits with EXIT_CODE, or idles silently. */
const FAKE = `
const net = require('node:net');
const { PORT, AFTER_MS, THEN } = process.env;
const t0 = Date.now();
console.log('fake: starting');
const progress = setInterval(() => {
  if (THEN === 'idle') return;
  const busy = Date.now() + 20;
  while (Date.now() < busy); // some CPU, as a server that is loading
  console.log('fake: warming up, ' + (Date.now() - t0) + ' ms');
}, 200);
setTimeout(() => {
  clearInterval(progress);
  if (THEN === 'exit') { console.error('fake: cannot open its data'); process.exit(3); }
  if (THEN === 'listen') net.createServer().listen(Number(PORT), '127.0.0.1', () => console.log('fake: listening'));
  if (THEN === 'idle') setInterval(() => {}, 60_000);
}, THEN === 'idle' ? 0 : Number(AFTER_MS));
`;

function fake(then: 'listen' | 'exit' | 'idle', port: number, afterMs: number, stallMs: number) {
  const lines: string[] = [];
  const output: string[] = [];
  const started = Date.now();
  const result = startDependency({
    name: 'fake server',
    command: process.execPath,
    args: ['-e', FAKE],
    env: { ...process.env, PORT: String(port), AFTER_MS: String(afterMs), THEN: then },
    waitingFor: `to listen on 127.0.0.1:${port}`,
    ready: () => tcpOpen(port),
    log: (line) => lines.push(line),
    output: (chunk) => output.push(chunk.toString()),
    stallMs,
    reportEveryMs: 1_000,
    stopGraceMs: 0,
  });
  return { result, lines, output, elapsed: () => Date.now() - started };
}

describe('waiting for a dependency', () => {
  it('keeps waiting while a slow dependency makes progress, saying what it waits for', async () => {
    const port = await freePort();
    // No progress check would let it wait 1.5 s at most; it binds its port after 4 s.
    const slow = fake('listen', port, 4_000, 1_500);
    const running = await slow.result;
    try {
      expect(slow.elapsed()).toBeGreaterThanOrEqual(4_000);
      expect(await tcpOpen(port)).toBe(true);
      const waiting = slow.lines.filter((l) => l.startsWith(`waiting for the fake server to listen on 127.0.0.1:${port}`));
      expect(waiting.length, slow.lines.join('\n')).toBeGreaterThanOrEqual(2);
      expect(waiting[0]).toMatch(/\d+(\.\d)? s so far \(running, [\d.]+ s of CPU so far, \d+ bytes of output\)/);
    } finally {
      await running.stop();
    }
  });

  it('gives up at once, with its last output, when the dependency dies', async () => {
    const port = await freePort();
    const dying = fake('exit', port, 1_000, 60_000);
    const err = await dying.result.then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(DependencyError);
    expect((err as Error).message).toMatch(/^fake server exited \(code 3\) before it was ready, after \d\.\d s; its last output:\n/);
    expect((err as Error).message).toContain('fake: cannot open its data');
    expect(dying.elapsed()).toBeLessThan(15_000);
  });

  it('gives up when the dependency makes no progress for the stall time', async () => {
    const port = await freePort();
    const stuck = fake('idle', port, 0, 2_000);
    const err = await stuck.result.then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(DependencyError);
    expect((err as Error).message).toMatch(
      new RegExp(`^fake server is not ready to listen on 127\\.0\\.0\\.1:${port} and has made no progress \\(no CPU time used, no output\\) for \\d\\.\\d s; it seems stuck`),
    );
    expect(stuck.elapsed()).toBeLessThan(15_000);
  });

  it.skipIf(!temporalCliPath())('waits for a Temporal dev server that takes longer than the SDK allowed (5 s) to start', async () => {
    // The CLI behind a wrapper that spends 8 s on its way (printing as it goes) before it starts.
    const wrapper = join(dir, 'slow-temporal');
    writeFileSync(wrapper, `#!/usr/bin/env bash\nfor i in $(seq 1 16); do echo "slow start $i"; sleep 0.5; done\nexec '${temporalCliPath()}' "$@"\n`);
    chmodSync(wrapper, 0o755);
    const lines: string[] = [];
    const started = Date.now();
    const server = await startTemporalDevServer({ path: wrapper, port: 0, wait: { log: (l) => lines.push(l), output: () => undefined, reportEveryMs: 2_000, stopGraceMs: 0 } });
    try {
      expect(Date.now() - started).toBeGreaterThanOrEqual(8_000);
      expect(lines.some((l) => l.startsWith(`waiting for the Temporal dev server to answer on ${server.address}`)), lines.join('\n')).toBe(true);
      const connection = await Connection.connect({ address: server.address });
      try {
        const { namespaceInfo } = await connection.workflowService.describeNamespace({ namespace: 'default' });
        expect(namespaceInfo?.name).toBe('default');
      } finally {
        await connection.close();
      }
    } finally {
      await server.stop();
    }
    expect(await server.process.exited).toBe('signal SIGKILL');
  });
});
