// Idempotency-Key: the first response to a (caller, key) is stored and replayed to every repeat,
// which changes nothing more. A key reused for a different request is refused. A key whose
// first request is still running gets 409; after two minutes it counts as abandoned and is
// taken over. A 5xx is not stored, so the client may retry.

import { createHash } from 'node:crypto';
import type { RequestHandler } from 'express';
import type pg from 'pg';
import type { Caller } from './caller.js';
import { ApiError } from './errors.js';

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export function idempotency(pool: pg.Pool): RequestHandler {
  return async (req, res, next) => {
    const key = req.header('idempotency-key');
    if (!key || !MUTATING.has(req.method)) return next();
    if (key.length > 200) throw new ApiError('invalid_request', 'Idempotency-Key is at most 200 characters.', { issues: [] });
    const caller = (res.locals.caller as Caller).id;
    const hash = createHash('sha256').update(`${req.method} ${req.originalUrl}\n${JSON.stringify(req.body ?? null)}`).digest('hex');

    // Take the key, or take it over when its first request died more than two minutes ago.
    const taken = await pool.query(
      `INSERT INTO idempotency_keys (caller, key, request_hash) VALUES ($1, $2, $3)
       ON CONFLICT (caller, key) DO UPDATE SET created_at = now()
         WHERE idempotency_keys.status IS NULL AND idempotency_keys.request_hash = $3
           AND idempotency_keys.created_at < now() - interval '2 minutes'`,
      [caller, key, hash],
    );
    if (taken.rowCount === 0) {
      const { rows } = await pool.query('SELECT request_hash, status, response FROM idempotency_keys WHERE caller = $1 AND key = $2', [caller, key]);
      const first = rows[0];
      if (first && first.request_hash !== hash) {
        throw new ApiError('idempotency_key_reused', 'This Idempotency-Key was used for a different request; use a new key.');
      }
      if (!first || first.status === null) {
        throw new ApiError('idempotency_in_progress', 'The first request with this Idempotency-Key is still running; retry shortly.');
      }
      res.setHeader('Idempotent-Replayed', 'true');
      res.status(first.status).json(first.response);
      return;
    }

    res.locals.idempotencyKey = `${caller}:${key}`;
    const json = res.json.bind(res);
    res.json = (body: unknown) => {
      const stored =
        res.statusCode >= 500
          ? pool.query('DELETE FROM idempotency_keys WHERE caller = $1 AND key = $2', [caller, key])
          : pool.query('UPDATE idempotency_keys SET status = $3, response = $4 WHERE caller = $1 AND key = $2', [caller, key, res.statusCode, JSON.stringify(body)]);
      stored.then(
        () => json(body),
        (error) => next(error),
      );
      return res;
    };
    next();
  };
}
