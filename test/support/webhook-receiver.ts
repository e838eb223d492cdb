// R47: a webhook receiver for tests: a real HTTP server on loopback that verifies every
// request's signature with the `standardwebhooks` package, answers as the test says (or not at
// all), and keeps what it got; and `tally`, which checks what it got against the feed.

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { expect } from 'vitest';

export interface Received {
  id: string;
  status: number;
  body: string;
  data: { ref: string; version: number };
}

/** An HTTP receiver: answers as `answer` says, verifies each request's signature, and keeps them. */
export class Receiver {
  readonly received: Received[] = [];
  answer: (n: number) => number = () => 200;
  /** Requests for which this answers true get no answer at all. */
  hangs: (data: { ref: string }) => boolean = () => false;
  unsigned = 0;
  /** How long it takes to answer each request. */
  delayMs = 0;
  readonly hung: Array<{ ref: string; version: number }> = [];
  private server!: Server;

  constructor(private readonly secret: string) {}

  async start(): Promise<string> {
    // A `whsec_` secret is base64 after its prefix; any other is used as its UTF-8 bytes.
    const verifier = this.secret.startsWith('whsec_') ? new Webhook(this.secret) : new Webhook(Buffer.from(this.secret, 'utf8'), { format: 'raw' });
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        try {
          verifier.verify(body, req.headers as Record<string, string>);
        } catch {
          this.unsigned++;
        }
        if (this.hangs(JSON.parse(body).data)) {
          this.hung.push(JSON.parse(body).data);
          return;
        }
        const status = this.answer(this.received.length + 1);
        this.received.push({ id: String(req.headers['webhook-id']), status, body, data: JSON.parse(body).data });
        if (this.delayMs) setTimeout(() => res.writeHead(status).end(status === 200 ? 'ok' : 'failed'), this.delayMs);
        else res.writeHead(status, { 'content-type': 'text/plain' }).end(status === 200 ? 'ok' : 'receiver failed: '.padEnd(2_000, 'x'));
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hooks`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

/**
 * What the receiver got, checked: every change of the feed delivered (a 2xx), each item's
 * deliveries in version order, and every repeated `webhook-id` a retry of the same change.
 */
export function tally(receiver: Receiver, changes: string[]) {
  const delivered = receiver.received.filter((r) => r.status === 200);
  const key = (r: Received) => `${r.data.ref}@${r.data.version}`;
  const deliveredKeys = new Set(delivered.map(key));
  const lost = changes.filter((c) => !deliveredKeys.has(c));
  const byId = new Map<string, Set<string>>();
  for (const r of receiver.received) byId.set(r.id, (byId.get(r.id) ?? new Set()).add(r.body));
  const duplicates = receiver.received.length - byId.size;
  for (const [id, bodies] of byId) expect(bodies.size, `${id}: one change per webhook-id`).toBe(1);
  const perItem = new Map<string, number[]>();
  for (const r of delivered) perItem.set(r.data.ref, [...(perItem.get(r.data.ref) ?? []), r.data.version]);
  for (const [ref, versions] of perItem) expect(versions, `${ref} in order`).toEqual([...versions].sort((a, b) => a - b));
  return { changes: changes.length, requests: receiver.received.length, failed: receiver.received.length - delivered.length, duplicates, lost: lost.length, unsigned: receiver.unsigned };
}

