// Idempotency keys in PostgreSQL: the one module that writes `idempotency_keys`. When a key is
// taken, replayed, refused or freed is the API's (api/idempotency.ts).

import type pg from 'pg';
import { abandonedSql } from './service-instance.js';

export interface FirstRequest {
  requestHash: string;
  /** Null while the first request runs. */
  status: number | null;
  response: unknown;
}

export class IdempotencyTable {
  constructor(private readonly pool: pg.Pool) {}

  /**
   * Takes the key for a request with this hash, or takes it over when its first request (the same
   * hash, still unanswered) was abandoned: its process is gone, or it started more than two
   * minutes ago. False when the key is someone else's.
   */
  async take(caller: string, key: string, requestHash: string, owner: string | null): Promise<boolean> {
    const taken = await this.pool.query(
      `INSERT INTO idempotency_keys (caller, key, request_hash, owner) VALUES ($1, $2, $3, $4)
       ON CONFLICT (caller, key) DO UPDATE SET created_at = now(), owner = $4
         WHERE idempotency_keys.status IS NULL AND idempotency_keys.request_hash = $3
           AND ${abandonedSql('idempotency_keys.owner', 'idempotency_keys.created_at')}`,
      [caller, key, requestHash, owner],
    );
    return taken.rowCount !== 0;
  }

  /** The request that took the key first, and its answer once it has one. */
  async first(caller: string, key: string): Promise<FirstRequest | undefined> {
    const { rows } = await this.pool.query<FirstRequest>(
      'SELECT request_hash AS "requestHash", status, response FROM idempotency_keys WHERE caller = $1 AND key = $2',
      [caller, key],
    );
    return rows[0];
  }

  /** Stores the answer that every repeat of the request gets. */
  async answer(caller: string, key: string, status: number, body: unknown): Promise<void> {
    await this.pool.query('UPDATE idempotency_keys SET status = $3, response = $4 WHERE caller = $1 AND key = $2', [caller, key, status, JSON.stringify(body)]);
  }

  /** Frees a key while it is still `owner`'s and unanswered (not once another replica took it over). */
  async release(caller: string, key: string, owner: string | null): Promise<void> {
    await this.pool.query('DELETE FROM idempotency_keys WHERE caller = $1 AND key = $2 AND status IS NULL AND owner IS NOT DISTINCT FROM $3', [caller, key, owner]);
  }
}
