// `npm run bench:command-profile`: where one command's time goes. On one ticket in progress it
// times, N times each, one after another (CONCURRENCY 1) or in lanes:
//   - a bare Update on a no-op workflow (the baseline),
//   - the same note command sent straight to the item's workflow as an Update (no API),
//   - the API's own steps around it, each alone: the token lookup, the list-row write, the
//     links read and the view composition,
//   - the note command through HTTP, end to end.
// Uses TEMPORAL_ADDRESS / DATABASE_URL when set; otherwise starts a dev server and PostgreSQL.

import { randomBytes, randomUUID } from 'node:crypto';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import pino from 'pino';
import pg from 'pg';
import { hashToken } from '../api/auth.js';
import { ItemStore } from '../store/item-store.js';
import { ReadModelStore } from '../store/read-model-store.js';
import { WorkItemGateway } from '../api/work-item-gateway.js';
import { startService } from '../worker/service.js';
import type { Actor } from '../workflows/domain/item/types.js';
import { toSummary } from '../workflows/domain/item/view.js';
import { bareUpdates } from './bare-updates.js';
import { startBenchServers, benchPayloadKeys } from './bench-servers.js';
import { pool as inLanes, summarise, type Summary } from './stats.js';
import { ratioOf, recordResult } from './results.js';

const N = Number(process.env.N ?? 200);
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 1);

Runtime.install({ logger: new DefaultLogger('WARN') });
const servers = await startBenchServers();
const taskQueue = `profile-${randomUUID()}`;
const adminToken = randomBytes(16).toString('hex');
const service = await startService({ ...servers, payloadKeys: benchPayloadKeys(), adminToken, taskQueue, logger: pino({ level: 'warn' }) });
const db = new pg.Pool({ connectionString: servers.databaseUrl, max: 5 });
try {
  const call = async (method: string, path: string, token: string, body?: unknown): Promise<any> => {
    const res = await fetch(service.url + path, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: body ? JSON.stringify(body) : undefined });
    const json = await res.json();
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  };
  await call('PUT', '/v1/categories/profile', adminToken, { name: 'Profile' });
  const agentToken = (await call('POST', '/v1/resources', adminToken, { id: 'agent', name: 'Agent', kind: 'human' })).token as string;
  const agent: Actor = { id: 'agent', kind: 'human', roles: [] };
  const inProgress = async (count: number): Promise<string[]> => {
    const refs: string[] = [];
    for (let i = 0; i < count; i++) {
      const ticket = await call('POST', '/v1/work-items', agentToken, { kind: 'ticket', title: 'Profile', description: 'Where the time goes', primaryContact: 'c@x.example', requester: 'c@x.example', categoryId: 'profile', submit: true });
      await call('POST', `/v1/work-items/${ticket.ref}/pick-up`, agentToken);
      refs.push(ticket.ref);
    }
    return refs;
  };
  const refs = await inProgress(CONCURRENCY);
  // Young items (10 notes each, none stored yet) for the end-to-end figure; `refs` grow old.
  const young = await inProgress(Math.ceil(N / 10));
  const note = { text: 'note with about seventy characters of text in it, as people write them' };
  const gateway = new WorkItemGateway(service.client, { taskQueue });
  const items = new ItemStore(db);
  const readModel = new ReadModelStore(db);
  const item = (await items.item(refs[0]))!;

  const time = async (what: (ref: string, i: number) => Promise<unknown>, on = refs): Promise<Summary> => {
    const latencies: number[] = [];
    await inLanes(N, CONCURRENCY, async (i) => {
      const ref = on[i % on.length];
      const t0 = performance.now();
      await what(ref, i);
      latencies.push(performance.now() - t0);
    });
    return summarise(latencies);
  };
  const rows: Array<[string, Summary]> = [];
  rows.push(['bare Update, no-op workflow (baseline)', (await bareUpdates(servers.temporalAddress, N, CONCURRENCY)).summary]);
  rows.push(['note as an Update straight to the item', await time((ref) => gateway.command(ref, agent, { type: 'addNote', ...note }))]);
  rows.push(['  token lookup (SELECT resources)', await time(() => db.query('SELECT id, kind, roles, queues FROM resources WHERE token_hash = $1', [hashToken(agentToken)]))]);
  rows.push(['  state and list-row write (upsert work_items)', await time(() => items.save(item, toSummary(item, new Date())))]);
  rows.push(['  links read (work_item_links)', await time((ref) => readModel.linksFrom(ref))]);
  rows.push(['  view read (stored state, latest entries)', await time((ref) => items.view(ref, new Date()))]);
  rows.push(['note through HTTP, end to end (young item)', await time((ref) => call('POST', `/v1/work-items/${ref}/notes`, agentToken, note), young)]);
  const old = (await items.item(refs[0]))!.timelineLength;
  rows.push([`note through HTTP (item of ${old}+ entries)`, await time((ref) => call('POST', `/v1/work-items/${ref}/notes`, agentToken, note))]);
  rows.push(['  view read at that age', await time((ref) => items.view(ref, new Date()))]);
  console.log(`\nOne command's time, ${N} each, ${CONCURRENCY} at a time`);
  for (const [name, s] of rows) console.log(`${name.padEnd(42)} p50=${s.p50.toFixed(2).padStart(8)} ms  p99=${s.p99.toFixed(2).padStart(8)} ms`);
  const [base, update, , , , , http] = rows.map(([, s]) => s);
  console.log(`item Update / bare: p50 ${(update.p50 / base.p50).toFixed(2)}x  p99 ${(update.p99 / base.p99).toFixed(2)}x`);
  console.log(`HTTP command / bare: p50 ${(http.p50 / base.p50).toFixed(2)}x  p99 ${(http.p99 / base.p99).toFixed(2)}x`);
  recordResult('command-profile', {
    series: Object.fromEntries(rows.map(([name, s]) => [name.trim(), s])),
    ratios: { 'item Update / bare Update': ratioOf(update, base), 'HTTP command (young item) / bare Update': ratioOf(http, base) },
  }, { N, CONCURRENCY }, servers);
} finally {
  await db.end();
  await service.stop();
  await servers.stop();
}
