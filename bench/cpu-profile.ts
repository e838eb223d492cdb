// Where a bench's CPU goes, while it runs: V8 CPU profiles of this process's main thread (the
// API, the Temporal client, the worker's activations and activities) and of every worker thread
// (the workflow threads, where the item's code and the SDK's sandbox run), through the inspector;
// and, for the Temporal server proper, Go's pprof CPU profile over HTTP (the cluster server serves
// it, scripts/temporal-cluster-server.ts). Each is summed by self time, per function and per
// file or package, and printed as a short table; the raw profiles are kept beside the results.

import { execFile } from 'node:child_process';
import { Session } from 'node:inspector';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface Profile {
  nodes: Array<{ id: number; callFrame: CallFrame }>;
  samples?: number[];
  timeDeltas?: number[];
}
export interface ThreadProfile {
  thread: string;
  profile: Profile;
}

/** Where raw profiles go (git ignores them: they are large). */
export const PROFILE_DIR = fileURLToPath(new URL('./results/profiles/', import.meta.url));

/** Starts profiling this process's threads; the function it returns stops and hands the profiles back. */
export async function startCpuProfiles(): Promise<() => Promise<ThreadProfile[]>> {
  const session = new Session();
  session.connect();
  const post = <T = unknown>(method: string, params?: object) =>
    new Promise<T>((resolve, reject) => session.post(method, params ?? {}, (error, result) => (error ? reject(error) : resolve(result as T))));
  const workers = new Map<string, { title: string; pending: Map<number, (message: { result?: unknown; error?: unknown }) => void> }>();
  let nextId = 1;
  session.on('NodeWorker.attachedToWorker', (event: { params: { sessionId: string; workerInfo: { title: string } } }) => {
    workers.set(event.params.sessionId, { title: event.params.workerInfo.title || 'worker thread', pending: new Map() });
  });
  session.on('NodeWorker.receivedMessageFromWorker', (event: { params: { sessionId: string; message: string } }) => {
    const message = JSON.parse(event.params.message) as { id?: number; result?: unknown; error?: unknown };
    const pending = workers.get(event.params.sessionId)?.pending;
    if (message.id !== undefined && pending?.has(message.id)) {
      pending.get(message.id)!(message);
      pending.delete(message.id);
    }
  });
  const toWorker = <T = unknown>(sessionId: string, method: string) =>
    new Promise<T>((resolve, reject) => {
      const id = nextId++;
      workers.get(sessionId)!.pending.set(id, (m) => (m.error ? reject(new Error(JSON.stringify(m.error))) : resolve(m.result as T)));
      post('NodeWorker.sendMessageToWorker', { sessionId, message: JSON.stringify({ id, method }) }).catch(reject);
    });

  await post('NodeWorker.enable', { waitForDebuggerOnStart: false });
  await new Promise((r) => setTimeout(r, 200)); // the running threads attach
  await post('Profiler.enable');
  await post('Profiler.start');
  for (const id of workers.keys()) {
    await toWorker(id, 'Profiler.enable');
    await toWorker(id, 'Profiler.start');
  }
  return async () => {
    const profiles: ThreadProfile[] = [{ thread: 'main', profile: (await post<{ profile: Profile }>('Profiler.stop')).profile }];
    for (const [id, worker] of workers) {
      const stopped = await toWorker<{ profile: Profile }>(id, 'Profiler.stop').catch(() => undefined);
      if (stopped) profiles.push({ thread: worker.title, profile: stopped.profile });
    }
    await post('NodeWorker.disable').catch(() => undefined);
    session.disconnect();
    return profiles;
  };
}

/** A place in the code: its package for dependencies, its path for this repo's files. */
function placeOf(frame: CallFrame): string {
  const url = frame.url.replace(/^file:\/\//, '');
  if (!url) return `(${frame.functionName || 'native'})`;
  const pkg = url.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/);
  if (pkg) return pkg[1]!;
  const bundle = url.match(/workflow-bundle-[^/]*\.js$/);
  if (bundle) return 'the workflow bundle (item code and the SDK inside the sandbox)';
  return url.replace(/.*?\/(api|workflows|activities|store|worker|bench|scripts|test)\//, '$1/').replace(/^node:/, 'node:');
}

/** Self time per function and per place, from one profile: the top `n` of each, as lines. */
export function summarise(profile: Profile, n = 12): { busyMs: number; byPlace: string[]; byFunction: string[] } {
  const nodes = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
  const self = new Map<number, number>();
  const samples = profile.samples ?? [];
  for (let i = 0; i < samples.length; i++) self.set(samples[i]!, (self.get(samples[i]!) ?? 0) + (profile.timeDeltas?.[i] ?? 0));
  const byPlace = new Map<string, number>();
  const byFunction = new Map<string, number>();
  let busy = 0;
  for (const [id, us] of self) {
    const frame = nodes.get(id)!;
    if (['(idle)', '(program)', '(garbage collector)'].includes(frame.functionName) && !frame.url) {
      if (frame.functionName !== '(idle)') {
        byPlace.set(frame.functionName, (byPlace.get(frame.functionName) ?? 0) + us);
        busy += us;
      }
      continue;
    }
    busy += us;
    const place = placeOf(frame);
    byPlace.set(place, (byPlace.get(place) ?? 0) + us);
    const fn = `${frame.functionName || '(anonymous)'}  ${place}${frame.url && !frame.url.includes('node_modules') ? `:${frame.lineNumber + 1}` : ''}`;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + us);
  }
  const top = (m: Map<string, number>) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([k, us]) => `${(us / 1000).toFixed(0).padStart(7)} ms ${((100 * us) / Math.max(busy, 1)).toFixed(1).padStart(5)}%  ${k}`);
  return { busyMs: busy / 1000, byPlace: top(byPlace), byFunction: top(byFunction) };
}

