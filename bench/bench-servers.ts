// The servers a benchmark runs against: TEMPORAL_ADDRESS / DATABASE_URL when set; otherwise a
// private PostgreSQL and, by TEMPORAL_SERVER, the CLI's dev server (`dev`, the default, as the
// tests use) or the Temporal server proper on PostgreSQL (`cluster`, scripts/temporal-cluster-server.ts).

import { startClusterServer, temporalServerKind, type TemporalServerKind } from '../scripts/temporal-cluster-server.js';
import { startPostgres } from '../test/support/postgres-server.js';
import { startDevServer } from '../test/support/temporal-dev-server.js';
import { newPayloadKey, parsePayloadKeys, type PayloadKeys } from '../worker/payload-codec.js';

export interface BenchServers {
  temporalAddress: string;
  databaseUrl: string;
  /** Which Temporal server: the one started, or what TEMPORAL_SERVER says TEMPORAL_ADDRESS is. */
  serverKind: TemporalServerKind;
  /** The Temporal server proper's pprof endpoint, when this started it (bench/cpu-profile.ts). */
  pprofUrl?: string;
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
    const serverKind = temporalServerKind();
    let pprofUrl: string | undefined;
    if (!temporalAddress) {
      const temporal = serverKind === 'cluster' ? await startClusterServer() : await startDevServer();
      stops.unshift(temporal.stop);
      temporalAddress = temporal.address;
      if ('pprofUrl' in temporal) pprofUrl = temporal.pprofUrl;
    }
    return { temporalAddress, databaseUrl, serverKind, ...(pprofUrl ? { pprofUrl } : {}), stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * R48: the payload keys of a bench's service: PAYLOAD_KEYS when set, else a key made for this
 * run; PAYLOAD_CODEC=off runs without the codec (the baseline its cost is measured against).
 */
export function benchPayloadKeys(): PayloadKeys | null {
  if (process.env.PAYLOAD_CODEC === 'off') return null;
  return parsePayloadKeys(process.env.PAYLOAD_KEYS ?? newPayloadKey('bench'));
}
