// Replicas of the service share one PostgreSQL: when one rotates a token or deactivates a
// resource it notifies RESOURCE_TOKENS_CHANNEL (in the same statement as the change,
// store/config-store.ts). This listens on its own connection, reconnecting a second after it
// loses it; what to do with a change is the caller's (api/token-change-listener.ts).

import pg from 'pg';
import { RESOURCE_TOKENS_CHANNEL } from './config-store.js';

export interface TokenChangeHandlers {
  /** A resource's token changed (rotated, or the resource deactivated). */
  changed(resourceId: string): void;
  /** The connection was lost (changes meanwhile are not known); it reconnects by itself. */
  lost(err: Error): void;
}

/** Listens until the returned function is called. */
export async function listenForResourceTokenChanges(databaseUrl: string, on: TokenChangeHandlers): Promise<() => Promise<void>> {
  let client: pg.Client | undefined;
  let stopped = false;
  let retry: NodeJS.Timeout | undefined;
  const connect = async (): Promise<void> => {
    const c = new pg.Client({ connectionString: databaseUrl });
    c.on('notification', (n) => {
      if (n.channel === RESOURCE_TOKENS_CHANNEL && n.payload) on.changed(n.payload);
    });
    c.on('error', (err) => {
      on.lost(err);
      void c.end().catch(() => undefined);
      if (!stopped) retry = setTimeout(() => void connect().catch(() => undefined), 1_000);
    });
    await c.connect();
    await c.query(`LISTEN ${RESOURCE_TOKENS_CHANNEL}`);
    client = c;
  };
  await connect();
  return async () => {
    stopped = true;
    clearTimeout(retry);
    await client?.end().catch(() => undefined);
  };
}
