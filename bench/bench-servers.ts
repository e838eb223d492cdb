// The servers a benchmark runs against: TEMPORAL_ADDRESS / DATABASE_URL when set; otherwise a
// dev server and a private PostgreSQL, as the tests do.

import { startPostgres } from '../test/support/postgres-server.js';
import { startDevServer } from '../test/support/temporal-dev-server.js';

export interface BenchServers {
  temporalAddress: string;
  databaseUrl: string;
  stop(): Promise<void>;
}

export async function startBenchServers(): Promise<BenchServers> {
  const stops: Array<() => Promise<void>> = [];
  const stop = async () => {
    for (const s of stops.splice(0)) await s().catch((e) => console.error('stop failed:', e));
  };
  try {
    let databaseUrl = process.env.DATABASE_URL;
    if (!databaseUrl) {
      const postgres = await startPostgres();
      stops.unshift(postgres.stop);
      databaseUrl = postgres.url;
    }
    let temporalAddress = process.env.TEMPORAL_ADDRESS;
    if (!temporalAddress) {
      const temporal = await startDevServer();
      stops.unshift(temporal.stop);
      temporalAddress = temporal.address;
    }
    return { temporalAddress, databaseUrl, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
