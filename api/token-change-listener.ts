// Replicas of the service share one PostgreSQL: when one rotates a token or deactivates a
// resource it notifies `resource_tokens` (in the same statement as the change), and every
// replica listening forgets that resource's cached tokens at once. With one connection only
// (PGlite, `npm start`: one process) there is no other replica to tell, and nothing listens.

import pg from 'pg';
import type { Logger } from 'pino';
import type { CallerCache } from './auth.js';

export async function listenForTokenChanges(databaseUrl: string, callers: CallerCache, logger: Logger): Promise<() => Promise<void>> {
  let client: pg.Client | undefined;
  let stopped = false;
  let retry: NodeJS.Timeout | undefined;
  const connect = async (): Promise<void> => {
    const c = new pg.Client({ connectionString: databaseUrl });
    c.on('notification', (n) => {
      if (n.channel === 'resource_tokens' && n.payload) callers.forget(n.payload);
    });
    c.on('error', (err) => {
      logger.warn({ err }, 'token change listener lost its connection; reconnecting');
      callers.clear(); // what changed meanwhile is not known: look every token up again
      void c.end().catch(() => undefined);
      if (!stopped) retry = setTimeout(() => void connect().catch(() => undefined), 1_000);
    });
    await c.connect();
    await c.query('LISTEN resource_tokens');
    client = c;
  };
  await connect();
  return async () => {
    stopped = true;
    clearTimeout(retry);
    await client?.end().catch(() => undefined);
  };
}
