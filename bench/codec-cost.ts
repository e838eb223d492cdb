// The cost of the payload codec (R48), from one run: two services in this process on the same
// Temporal and PostgreSQL, one encrypting its payloads and one not (PAYLOAD_CODEC=off's baseline),
// take the same ticket stories in alternating rounds; it prints the command latency p50/p99 of
// each and their ratio, the history bytes of a story, and the codec's own speed on one payload.
//
//   npm run bench                    # part of every bench run
//   CODEC_STORIES=40 CODEC_CONCURRENCY=4 npx tsx bench/codec-cost.ts

import { randomBytes, randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { defaultPayloadConverter } from '@temporalio/common';
import pino from 'pino';
import { startService, type RunningService } from '../worker/service.js';
import { AesGcmPayloadCodec, newPayloadKey, parsePayloadKeys } from '../worker/payload-codec.js';
import { startBenchServers } from './bench-servers.js';
import { apiClient, callApi } from './http-client.js';
import { pool, summarise, type Summary } from './stats.js';
import { recordResult } from './results.js';
import { payslipStory } from './payslip-story.js';

const STORIES = Number(process.env.CODEC_STORIES ?? 40);
const CONCURRENCY = Number(process.env.CODEC_CONCURRENCY ?? 4);
const ROUNDS = 4;

interface Side {
  name: 'with codec' | 'without';
  service: RunningService;
  agent: string;
  latencies: number[];
  historyBytes: number[];
}

export async function runCodecCost(): Promise<void> {
  const servers = await startBenchServers();
  const adminToken = randomBytes(16).toString('hex');
  const sides: Side[] = [];
  try {
    for (const [name, payloadKeys] of [['with codec', parsePayloadKeys(newPayloadKey('bench'))], ['without', null]] as const) {
      const service = await startService({ ...servers, payloadKeys, adminToken, taskQueue: `codec-${randomUUID()}`, logger: pino({ level: 'warn' }) });
      sides.push({ name, service, agent: '', latencies: [], historyBytes: [] });
    }
    const call = (side: Side, method: string, path: string, token: string, body?: unknown): Promise<any> => callApi(apiClient(side.service.url, token), method, path, body);
    // Both services share the database: one category, one agent.
    await call(sides[0]!, 'PUT', '/v1/categories/codec', adminToken, { name: 'Codec' });
    const agent = (await call(sides[0]!, 'POST', '/v1/resources', adminToken, { id: `codec-${randomUUID().slice(0, 8)}`, name: 'Agent', kind: 'human' })).token as string;

    const story = async (side: Side, i: number): Promise<void> => {
      const ref = await payslipStory((method, path, body) => call(side, method, path, agent, body), 'codec', i, side.latencies);
      side.historyBytes.push((await call(side, 'GET', `/v1/work-items/${ref}/history`, agent)).sizeBytes);
    };
    // Alternating rounds, so that both meet the same machine.
    for (let round = 0; round < ROUNDS; round++) {
      for (const side of round % 2 ? [...sides].reverse() : sides) await pool(STORIES / ROUNDS, CONCURRENCY, (i) => story(side, round * STORIES + i));
    }

    const [on, off] = sides.map((s) => ({ commands: summarise(s.latencies), historyBytes: Math.round(s.historyBytes.reduce((a, b) => a + b, 0) / s.historyBytes.length) })) as [{ commands: Summary; historyBytes: number }, { commands: Summary; historyBytes: number }];
    const codecSpeed = await codecOwnSpeed();
    const ratios = { p50: on.commands.p50 / off.commands.p50, p99: on.commands.p99 / off.commands.p99, historyBytes: on.historyBytes / off.historyBytes };
    console.log(`\nThe payload codec (R48): ${STORIES} stories each side, ${CONCURRENCY} at a time, in ${ROUNDS} alternating rounds`);
    for (const [name, side] of [['with codec', on], ['without', off]] as const) {
      console.log(`  ${name.padEnd(11)} commands p50 ${side.commands.p50.toFixed(1)} ms, p99 ${side.commands.p99.toFixed(1)} ms; history of a story ${side.historyBytes} bytes`);
    }
    console.log(`  ratio       p50 ${ratios.p50.toFixed(2)}x, p99 ${ratios.p99.toFixed(2)}x, history bytes ${ratios.historyBytes.toFixed(2)}x`);
    console.log(`  the codec alone: ${codecSpeed.perSecond.toFixed(0)} encode+decode round trips/s of a ${codecSpeed.bytes}-byte item (${(1000 / codecSpeed.perSecond).toFixed(3)} ms each)`);
    recordResult('codec-cost', { stories: STORIES, concurrency: CONCURRENCY, on, off, ratios, codecSpeed }, { CODEC_STORIES: STORIES, CODEC_CONCURRENCY: CONCURRENCY }, servers);
  } finally {
    for (const side of sides) await side.service.stop();
    await servers.stop();
  }
}

/** Encode and decode of one payload the size of an item's Update result, alone. */
async function codecOwnSpeed(): Promise<{ perSecond: number; bytes: number }> {
  const codec = new AesGcmPayloadCodec(parsePayloadKeys(newPayloadKey('speed')));
  const item = defaultPayloadConverter.toPayload({ ref: 'T-000001', fields: { title: 'x'.repeat(200) }, timeline: Array.from({ length: 20 }, (_, i) => ({ seq: i, text: 'y'.repeat(100) })) });
  const n = 5_000;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await codec.decode(await codec.encode([item]));
  return { perSecond: n / ((performance.now() - t0) / 1000), bytes: item.data!.length };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await runCodecCost();
