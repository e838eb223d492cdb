// Bearer-token authentication: the admin token from ADMIN_TOKEN, or a resource's token
// (stored as a SHA-256 hash). A missing or unknown token is 401.

import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import type pg from 'pg';
import { ConfigTables } from '../store/config-store.js';
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
 * caller. A rotated or deactivated resource's token is forgotten at once: by this process when
 * it made the change, and by every other replica when PostgreSQL notifies it
 * (`resource_tokens`, see worker/service.ts). Unknown tokens are not cached (the resource may be
 * created a moment later).
 */
const CALLER_CACHE_MS = 60_000;
const CALLER_CACHE_SIZE = 10_000;

export class CallerCache {
  private readonly known = new Map<string, { caller: Caller; until: number }>();

  get(hash: string): Caller | undefined {
    const cached = this.known.get(hash);
    return cached && cached.until > Date.now() ? cached.caller : undefined;
  }

  set(hash: string, caller: Caller): void {
    if (this.known.size >= CALLER_CACHE_SIZE) this.known.delete(this.known.keys().next().value!);
    this.known.set(hash, { caller, until: Date.now() + CALLER_CACHE_MS });
  }

  clear(): void {
    this.known.clear();
  }

  /** Forgets every cached token of a resource (it was rotated or deactivated). */
  forget(resourceId: string): void {
    for (const [hash, entry] of this.known) if (entry.caller.id === resourceId) this.known.delete(hash);
  }
}

export function authenticate(pool: pg.Pool, adminToken: string, cache: CallerCache = new CallerCache()): RequestHandler {
  const resources = new ConfigTables(pool);
  const lookUp = async (token: string): Promise<Caller | undefined> => {
    const hash = hashToken(token);
    const cached = cache.get(hash);
    if (cached) return cached;
    const holder = await resources.activeTokenHolder(hash);
    if (!holder) return undefined;
    cache.set(hash, holder);
    return holder;
  };
  return async (req, res, next) => {
    const header = req.header('authorization') ?? '';
    // R48: the Temporal UI calls the codec server with the operator's sign-in cookie, not a header.
    const token = /^Bearer\s+(\S+)$/i.exec(header)?.[1] ?? (req.path.startsWith('/codec/') ? codecCookieOf(req.header('cookie')) : undefined);
    if (!token) throw new ApiError('unauthorized', 'Send Authorization: Bearer <token>.');
    let caller: Caller | undefined;
    if (sameSecret(token, adminToken)) caller = { id: 'admin', kind: 'admin', roles: ['supervisor'], queues: [] };
    else caller = await lookUp(token);
    if (!caller) throw new ApiError('unauthorized', 'Unknown token: ask an admin for a resource token.');
    res.locals.caller = caller;
    next();
  };
}

/** The cookie that holds an operator's token for the codec server (set by /v1/codec/sign-in). */
export const CODEC_COOKIE = 'work_items_codec_token';

function codecCookieOf(cookies: string | undefined): string | undefined {
  for (const part of (cookies ?? '').split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name === CODEC_COOKIE && value.length) return decodeURIComponent(value.join('='));
  }
  return undefined;
}
