// Starts that find a port taken come up all the same: the free-port picker keeps the ports it
// hands out from other takers, and a dependency (Temporal dev server, Mailpit) or the scenario
// runner's service that cannot listen is started again on other ports. Real processes.

import { mkdtempSync, rmSync } from 'node:fs';
import { type AddressInfo, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { afterEach, describe, expect, it } from 'vitest';
import { tcpOpen } from '../../scripts/dependency.js';
import { startMailpit } from '../../scripts/mailpit.js';
import { startService } from '../../scripts/scenario/service.js';
import { startTemporalDevServer } from '../../scripts/temporal-dev-server.js';
import { mailpitPath, temporalCliPath, testServerPath } from '../../scripts/tool-paths.js';
import { freePort } from '../../worker/free-port.js';

const held: Server[] = [];
const accepted: Socket[] = [];
afterEach(async () => {
  for (const socket of accepted.splice(0)) socket.destroy();
  await Promise.all(held.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

/** A port something else listens on (it accepts connections and says nothing). */
async function takenPort(): Promise<number> {
  const server = createServer((socket) => accepted.push(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  held.push(server);
  return (server.address() as AddressInfo).port;
}

/** A picker whose `nth` pick (1-based) is `taken`, as when another process took the port meanwhile. */
function pickerTakingOnce(taken: number, nth = 1): { pick: () => Promise<number>; picks: number[] } {
  const picks: number[] = [];
  return {
    picks,
    pick: async () => {
      const port = picks.length + 1 === nth ? taken : await freePort();
      picks.push(port);
      return port;
    },
  };
}

describe('free ports', () => {
  it('hands out no port twice', async () => {
    const ports = await Promise.all(Array.from({ length: 50 }, () => freePort()));
    expect(new Set(ports).size).toBe(50);
  });

  // The reservation (TIME_WAIT) is made on Linux only, as the Temporal SDK makes it.
  it.skipIf(process.platform !== 'linux')('hands out none that a listen on port 0 gets before it is used', async () => {
    const ports = await Promise.all(Array.from({ length: 20 }, () => freePort()));
    // Without the reservation the kernel hands each of the 20 out again about once in 1,400 picks.
    const reserved = new Set(ports);
    let again = 0;
    for (let i = 0; i < 20_000; i++) {
      const server = createServer();
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      if (reserved.has((server.address() as AddressInfo).port)) again++;
      await new Promise((resolve) => server.close(resolve));
    }
    expect(again).toBe(0);
  }, 120_000);
});

describe('a start that finds its port taken', () => {
  it.skipIf(!temporalCliPath())('Temporal dev server: starts again on another port', async () => {
    const taken = await takenPort();
    const picker = pickerTakingOnce(taken);
    const lines: string[] = [];
    const server = await startTemporalDevServer({ path: temporalCliPath()!, port: 0, pickPort: picker.pick, wait: { log: (l) => lines.push(l), output: () => undefined, stopGraceMs: 0 } });
    try {
      expect(picker.picks[0]).toBe(taken);
      expect(server.port).not.toBe(taken);
      expect(lines.join('\n')).toContain('Temporal dev server: a port was taken as it started (attempt 1 of 3); starting it again on other ports');
      const connection = await Connection.connect({ address: server.address });
      await connection.close();
    } finally {
      await server.stop();
    }
  });

  it.skipIf(!mailpitPath())("Mailpit: starts again when its web UI's port is taken", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'port-clash-mailpit-'));
    const taken = await takenPort();
    const picker = pickerTakingOnce(taken, 2); // picks: SMTP, then the web UI
    const lines: string[] = [];
    try {
      const mailpit = await startMailpit({ path: mailpitPath()!, database: join(dir, 'mailpit.db'), smtpPort: 0, uiPort: 0, pickPort: picker.pick, wait: { log: (l) => lines.push(l), output: () => undefined } });
      try {
        expect(picker.picks[1]).toBe(taken);
        expect(mailpit.uiPort).not.toBe(taken);
        expect(lines.join('\n')).toContain('Mailpit: a port was taken as it started (attempt 1 of 3)');
        expect(await tcpOpen(mailpit.smtpPort)).toBe(true);
        expect((await fetch(`http://127.0.0.1:${mailpit.uiPort}/api/v1/info`)).status).toBe(200);
      } finally {
        await mailpit.stop();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.skipIf(!testServerPath())("the scenario runner's service (TIME_SKIPPING=1 npm start): starts again on other ports", async () => {
    const taken = await takenPort();
    const picker = pickerTakingOnce(taken); // the first pick is the API's port
    const lines: string[] = [];
    const service = await startService((l) => lines.push(l), picker.pick);
    try {
      expect(picker.picks[0]).toBe(taken);
      expect(service.url).not.toContain(`:${taken}`);
      expect(lines.join('\n')).toContain('a port was taken as the service started (attempt 1 of 3)');
      const clock = await fetch(`${service.url}/v1/test/clock`, { headers: { authorization: `Bearer ${service.adminToken}` } });
      expect(clock.status).toBe(200);
    } finally {
      await service.stop();
    }
  }, 240_000);
});
