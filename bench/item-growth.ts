// `npm run bench:item-growth`: how one item's cost grows with its age. Posts NOTES notes (400),
// one after another, to one new ticket through the API of a running service (API_URL, default
// http://127.0.0.1:3000; ADMIN_TOKEN, default the dev token in .data/admin-token), and every
// EVERY notes (50) prints the command latency p50/max of that stretch, the current run's history
// events and bytes (GET .../history) and the size of the last command's response.
// Start the service first (`npm start`).

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../scripts/tool-paths.js';
import { recordResult } from './results.js';

const base = process.env.API_URL ?? 'http://127.0.0.1:3000';
const token = process.env.ADMIN_TOKEN ?? readFileSync(join(repoRoot, '.data/admin-token'), 'utf8').trim();
const notes = Number(process.env.NOTES ?? 400);
const every = Number(process.env.EVERY ?? 50);
const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };

async function call(method: string, path: string, body?: unknown): Promise<{ status: number; text: string }> {
  const res = await fetch(base + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: res.status, text: await res.text() };
}

const created = await call('POST', '/v1/work-items', { kind: 'ticket', title: 'Item growth', description: 'One ticket, many notes' });
if (created.status !== 201) throw new Error(`could not create the ticket: ${created.status} ${created.text}`);
const ref = JSON.parse(created.text).ref as string;
console.log(`${ref}: ${notes} notes of about 70 characters, one after another`);
console.log('notes  p50 ms  max ms  run events  run bytes  response bytes');
let stretch: number[] = [];
const stretches: object[] = [];
for (let i = 1; i <= notes; i++) {
  const t0 = performance.now();
  const res = await call('POST', `/v1/work-items/${ref}/notes`, { text: `note number ${i} with some seventy characters of text in it, roughly` });
  stretch.push(performance.now() - t0);
  if (res.status !== 200) console.log(`note ${i}: ${res.status} ${res.text.slice(0, 200)}`);
  if (i % every === 0 || i === notes) {
    const history = JSON.parse((await call('GET', `/v1/work-items/${ref}/history`)).text) as { eventCount: number; sizeBytes: number };
    stretch.sort((a, b) => a - b);
    const p50 = stretch[Math.floor(stretch.length / 2)];
    const row = [i, p50.toFixed(0), stretch.at(-1)!.toFixed(0), history.eventCount, history.sizeBytes, res.text.length];
    console.log(row.map((v, k) => String(v).padStart([5, 6, 6, 10, 9, 14][k])).join('  '));
    stretches.push({ notes: i, count: stretch.length, p50, max: stretch.at(-1)!, runEvents: history.eventCount, runBytes: history.sizeBytes, responseBytes: res.text.length });
    stretch = [];
  }
}
recordResult('item-growth', { stretches }, { NOTES: notes, EVERY: every, API_URL: base });
