// Results that last: every bench writes its figures to bench/results/<bench>-<time>.json with the
// commit, the server kind, the machine and its parameters; `npm run bench:report` draws them.
// BENCH_RESULTS_DIR names another folder. The file shape is `BenchResult`, described in
// docs/benchmarks.md ("Results that last").

import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));

export interface Commit {
  sha: string;
  short: string;
  /** Uncommitted changes to tracked files when the bench ran. */
  dirty: boolean;
  /** Committer date (ISO); orders commits in the report. */
  time: string;
  subject: string;
}

export interface BenchResult {
  schema: 1;
  bench: string;
  /** When the figures were recorded (ISO). */
  time: string;
  commit: Commit;
  /** `dev` (temporal server start-dev) or `cluster`. */
  serverKind: string;
  machine: { cpus: number; cpuModel: string; node: string; platform: string; arch: string; memoryBytes: number; loadAverage: number[] };
  /** The bench's knobs (env variables and the like). */
  params: Record<string, unknown>;
  /**
   * The figures. Conventions the report knows: `series` (name -> latency summary in ms, with p50
   * and p99), `ratios` (name -> number or { p50, p99 }), `throughput` (name -> per second),
   * `openItems` (bench:scale: [{ openItems, <series>: summary }]). Any other key is shown as is.
   */
  figures: Record<string, unknown>;
}

export function resultsDir(): string {
  return process.env.BENCH_RESULTS_DIR || join(repoRoot, 'bench', 'results');
}

const git = (...args: string[]): string => execFileSync('git', args, { cwd: repoRoot, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();

export function currentCommit(): Commit {
  try {
    const [sha, time, subject] = git('show', '-s', '--format=%H%n%cI%n%s', 'HEAD').split('\n');
    // Untracked files (results among them) do not make a run dirty.
    const dirty = git('status', '--porcelain', '--untracked-files=no') !== '';
    return { sha, short: sha.slice(0, 7), dirty, time, subject: subject ?? '' };
  } catch {
    return { sha: 'unknown', short: 'unknown', dirty: false, time: new Date(0).toISOString(), subject: '' };
  }
}

/** The `serverKind` startBenchServers() reports when it does, else TEMPORAL_SERVER, else `dev`. */
export function serverKindOf(servers?: object): string {
  const kind = (servers as { serverKind?: unknown } | undefined)?.serverKind;
  return typeof kind === 'string' ? kind : process.env.TEMPORAL_SERVER || 'dev';
}

/** Writes one result file and prints its path; returns the path. */
export function recordResult(bench: string, figures: object, params: object = {}, servers?: object): string {
  const now = new Date();
  const cores = cpus();
  const result: BenchResult = {
    schema: 1,
    bench,
    time: now.toISOString(),
    commit: currentCommit(),
    serverKind: serverKindOf(servers),
    machine: {
      cpus: cores.length,
      cpuModel: cores[0]?.model.trim() ?? '',
      node: process.version,
      platform: process.platform,
      arch: process.arch,
      memoryBytes: totalmem(),
      loadAverage: loadavg(),
    },
    params: params as Record<string, unknown>,
    figures: figures as Record<string, unknown>,
  };
  const dir = resultsDir();
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${bench}-${now.toISOString().replace(/[:.]/g, '-')}.json`);
  // NaN and Infinity (an empty series) become null in JSON.
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`results: ${file}`);
  return file;
}

/** Every result file in `dir`, oldest first. Files written before this format (scale and
 * timer-accuracy wrote their figures bare) are wrapped, with an unknown commit. */
export function readResults(dir = resultsDir()): BenchResult[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith('.json'));
  } catch {
    return [];
  }
  const results: BenchResult[] = [];
  for (const name of names) {
    let json: any;
    try {
      json = JSON.parse(readFileSync(join(dir, name), 'utf8'));
    } catch {
      console.warn(`skipped ${name}: not JSON`);
      continue;
    }
    if (json?.schema === 1 && typeof json.bench === 'string') results.push(json as BenchResult);
    else if (json && typeof json === 'object') results.push(legacy(name, json));
  }
  return results.sort((a, b) => a.time.localeCompare(b.time));
}

function legacy(name: string, figures: Record<string, unknown>): BenchResult {
  const match = /^(.*)-(\d{10,})\.json$/.exec(basename(name));
  const time = typeof figures.at === 'string' ? figures.at : new Date(match ? Number(match[2]) : 0).toISOString();
  return {
    schema: 1,
    bench: match?.[1] ?? name.replace(/\.json$/, ''),
    time,
    commit: { sha: 'unknown', short: 'unknown', dirty: false, time, subject: '' },
    serverKind: 'dev',
    machine: { cpus: 0, cpuModel: '', node: '', platform: '', arch: '', memoryBytes: 0, loadAverage: [] },
    params: {},
    figures,
  };
}

/** The line cpuPerRequest() prints, as numbers (ms per request); the line itself when it does not parse. */
export function cpuFigures(line: string): Record<string, unknown> | string {
  const m = /this process ([\d.]+) ms \(([^)]*)\)(?:, the service \(npm start\) ([\d.]+) ms)?, Temporal server ([\d.]+) ms, PostgreSQL ([\d.]+) ms/.exec(line);
  if (!m) return line;
  const threads: Record<string, number> = {};
  for (const part of m[2].split(', ')) {
    const t = /^(.*) ([\d.]+)$/.exec(part);
    if (t) threads[t[1]] = Number(t[2]);
  }
  return {
    thisProcess: Number(m[1]),
    threads,
    ...(m[3] ? { service: Number(m[3]) } : {}),
    temporalServer: Number(m[4]),
    postgres: Number(m[5]),
  };
}

/** Ratio of two latency summaries at p50 and p99. */
export function ratioOf(a: { p50: number; p99: number } | undefined, b: { p50: number; p99: number } | undefined): { p50: number; p99: number } | undefined {
  return a && b ? { p50: a.p50 / b.p50, p99: a.p99 / b.p99 } : undefined;
}
