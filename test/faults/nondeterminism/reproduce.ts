// Reproduces the nondeterminism of README.md here (about 1 item in 5 per run):
//   npx tsx test/faults/nondeterminism/reproduce.ts        (ITEMS=5)
// Two service processes (`scripts/serve.ts`) on one task queue. A creates ITEMS tickets, picks
// each up, adds a note and puts it to `wait until` 45 s ahead; B starts; A is killed (SIGKILL);
// B's API then polls every item every 100 ms, as the fault suite's stories do (each GET is a
// Query, which Temporal now sends to B), across the instant the waits end. Then every item's
// history is replayed on the code: `NDE ...` marks one that does not replay.
import { randomBytes, randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { serviceProcess } from '../../support/fault-service.js';
import { WORKFLOWS_PATH } from '../../../worker/create-worker.js';
import { startPostgres } from '../../support/postgres-server.js';
import { startDevServer } from '../../support/temporal-dev-server.js';

Runtime.install({ logger: new DefaultLogger('WARN') });
const [pgServer, temporal] = await Promise.all([startPostgres(), startDevServer()]);
const adminToken = randomBytes(8).toString('hex');
const taskQueue = `nde-${randomUUID()}`;
const opts = { temporalAddress: temporal.address, databaseUrl: pgServer.url, adminToken, taskQueue, extra: { RATE_LIMIT_PER_SECOND: '' } };
const a = await serviceProcess(opts);
await a.start();
const call = async (url: string, method: string, path: string, token: string, body?: unknown): Promise<any> => {
  const res = await fetch(url + path, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: body ? JSON.stringify(body) : undefined });
  const json = await res.json();
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
};
const agent = (await call(a.url, 'POST', '/v1/resources', adminToken, { id: 'ag', name: 'Ag', kind: 'human' })).token;
await call(a.url, 'PUT', '/v1/categories/desk', adminToken, { name: 'Desk', feedbackWindow: 'PT5S' });
const refs: string[] = [];
for (let i = 0; i < Number(process.env.ITEMS ?? 5); i++) {
  const ref = (await call(a.url, 'POST', '/v1/work-items', agent, { kind: 'ticket', title: `t${i}`, description: 'd', categoryId: 'desk', primaryContact: 'a@x', requester: 'a@x', submit: true })).ref;
  await call(a.url, 'POST', `/v1/work-items/${ref}/pick-up`, agent, {});
  await call(a.url, 'POST', `/v1/work-items/${ref}/notes`, agent, { text: 'n' });
  await call(a.url, 'POST', `/v1/work-items/${ref}/wait`, agent, { type: 'until', until: new Date(Date.now() + 45_000).toISOString() });
  refs.push(ref);
}
const b = await serviceProcess(opts);
await b.start();
console.log('B started; killing A');
await a.kill();
const patiently = async (ref: string): Promise<any> => {
  for (let i = 0; ; i++) {
    try {
      return await call(b.url, 'GET', `/v1/work-items/${ref}`, agent);
    } catch (e) {
      if (i > 30) throw e;
      console.log(`  ${ref}: ${(e as Error).message.slice(0, 80)}`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }
};
// As the stories do: poll each item every 100 ms until its wait has ended.
await Promise.all(
  refs.map(async (ref) => {
    for (const until = Date.now() + 90_000; Date.now() < until; ) {
      const view = await patiently(ref);
      if (view.timeline.some((e: { type: string }) => e.type === 'wait_ended')) return console.log(`${ref}: wait ended seen`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }),
);
for (const ref of refs) console.log(ref, (await patiently(ref)).state);
const client = new Client({ connection: await Connection.connect({ address: temporal.address }) });
const histories = await Promise.all(refs.map(async (ref) => ({ workflowId: ref, history: await client.workflow.getHandle(ref).fetchHistory() })));
for await (const r of Worker.runReplayHistories({ workflowsPath: WORKFLOWS_PATH }, histories)) console.log(r.workflowId, r.error ? `NDE ${r.error.message.slice(0, 200)}` : 'replays');
await b.stop();
a.dispose();
b.dispose();
await Promise.all([pgServer.stop(), temporal.stop()]);
process.exit(0);
