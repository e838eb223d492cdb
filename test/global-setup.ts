// Vitest global setup: starts one throwaway PostgreSQL and one Temporal dev server for the
// whole run (unless DATABASE_URL / TEMPORAL_ADDRESS point at existing ones) and hands their
// addresses to tests via inject('databaseUrl') / inject('temporalAddress').
import type {} from 'vitest';
import type { TestProject } from 'vitest/node';
import { startPostgres } from './support/postgres-server.js';
import { startDevServer } from './support/temporal-dev-server.js';
import { newPayloadKey } from '../worker/payload-codec.js';

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string;
    temporalAddress: string;
    /** R48: one payload key for every test file, as their items share the dev server (and its lists). */
    payloadKeys: string;
  }
}

async function timed<T>(what: string, start: () => Promise<T>): Promise<T> {
  const t0 = performance.now();
  const result = await start();
  console.log(`[global-setup] started ${what} in ${Math.round(performance.now() - t0)} ms`);
  return result;
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const stops: Array<() => Promise<void>> = [];
  const teardown = async () => {
    await Promise.allSettled(stops.map((stop) => stop()));
  };
  // allSettled: if one start fails, the other is still recorded in `stops` and stopped below.
  const results = await Promise.allSettled([
    process.env.DATABASE_URL || timed('PostgreSQL', startPostgres).then((s) => (stops.push(s.stop), s.url)),
    process.env.TEMPORAL_ADDRESS ||
      timed('Temporal dev server', startDevServer).then((s) => (stops.push(s.stop), s.address)),
  ]);
  const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failure) {
    await teardown();
    throw failure.reason;
  }
  const [databaseUrl, temporalAddress] = results.map((r) => (r as PromiseFulfilledResult<string>).value);
  project.provide('databaseUrl', databaseUrl!);
  project.provide('payloadKeys', newPayloadKey('test'));
  project.provide('temporalAddress', temporalAddress!);
  return teardown;
}
