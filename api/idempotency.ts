// Idempotency-Key: the first response to a (caller, key) is stored and replayed to every repeat,
// which changes nothing more. A key reused for a different request is refused. A key whose
// first request is still running gets 409; after two minutes it counts as abandoned and is
// taken over. A refusal (4xx) is stored like a success; a 5xx is not, so the client may retry.
// Routes call this after validating the request, so only a well-formed key of a well-formed
// request reaches the database.

import { createHash } from 'node:crypto';
import type pg from 'pg';
import { ApiError, errorBody } from './errors.js';
import { GONE_AFTER_S } from './service-instance.js';

export interface StoredResponse {
  status: number;
  body: unknown;
  replayed: boolean;
}

export class IdempotencyStore {
  constructor(
    private readonly pool: pg.Pool,
    /** The process running the requests (service_instances.id); absent, only the two-minute rule applies. */
    private readonly owner?: string,
  ) {}

  /**
   * Runs `execute` once per (caller, key); `fingerprint` identifies the request, so that a key
   * reused for another request is refused. `execute` gets the Temporal update id to use.
   */
  async once(
    caller: string,
    key: string,
    fingerprint: string,
    execute: (updateId: string) => Promise<{ status: number; body: unknown }>,
  ): Promise<StoredResponse> {
    const hash = createHash('sha256').update(fingerprint).digest('hex');
    // Take the key, or take it over when its first request was abandoned: its process is gone,
    // or it started more than two minutes ago. (Taking over a request that still runs somewhere
    // is harmless: both send the same Update id, or start the same ref, to Temporal.)
    const taken = await this.pool.query(
      `INSERT INTO idempotency_keys (caller, key, request_hash, owner) VALUES ($1, $2, $3, $4)
       ON CONFLICT (caller, key) DO UPDATE SET created_at = now(), owner = $4
         WHERE idempotency_keys.status IS NULL AND idempotency_keys.request_hash = $3
           AND (idempotency_keys.created_at < now() - interval '2 minutes'
             OR (idempotency_keys.owner IS NOT NULL AND NOT EXISTS (
               SELECT 1 FROM service_instances s
               WHERE s.id = idempotency_keys.owner AND s.seen_at > now() - make_interval(secs => ${GONE_AFTER_S}))))`,
      [caller, key, hash, this.owner ?? null],
    );
    if (taken.rowCount === 0) {
      const { rows } = await this.pool.query('SELECT request_hash, status, response FROM idempotency_keys WHERE caller = $1 AND key = $2', [caller, key]);
      const first = rows[0];
      if (first && first.request_hash !== hash) {
        throw new ApiError('idempotency_key_reused', 'This Idempotency-Key was used for a different request; use a new key.');
      }
      if (!first || first.status === null) {
        throw new ApiError('idempotency_in_progress', 'The first request with this Idempotency-Key is still running; retry shortly.');
      }
      return { status: first.status, body: first.response, replayed: true };
    }

    let response: { status: number; body: unknown };
    try {
      response = await execute(`${caller}:${key}`);
    } catch (error) {
      if (!(error instanceof ApiError) || error.status >= 500) {
        await this.pool.query('DELETE FROM idempotency_keys WHERE caller = $1 AND key = $2', [caller, key]);
        throw error;
      }
      response = { status: error.status, body: errorBody(error) };
    }
    await this.pool.query('UPDATE idempotency_keys SET status = $3, response = $4 WHERE caller = $1 AND key = $2', [caller, key, response.status, JSON.stringify(response.body)]);
    return { ...response, replayed: false };
  }
}
