// Replicas of the service share one PostgreSQL: when one rotates a token or deactivates a
// resource it notifies RESOURCE_TOKENS_CHANNEL (in the same statement as the change,
// store/config-store.ts). This listens for it (store/pg-listener.ts); what to do with a change is
// the caller's (api/token-change-listener.ts).

import { RESOURCE_TOKENS_CHANNEL } from './config-store.js';
import { listenOn } from './pg-listener.js';

export interface TokenChangeHandlers {
  /** A resource's token changed (rotated, or the resource deactivated). */
  changed(resourceId: string): void;
  /** The connection was lost (changes meanwhile are not known); it reconnects by itself. */
  lost(err: Error): void;
}

/** Listens until the returned function is called. */
export async function listenForResourceTokenChanges(databaseUrl: string, on: TokenChangeHandlers): Promise<() => Promise<void>> {
  return listenOn(databaseUrl, RESOURCE_TOKENS_CHANNEL, {
    notified: (payload) => {
      if (payload) on.changed(payload);
    },
    lost: on.lost,
  });
}