/** Saves the profiles (Chrome DevTools opens .cpuprofile files) and prints each thread's summary; returns the summaries. */
export function report(label: string, profiles: ThreadProfile[], commands: number): Record<string, { busyMsPerCommand: number; byPlace: string[]; byFunction: string[] }> {
  mkdirSync(PROFILE_DIR, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const out: Record<string, { busyMsPerCommand: number; byPlace: string[]; byFunction: string[] }> = {};
  profiles.forEach(({ thread, profile }, i) => {
    const name = `${thread === 'main' ? 'main' : `thread-${i}`}`;
    writeFileSync(join(PROFILE_DIR, `${label}-${stamp}-${name}.cpuprofile`), JSON.stringify(profile));
    const s = summarise(profile);
    if (s.busyMs < 1) return;
    out[`${name} (${thread})`] = { busyMsPerCommand: s.busyMs / commands, byPlace: s.byPlace, byFunction: s.byFunction };
    // Samples count while the thread is not idle, waits for a core and profiler overhead included:
    // read the shares; the CPU lines (no profiler) give each thread's time per command.
    console.log(`  ${name} (${thread}): sampled ${s.busyMs.toFixed(0)} ms not idle over ${commands} commands; shares:`);
    console.log('    by place:');
    for (const line of s.byPlace) console.log(`    ${line}`);
    console.log('    by function:');
    for (const line of s.byFunction) console.log(`    ${line}`);
  });
  console.log(`  (profiles in ${PROFILE_DIR}, label ${label}-${stamp})`);
  return out;
}

/** Areas of the Temporal server's code, by the package a function is in (first match wins). */
const SERVER_AREAS: Array<[RegExp, string]> = [
  [/^go\.temporal\.io\/server\/service\/history/, 'history service'],
  [/^go\.temporal\.io\/server\/service\/matching/, 'matching service'],
  [/^go\.temporal\.io\/server\/service\/frontend/, 'frontend service'],
  [/^go\.temporal\.io\/server\/(common\/persistence|common\/persistence\/sql)/, 'persistence layer'],
  [/^go\.temporal\.io\/server\//, 'other server code'],
  [/^(github\.com\/(jackc|lib\/pq|jmoiron)|database\/sql)/, 'PostgreSQL driver'],
  [/^google\.golang\.org\/grpc|^golang\.org\/x\/net\/http2/, 'gRPC'],
  [/^(google\.golang\.org\/protobuf|github\.com\/gogo|go\.temporal\.io\/api)/, 'protobuf'],
  [/^(compress\/|github\.com\/golang\/snappy)/, 'compression'],
  [/^(encoding\/json|reflect)/, 'JSON and reflection'],
  [/^(syscall|internal\/runtime\/syscall|internal\/poll|net\.)/, 'system calls (network I/O)'],
  [/^(runtime|internal\/runtime|aeshash|memeqbody|indexbytebody|gcWriteBarrier)/, 'Go runtime (GC, scheduler, allocation)'],
];

/**
 * The Temporal server proper's CPU profile (Go pprof) over `seconds`: its own (flat) time summed
 * by area of the code, then `go tool pprof`'s top 12 by cumulative time. Undefined when there is
 * no pprof endpoint.
 */
export async function serverProfile(pprofUrl: string | undefined, seconds: number, label: string): Promise<string[] | undefined> {
  if (!pprofUrl) return undefined;
  const response = await fetch(`${pprofUrl}/debug/pprof/profile?seconds=${seconds}`);
  if (!response.ok) throw new Error(`pprof answered ${response.status}`);
  mkdirSync(PROFILE_DIR, { recursive: true });
  const file = join(PROFILE_DIR, `${label}-${new Date().toISOString().replace(/[:.]/g, '-')}-temporal-server.pb.gz`);
  writeFileSync(file, Buffer.from(await response.arrayBuffer()));
  return summariseServerProfile(file);
}

/** A Go CPU profile's summary (`serverProfile`), by `go tool pprof`. */
export async function summariseServerProfile(file: string): Promise<string[]> {
  try {
    const pprof = async (...args: string[]) => (await promisify(execFile)('go', ['tool', 'pprof', ...args, file], { maxBuffer: 64 * 1024 * 1024 })).stdout.split('\n');
    const areas = new Map<string, number>();
    let total = 0;
    for (const line of await pprof('-top', '-nodecount=100000', '-nodefraction=0')) {
      const m = /^\s*([\d.]+)(m?s)\s+[\d.]+%\s+[\d.]+%\s+[\d.]+m?s\s+[\d.]+%\s+(.+)$/.exec(line);
      if (!m) continue;
      const seconds = Number(m[1]) / (m[2] === 'ms' ? 1000 : 1);
      const area = SERVER_AREAS.find(([re]) => re.test(m[3]!))?.[1] ?? 'other libraries';
      areas.set(area, (areas.get(area) ?? 0) + seconds);
      total += seconds;
    }
    const byArea = [...areas].sort((a, b) => b[1] - a[1]).map(([area, s]) => `${(s * 1000).toFixed(0).padStart(7)} ms ${((100 * s) / Math.max(total, 1e-9)).toFixed(1).padStart(5)}%  ${area}`);
    const cumulative = (await pprof('-top', '-cum', '-nodecount=12')).filter((line) => /^\s*[\d.]+(m?s)?\s+[\d.]+%/.test(line));
    return ['own time by area of the code:', ...byArea, 'top 12 by cumulative time (flat, flat%, sum%, cum, cum%):', ...cumulative];
  } catch (error) {
    return [`(go tool pprof failed: ${(error as Error).message.split('\n')[0]}; the profile is ${file})`];
  }
}
