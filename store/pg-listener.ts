// LISTEN on one channel of PostgreSQL, on a connection of its own, reconnecting a second after it
// loses it: what replicas of the service use to hear of each other's changes (tokens, items).

import pg from 'pg';

export interface ChannelHandlers {
  /** A notification on the channel, with its payload. */
  notified(payload: string | undefined): void;
  /** The connection was lost (notifications meanwhile are not known); it reconnects by itself. */
  lost?(err: Error): void;
}

/** Listens until the returned function is called. */
export async function listenOn(databaseUrl: string, channel: string, on: ChannelHandlers): Promise<() => Promise<void>> {
  let client: pg.Client | undefined;
  let stopped = false;
  let retry: NodeJS.Timeout | undefined;
  const connect = async (): Promise<void> => {
    const c = new pg.Client({ connectionString: databaseUrl });
    c.on('notification', (n) => {
      if (n.channel === channel) on.notified(n.payload);
    });
    c.on('error', (err) => {
      on.lost?.(err);
      void c.end().catch(() => undefined);
      if (!stopped) retry = setTimeout(() => void connect().catch(() => undefined), 1_000);
    });
    await c.connect();
    await c.query(`LISTEN ${channel}`);
    client = c;
  };
  await connect();
  return async () => {
    stopped = true;
    clearTimeout(retry);
    await client?.end().catch(() => undefined);
  };
}
