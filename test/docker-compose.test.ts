// Checks that docker-compose.yml is valid and defines the documented stack.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../scripts/tool-paths.js';

const run = promisify(execFile);

let config: Promise<string> | undefined;

/** `docker-compose config` output (run once for the file). */
function composeConfig(): Promise<string> {
  config ??= (async () => {
    try {
      return (await run('docker-compose', ['-f', 'docker-compose.yml', 'config'], { cwd: repoRoot })).stdout;
    } catch (err) {
      const e = err as NodeJS.ErrnoException & { stderr?: string };
      if (e.code === 'ENOENT') throw new Error('docker-compose is not installed: run `npm run provision`');
      throw new Error(`docker-compose config failed (exit ${e.code}): ${e.stderr ?? e.message}`);
    }
  })();
  return config;
}

/** Service names from the top-level `services:` block of `docker-compose config` output. */
function serviceNames(config: string): string[] {
  const lines = config.split('\n');
  const start = lines.indexOf('services:');
  const names: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (/^\S/.test(line)) break;
    const m = /^ {2}([\w.-]+):\s*$/.exec(line);
    if (m) names.push(m[1]!);
  }
  return names;
}

/** One service's block of `docker-compose config` output, unindented ('' when there is none). */
function serviceBlock(config: string, name: string): string {
  const lines = config.split('\n');
  const start = lines.indexOf(`  ${name}:`);
  if (start < 0) return '';
  const block: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (!line.startsWith('    ')) break;
    block.push(line.slice(4));
  }
  return `${block.join('\n')}\n`;
}

/** Whether the block publishes `port` on the same port of the host. */
function publishes(block: string, port: number): boolean {
  // `- published: 2525\n  target: 2525` (docker-compose 1) or `target: 2525 ... published: "2525"` (2).
  const entries = block.split(/^- /m).filter((entry) => /^(published|target|mode):/m.test(entry));
  return entries.some((entry) => new RegExp(`^\\s*target: ${port}$`, 'm').test(entry) && new RegExp(`^\\s*published: ["']?${port}["']?$`, 'm').test(entry));
}

describe('docker-compose.yml', () => {
  it('docker-compose.yml parses and names Temporal, PostgreSQL, Temporal UI, Mailpit, Prometheus, Jaeger and the service', async () => {
    expect(serviceNames(await composeConfig()).sort()).toEqual(['jaeger', 'mailpit', 'postgresql', 'prometheus', 'temporal', 'temporal-ui', 'work-items']);
  });

  it('R47: Jaeger takes OTLP (4317, 4318) and shows its UI (16686), and the service sends it its spans', async () => {
    const jaeger = serviceBlock(await composeConfig(), 'jaeger');
    expect(jaeger).toMatch(/^image: jaegertracing\/jaeger:2\.\d+\.\d+$/m);
    for (const port of [16686, 4317, 4318]) expect(publishes(jaeger, port), `port ${port}`).toBe(true);
    const service = serviceBlock(await composeConfig(), 'work-items');
    expect(service).toMatch(/^ {2}OTEL_EXPORTER_OTLP_ENDPOINT: http:\/\/jaeger:4318$/m);
    expect(service).toMatch(/^depends_on:\n(?: {2}.*\n)*? {2}jaeger:/m);
  });

  it('Prometheus scrapes the service\'s /metrics with the shipped configuration', async () => {
    const prometheus = serviceBlock(await composeConfig(), 'prometheus');
    expect(prometheus).toMatch(/scripts\/prometheus\.yml/);
    expect(publishes(prometheus, 9090)).toBe(true);
    const { readFileSync } = await import('node:fs');
    const scrape = readFileSync(`${repoRoot}/scripts/prometheus.yml`, 'utf8');
    expect(scrape).toMatch(/metrics_path: \/metrics/);
    expect(scrape).toMatch(/targets: \["work-items:3000"\]/);
  });

  it('Mailpit is the pinned image with its web UI (8025) and SMTP (1025) published', async () => {
    const mailpit = serviceBlock(await composeConfig(), 'mailpit');
    expect(mailpit).toMatch(/^image: axllent\/mailpit:v1\.33\.1$/m);
    expect(publishes(mailpit, 8025)).toBe(true);
    expect(publishes(mailpit, 1025)).toBe(true);
  });

  it('the service sends through Mailpit (SMTP_URL) and takes inbound mail on a published SMTP_PORT', async () => {
    const service = serviceBlock(await composeConfig(), 'work-items');
    expect(service).toMatch(/^ {2}SMTP_URL: smtp:\/\/mailpit:1025$/m);
    expect(service).toMatch(/^ {2}SMTP_PORT: ["']?2525["']?$/m);
    expect(publishes(service, 2525)).toBe(true);
    expect(service).toMatch(/^depends_on:\n(?: {2}.*\n)*? {2}mailpit:/m);
  });
});
