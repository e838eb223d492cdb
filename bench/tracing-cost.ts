// The cost of tracing (R47, issue 27; docs/tracing.md), from one run: two services in this
// process on the same Temporal and PostgreSQL, one with tracing off and one with it on, take the
// same ticket stories in alternating rounds. The traced one exports its spans as `npm run serve`
// does (a BatchSpanProcessor and the OTLP/HTTP exporter) to an OTLP receiver in this process,
// which reads what it is sent and counts its bytes. Prints the command latency p50/p99 of each side and
// their ratio, this process's CPU per command on each side (the rounds alternate, so each side's
// CPU is measured over its own rounds), and the spans and bytes exported per story.
//
// Both services share the process, so the untraced one runs with what tracing installs for the
// whole process (the context manager, the patched http/pg/express prototypes, which make no span
// for it): its figures are the floor of an untraced service plus those few checks.
//
//   npm run bench                      # part of every bench run
//   npm run bench:tracing              # this one alone
//   TRACING_STORIES=40 TRACING_CONCURRENCY=4 npx tsx bench/tracing-cost.ts

import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { BatchSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import pino from 'pino';
import { startService, type RunningService, type ServiceOptions } from '../worker/service.js';
import { benchPayloadKeys, startBenchServers } from './bench-servers.js';
import { apiClient, callApi } from './http-client.js';
import { pool, summarise, type Summary } from './stats.js';
import { recordResult } from './results.js';
import { payslipStory } from './payslip-story.js';

const STORIES = Number(process.env.TRACING_STORIES ?? 40);
const CONCURRENCY = Number(process.env.TRACING_CONCURRENCY ?? 4);
const ROUNDS = 4;
const COMMANDS_PER_STORY = 6;

interface Side {
  name: 'tracing on' | 'tracing off';
  service: RunningService;
  latencies: number[];
  cpuMs: number;
}

/** An OTLP/HTTP receiver that reads and counts the bytes it is sent (no parsing: its own cost stays small). */
async function startReceiver(): Promise<{ url: string; bytes: () => number; stop: () => Promise<void> }> {
  let bytes = 0;
  const server: Server = createServer((req, res) => {
    req.on('data', (chunk: Buffer) => (bytes += chunk.length));
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/v1/traces`, bytes: () => bytes, stop: () => new Promise((resolve) => server.close(() => resolve())) };
}

export async function runTracingCost(): Promise<void> {
  const servers = await startBenchServers();
  const receiver = await startReceiver();
  const adminToken = randomBytes(16).toString('hex');
  const sides: Side[] = [];
  const batch = new BatchSpanProcessor(new OTLPTraceExporter({ url: receiver.url }));
  // Counts the spans that end, on their way to the batch processor.
  let spans = 0;
  const processor: SpanProcessor = {
    onStart: (span, context) => batch.onStart(span, context),
    onEnd: (span) => {
      spans++;
      batch.onEnd(span);
    },
    forceFlush: () => batch.forceFlush(),
    shutdown: () => batch.shutdown(),
  };
  try {
    const common: Omit<ServiceOptions, 'taskQueue'> = { ...servers, payloadKeys: benchPayloadKeys(), adminToken, logger: pino({ level: 'warn' }) };
    sides.push({ name: 'tracing on', service: await startService({ ...common, taskQueue: `tracing-${randomUUID()}`, tracing: { spanProcessor: processor } }), latencies: [], cpuMs: 0 });
    sides.push({ name: 'tracing off', service: await startService({ ...common, taskQueue: `tracing-${randomUUID()}`, tracing: false }), latencies: [], cpuMs: 0 });
    const call = (side: Side, method: string, path: string, token: string, body?: unknown): Promise<any> => callApi(apiClient(side.service.url, token), method, path, body);
    // Both services share the database: one category, one agent.
    await call(sides[0]!, 'PUT', '/v1/categories/tracing', adminToken, { name: 'Tracing' });
    const agent = (await call(sides[0]!, 'POST', '/v1/resources', adminToken, { id: `tracing-${randomUUID().slice(0, 8)}`, name: 'Agent', kind: 'human' })).token as string;

    const story = async (side: Side, i: number): Promise<void> => {
      await payslipStory((method, path, body) => call(side, method, path, agent, body), 'tracing', i, side.latencies);
    };
    // Alternating rounds, so that both meet the same machine; each side's CPU over its own rounds.
    for (let round = 0; round < ROUNDS; round++) {
      for (const side of round % 2 ? [...sides].reverse() : sides) {
        const cpu0 = process.cpuUsage();
        await pool(STORIES / ROUNDS, CONCURRENCY, (i) => story(side, round * STORIES + i));
        const cpu = process.cpuUsage(cpu0);
        side.cpuMs += (cpu.user + cpu.system) / 1000;
      }
    }
    await processor.forceFlush();

    const [on, off] = sides.map((s) => ({ commands: summarise(s.latencies), cpuMsPerCommand: s.cpuMs / (STORIES * COMMANDS_PER_STORY) })) as [{ commands: Summary; cpuMsPerCommand: number }, { commands: Summary; cpuMsPerCommand: number }];
    const exported = { spansPerStory: spans / STORIES, bytesPerStory: Math.round(receiver.bytes() / STORIES) };
    const ratios = { p50: on.commands.p50 / off.commands.p50, p99: on.commands.p99 / off.commands.p99, cpuPerCommand: on.cpuMsPerCommand / off.cpuMsPerCommand };
    console.log(`\nTracing (R47): ${STORIES} stories each side, ${CONCURRENCY} at a time, in ${ROUNDS} alternating rounds; spans batched over OTLP/HTTP to a receiver in this process`);
    for (const [name, side] of [['tracing on', on], ['tracing off', off]] as const) {
      console.log(`  ${name.padEnd(11)} commands p50 ${side.commands.p50.toFixed(1)} ms, p99 ${side.commands.p99.toFixed(1)} ms; this process's CPU ${side.cpuMsPerCommand.toFixed(2)} ms a command`);
    }
    console.log(`  ratio       p50 ${ratios.p50.toFixed(2)}x, p99 ${ratios.p99.toFixed(2)}x, CPU a command ${ratios.cpuPerCommand.toFixed(2)}x`);
    console.log(`  exported    ${exported.spansPerStory.toFixed(1)} spans and ${exported.bytesPerStory} bytes of OTLP/JSON a story (${COMMANDS_PER_STORY} commands)`);
    recordResult('tracing-cost', { stories: STORIES, concurrency: CONCURRENCY, on, off, ratios, exported }, { TRACING_STORIES: STORIES, TRACING_CONCURRENCY: CONCURRENCY }, servers);
  } finally {
    for (const side of sides) await side.service.stop();
    await receiver.stop();
    await servers.stop();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await runTracingCost();
