// Replicas of the service share one PostgreSQL: when one rotates a token or deactivates a
// resource it notifies the others (store/config-store.ts, in the same statement as the change),
// and every replica listening (store/resource-token-notifications.ts) forgets that resource's
// cached tokens at once. With one connection only (PGlite, `npm start`: one process) there is no
// other replica to tell, and nothing listens.

import type { Logger } from 'pino';
import { listenForResourceTokenChanges } from '../store/resource-token-notifications.js';
import type { CallerCache } from './auth.js';

export async function listenForTokenChanges(databaseUrl: string, callers: CallerCache, logger: Logger): Promise<() => Promise<void>> {
  return listenForResourceTokenChanges(databaseUrl, {
    changed: (resourceId) => callers.forget(resourceId),
    lost: (err) => {
      logger.warn({ err }, 'token change listener lost its connection; reconnecting');
      callers.clear(); // what changed meanwhile is not known: look every token up again
    },
  });
}
