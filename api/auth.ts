// Bearer-token authentication: the admin token from ADMIN_TOKEN, or a resource's token
// (stored as a SHA-256 hash). A missing or unknown token is 401.

import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import type pg from 'pg';
import type { Caller } from './caller.js';
import { ApiError } from './errors.js';

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export function newToken(): string {
  return randomBytes(24).toString('base64url');
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(hashToken(a));
  const y = Buffer.from(hashToken(b));
  return timingSafeEqual(x, y);
}

/**
 * Known tokens, by hash, for a minute: a command then needs no database round trip to know its
 * caller. Resources are only ever created (no route changes or revokes a token), so a cached
 * caller is never stale; when tokens can be revoked, this is where to forget them. Unknown
 * tokens are not cached (the resource may be created a moment later).
 */
const CALLER_CACHE_MS = 60_000;
const CALLER_CACHE_SIZE = 10_000;

export function authenticate(pool: pg.Pool, adminToken: string): RequestHandler {
  const known = new Map<string, { caller: Caller; until: number }>();
  const lookUp = async (token: string): Promise<Caller | undefined> => {
    const hash = hashToken(token);
    const cached = known.get(hash);
    if (cached && cached.until > Date.now()) return cached.caller;
    const { rows } = await pool.query('SELECT id, kind, roles, queues FROM resources WHERE token_hash = $1', [hash]);
    if (!rows[0]) return undefined;
    if (known.size >= CALLER_CACHE_SIZE) known.delete(known.keys().next().value!);
    known.set(hash, { caller: rows[0] as Caller, until: Date.now() + CALLER_CACHE_MS });
    return rows[0] as Caller;
  };
  return async (req, res, next) => {
    const header = req.header('authorization') ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) throw new ApiError('unauthorized', 'Send Authorization: Bearer <token>.');
    const token = match[1];
    let caller: Caller | undefined;
    if (sameSecret(token, adminToken)) caller = { id: 'admin', kind: 'admin', roles: ['supervisor'], queues: [] };
    else caller = await lookUp(token);
    if (!caller) throw new ApiError('unauthorized', 'Unknown token: ask an admin for a resource token.');
    res.locals.caller = caller;
    next();
  };
}
