// What a benchmark drives: the service started in this process (on a dev server and a private
// PostgreSQL, or on TEMPORAL_ADDRESS / DATABASE_URL when set), or, with API_URL and ADMIN_TOKEN,
// a running one (`npm start`), with the Temporal dev server it uses on TEMPORAL_ADDRESS for the
// baseline.

import { randomBytes, randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import pino from 'pino';
import { startService } from '../worker/service.js';
import { startBenchServers, benchPayloadKeys } from './bench-servers.js';
import { apiClient, callApi } from './http-client.js';
import type { WorkItemsClient } from '../clients/typescript/src/index.js';

export interface BenchTarget {
  service: { url: string; client: Client };
  temporalAddress: string;
  adminToken: string;
  /** The typed client (clients/typescript, over node:http) as the caller of `token`. */
  client(token: string): WorkItemsClient;
  /** One API request through the typed client, untyped; a status of 300 or more throws, with the answer. */
  call(method: string, path: string, token: string, body?: unknown): Promise<any>;
  stop(): Promise<void>;
}

let runtimeInstalled = false;

export async function openBenchTarget(): Promise<BenchTarget> {
  if (!runtimeInstalled) {
    Runtime.install({ logger: new DefaultLogger('WARN') });
    runtimeInstalled = true;
  }
  const stops: Array<() => Promise<void>> = [];
  const stop = async () => {
    for (const s of stops) await s().catch((e) => console.error('stop failed:', e));
  };
  try {
    let service: { url: string; client: Client };
    let temporalAddress: string;
    let adminToken: string;
    if (process.env.API_URL) {
      temporalAddress = process.env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233';
      adminToken = process.env.ADMIN_TOKEN ?? '';
      if (!adminToken) throw new Error("With API_URL, set ADMIN_TOKEN to the running service's admin token.");
      const client = new Client({ connection: await Connection.connect({ address: temporalAddress }) });
      stops.unshift(() => client.connection.close());
      service = { url: process.env.API_URL, client };
    } else {
      const servers = await startBenchServers();
      stops.unshift(servers.stop);
      temporalAddress = servers.temporalAddress;
      adminToken = randomBytes(16).toString('hex');
      const started = await startService({ ...servers, payloadKeys: benchPayloadKeys(), adminToken, taskQueue: `bench-${randomUUID()}`, logger: pino({ level: 'warn' }) });
      stops.unshift(started.stop);
      service = started;
    }
    const client = (token: string): WorkItemsClient => apiClient(service.url, token);
    const call = (method: string, path: string, token: string, body?: unknown): Promise<any> => callApi(client(token), method, path, body);
    return { service, temporalAddress, adminToken, client, call, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
