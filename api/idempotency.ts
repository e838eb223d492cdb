// Idempotency-Key: the first response to a (caller, key) is stored and replayed to every repeat,
// which changes nothing more. A key reused for a different request is refused. A key whose
// first request is still running gets 409; after two minutes it counts as abandoned and is
// taken over. A refusal (4xx) is stored like a success; a 5xx is not, so the client may retry.
// Routes call this after validating the request, so only a well-formed key of a well-formed
// request reaches the database.

import { createHash } from 'node:crypto';
import type pg from 'pg';
import { IdempotencyTable } from '../store/idempotency-store.js';
import { ApiError, errorBody } from './errors.js';

export interface StoredResponse {
  status: number;
  body: unknown;
  replayed: boolean;
}

export class IdempotencyStore {
  private readonly keys: IdempotencyTable;

  constructor(
    pool: pg.Pool,
    /** The process running the requests (service_instances.id); absent, only the two-minute rule applies. */
    private readonly owner?: string,
  ) {
    this.keys = new IdempotencyTable(pool);
  }

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
    if (!(await this.keys.take(caller, key, hash, this.owner ?? null))) {
      const first = await this.keys.first(caller, key);
      if (first && first.requestHash !== hash) {
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
        await this.release(caller, key);
        throw error;
      }
      response = { status: error.status, body: errorBody(error) };
    }
    try {
      await this.keys.answer(caller, key, response.status, response.body);
    } catch (error) {
      // The answer could not be stored (PostgreSQL went away): the client gets a 503 and sends it
      // again, which must run again (Temporal applies it once: the same Update id, the same ref).
      await this.release(caller, key);
      throw error;
    }
    return { ...response, replayed: false };
  }

  /**
   * Frees a key whose request failed, so that its retry runs. When PostgreSQL is away (the usual
   * reason it failed), the release is tried again every RELEASE_RETRY_MS in the background until
   * it succeeds: otherwise the key would answer 409 in progress until the two-minute rule.
   */
  private async release(caller: string, key: string): Promise<void> {
    // Only while it is still this process's and unanswered (not once another replica took it over).
    const attempt = () => this.keys.release(caller, key, this.owner ?? null);
    try {
      await attempt();
    } catch {
      const until = Date.now() + RELEASE_GIVE_UP_MS;
      const retry = () =>
        attempt().catch(() => {
          if (Date.now() < until) setTimeout(retry, RELEASE_RETRY_MS).unref();
        });
      setTimeout(retry, RELEASE_RETRY_MS).unref();
    }
  }
}

/** How often a key that could not be freed is tried again, and for how long (then the two-minute rule frees it). */
const RELEASE_RETRY_MS = 1_000;
const RELEASE_GIVE_UP_MS = 2 * 60_000;
