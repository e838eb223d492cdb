// Requests per token, over a rate (RATE_LIMIT_PER_SECOND; off when unset, as in `npm start`):
// each caller has a bucket of that many requests a second with a burst of twice that; a request
// over it gets 429 with Retry-After (seconds until one request is allowed again). Counted per
// replica: with N replicas behind a balancer a caller may send up to N times the rate.

import type { RequestHandler } from 'express';
import type { Caller } from './caller.js';
import { ApiError } from './errors.js';

const BUCKETS_KEPT = 10_000;

export function rateLimit(perSecond: number): RequestHandler {
  const burst = perSecond * 2;
  const buckets = new Map<string, { tokens: number; at: number }>();
  return (_req, res, next) => {
    const caller = res.locals.caller as Caller;
    const now = Date.now();
    let bucket = buckets.get(caller.id);
    if (!bucket) {
      if (buckets.size >= BUCKETS_KEPT) buckets.delete(buckets.keys().next().value!);
      bucket = { tokens: burst, at: now };
      buckets.set(caller.id, bucket);
    }
    bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.at) / 1000) * perSecond);
    bucket.at = now;
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return next();
    }
    const waitS = Math.max(1, Math.ceil((1 - bucket.tokens) / perSecond));
    res.setHeader('Retry-After', String(waitS));
    throw new ApiError('rate_limited', `Over ${perSecond} requests a second for ${caller.id}: send it again in ${waitS} s.`, { retryAfterSeconds: waitS });
  };
}

export function rateLimitFromEnv(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const raw = env.RATE_LIMIT_PER_SECOND;
  if (!raw) return undefined;
  const perSecond = Number(raw);
  if (!(perSecond > 0)) throw new Error(`RATE_LIMIT_PER_SECOND=${raw} is not a positive number of requests a second.`);
  return perSecond;
}
