// Fault, R47: the service process is killed with SIGKILL while it delivers a webhook (a receiver
// that takes 100 ms per request, 20 ticket stories under way) and started again. Afterwards the
// receiver has every change of every story, each item's in version order; a change it got twice
// came with the same `webhook-id` both times (a retry of the request the kill cut).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorkItemsClient } from '../../clients/typescript/src/index.js';
import { Receiver, tally } from '../support/webhook-receiver.js';
import { pollUntil, startStories } from './support/story-client.js';
import { inFaultSuite, startFaultWorld, type FaultWorld } from './support/fault-world.js';

const SECRET = 'whsec_' + Buffer.from('a-secret-of-thirty-two-bytes!!!!').toString('base64');

describe.skipIf(!inFaultSuite)('service killed mid-delivery (npm run test:faults)', () => {
  let world: FaultWorld;
  const receiver = new Receiver(SECRET);
  beforeAll(async () => {
    world = await startFaultWorld({ categories: { desk: { name: 'Desk', feedbackWindow: 'PT5S' } } });
  });
  afterAll(async () => {
    await receiver.stop().catch(() => undefined);
    await world?.stop();
  });

  it('R47: a service killed with SIGKILL mid-delivery and restarted loses no change; a repeat carries the same webhook-id', async () => {
    const url = await receiver.start();
    receiver.delayMs = 100;
    const admin = createWorkItemsClient({ baseUrl: world.service.url, token: world.adminToken });
    const put = await admin.PUT('/v1/webhooks/{id}', { params: { path: { id: 'killed' } }, body: { url, secret: SECRET } });
    expect(put.response.status).toBe(200);
    const start = (await admin.GET('/v1/changes', { params: { query: { after: 'latest' } } })).data!.nextCursor;

    const { stories, all } = startStories(world.storyWorld('desk'), 20, 100);
    await pollUntil('deliveries under way', async () => receiver.received.length >= 15, 120_000, 5);
    await world.service.kill();
    const atKill = receiver.received.length;
    await world.service.start();
    await all;
    const refs = stories.map((s) => s.ref!).filter(Boolean);
    expect(refs).toHaveLength(20);

    const changes: string[] = [];
    for (let after = start; ; ) {
      const page = (await admin.GET('/v1/changes', { params: { query: { after, limit: 1000 } } })).data!;
      changes.push(...page.changes.filter((c) => refs.includes(c.ref)).map((c) => `${c.ref}@${c.version}`));
      if (page.changes.length < 1000) break;
      after = page.nextCursor;
    }
    await pollUntil('every change delivered', async () => tally(receiver, changes).lost === 0, 180_000, 200);
    const t = tally(receiver, changes);
    console.log('R47 service killed mid-delivery:', JSON.stringify({ ...t, receivedAtKill: atKill }));
    expect(t).toMatchObject({ lost: 0, unsigned: 0 });
    expect(world.serviceErrors()).toEqual([]);
  });
});
