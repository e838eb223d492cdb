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

export function authenticate(pool: pg.Pool, adminToken: string): RequestHandler {
  return async (req, res, next) => {
    const header = req.header('authorization') ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) throw new ApiError('unauthorized', 'Send Authorization: Bearer <token>.');
    const token = match[1];
    let caller: Caller | undefined;
    if (sameSecret(token, adminToken)) caller = { id: 'admin', kind: 'admin', roles: ['supervisor'], queues: [] };
    else {
      const { rows } = await pool.query('SELECT id, kind, roles, queues FROM resources WHERE token_hash = $1', [hashToken(token)]);
      if (rows[0]) caller = rows[0] as Caller;
    }
    if (!caller) throw new ApiError('unauthorized', 'Unknown token: ask an admin for a resource token.');
    res.locals.caller = caller;
    next();
  };
}
