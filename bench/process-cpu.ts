// CPU time spent by the processes a benchmark drives (Linux /proc), so a phase can say where its
// time went: this Node process (API, worker, client), the Temporal server, PostgreSQL.

import { readdirSync, readFileSync } from 'node:fs';

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** CPU milliseconds (user + system) of one process, or 0 once it is gone. */
function cpuMsOf(pid: number, path = `/proc/${pid}/stat`): number {
  try {
    // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
    const stat = readFileSync(path, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

/** Pids whose command line contains every one of `parts`. */
function pidsMatching(...parts: string[]): number[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  const found: number[] = [];
  for (const name of entries) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      const cmd = readFileSync(`/proc/${name}/cmdline`, 'utf8').replaceAll('\0', ' ');
      if (parts.every((p) => cmd.includes(p))) found.push(Number(name));
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

/** CPU milliseconds of this process's threads, grouped by what they are. */
function threadCpu(): Record<string, number> {
  const groups: Record<string, number> = {};
  let tids: string[] = [];
  try {
    tids = readdirSync('/proc/self/task');
  } catch {
    return groups;
  }
  for (const tid of tids) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const group =
        tid === String(process.pid) ? 'main' : name === 'node' ? 'workflow threads' : name.startsWith('tokio') ? 'SDK core' : name.startsWith('V8') ? 'V8 helpers' : 'other';
      groups[group] = (groups[group] ?? 0) + cpuMsOf(Number(tid), `/proc/self/task/${tid}/stat`);
    } catch {
      // gone meanwhile
    }
  }
  return groups;
}

/** The parent of a process, or 0 once it is gone. */
function parentOf(pid: number): number {
  try {
    return Number(/^PPid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

/**
 * PostgreSQL's processes, split by whose they are: those of the Temporal server proper's own
 * PostgreSQL (scripts/temporal-cluster-server.ts: a data directory under `...temporal-cluster...`
 * or `.../cluster/postgres`), which count as Temporal's, and the rest. A backend's command line
 * names no data directory, so each process is traced to its postmaster.
 */
function postgresPids(): { temporal: number[]; other: number[] } {
  const pids = pidsMatching('postgres');
  const cmdline = (pid: number) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
    } catch {
      return '';
    }
  };
  const temporalMasters = new Set(pids.filter((pid) => /-D \S*(temporal-cluster|\/cluster\/postgres)/.test(cmdline(pid))));
  const temporal: number[] = [];
  const other: number[] = [];
  for (const pid of pids) (temporalMasters.has(pid) || temporalMasters.has(parentOf(pid)) ? temporal : other).push(pid);
  return { temporal, other };
}

export interface CpuSnapshot {
  node: number;
  /** This process by thread: the main thread (API, client, worker's activations, activities), the
   * workflow threads, the SDK core's (Rust) threads, and V8's helpers (GC, compilation). */
  threads: Record<string, number>;
  /** A service this bench drives over HTTP (`npm start`, with PGlite inside), when there is one. */
  service: number;
  /** The Temporal server: the CLI's dev server, or the server proper with its own PostgreSQL. */
  temporal: number;
  /** The service's PostgreSQL. */
  postgres: number;
}

/** CPU so far of this process, the Temporal server (the dev server on `temporalPort`, or the server proper), and PostgreSQL. */
export function cpuSnapshot(temporalPort: string): CpuSnapshot {
  const { user, system } = process.cpuUsage();
  const sum = (pids: number[]) => pids.reduce((s, pid) => s + cpuMsOf(pid), 0);
  const pg = postgresPids();
  return {
    node: (user + system) / 1000,
    threads: threadCpu(),
    service: sum(pidsMatching('scripts/start.ts')),
    temporal: sum(pidsMatching('temporal', 'start-dev', temporalPort)) + sum(pidsMatching('temporal-server', '--root')) + sum(pg.temporal),
    postgres: sum(pg.other),
  };
}

/** CPU milliseconds per request between two snapshots, as one printable line. */
export function cpuPerRequest(before: CpuSnapshot, after: CpuSnapshot, requests: number): string {
  const per = (k: Exclude<keyof CpuSnapshot, 'threads'>) => ((after[k] - before[k]) / requests).toFixed(2);
  const threads = Object.keys(after.threads)
    .map((k) => [k, (after.threads[k] - (before.threads[k] ?? 0)) / requests] as const)
    .filter(([, ms]) => ms >= 0.05)
    .sort((a, b) => b[1] - a[1])
    .map(([k, ms]) => `${k} ${ms.toFixed(2)}`)
    .join(', ');
  const service = after.service - before.service > 0 ? `, the service (npm start) ${per('service')} ms` : '';
  return `CPU per request: this process ${per('node')} ms (${threads})${service}, Temporal server ${per('temporal')} ms, PostgreSQL ${per('postgres')} ms`;
}
