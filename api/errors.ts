// The contract's error shape, `{ error, message, ...details }`, and the one place that turns
// refusals, schema failures, oversize bodies, unreachable dependencies and Temporal errors into
// it. No response carries a stack trace.

import type { ErrorRequestHandler } from 'express';
import type { Logger } from 'pino';
import { z } from 'zod';
import { REFUSAL_STATUS, type RefusalCode } from '../workflows/domain/item/refusal.js';

export type ErrorCode =
  | RefusalCode
  | 'unauthorized'
  | 'already_exists'
  | 'idempotency_key_reused'
  | 'idempotency_in_progress'
  | 'payload_too_large'
  | 'needs_operator'
  | 'item_busy'
  | 'rate_limited'
  | 'not_implemented'
  | 'cursor_expired'
  | 'unavailable'
  | 'internal';

export const ERROR_STATUS: Record<ErrorCode, number> = {
  ...REFUSAL_STATUS,
  unauthorized: 401,
  already_exists: 409,
  idempotency_in_progress: 409,
  idempotency_key_reused: 422,
  payload_too_large: 413,
  needs_operator: 409,
  item_busy: 503,
  rate_limited: 429,
  not_implemented: 501,
  cursor_expired: 410,
  unavailable: 503,
  internal: 500,
};

export class ApiError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.status = ERROR_STATUS[code] ?? 500;
  }
}

/** An unknown item, and (R46) one the caller may not see: the same answer for both. */
export function noSuchItem(ref: string): ApiError {
  return new ApiError('not_found', `No work item ${ref}.`);
}

export type RequestPart = 'body' | 'query' | 'params' | 'headers';

export function fromZod(error: z.ZodError, where: RequestPart): ApiError {
  const issues = error.issues.map((i) => ({ path: [where, ...i.path.map(String)], message: i.message }));
  // Text longer than its field may hold is too large, not malformed: 413 naming the field and limit.
  const tooLong = error.issues.every((i) => i.code === 'too_big' && i.origin === 'string');
  if (tooLong) {
    const first = error.issues[0] as z.core.$ZodIssueTooBig;
    const field = issues[0].path.join('.');
    return new ApiError('payload_too_large', `${field} is longer than the ${Number(first.maximum).toLocaleString('en')} characters it may hold.`, {
      issues,
      field,
      limitChars: Number(first.maximum),
    });
  }
  return invalid(issues);
}

export function invalid(issues: Array<{ path: string[]; message: string }>): ApiError {
  const first = issues[0];
  return new ApiError('invalid_request', `Invalid request: ${first.path.join('.')}: ${first.message}`, { issues });
}

export function errorBody(error: ApiError): Record<string, unknown> {
  return { error: error.code, message: error.message, ...error.details };
}

/**
 * Which dependency a connection failure is of: Temporal (gRPC UNAVAILABLE, DEADLINE_EXCEEDED, or
 * CANCELLED: a call cut while the worker it waited on died) or PostgreSQL.
 */
function unavailableDependency(err: unknown): 'Temporal' | 'PostgreSQL' | undefined {
  const e = err as { code?: unknown; cause?: { code?: unknown } } | undefined;
  const grpc = new Set([14, 4, 1]);
  if (grpc.has(e?.code as number) || grpc.has(e?.cause?.code as number)) return 'Temporal';
  const postgres = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', '57P01', '57P02', '57P03', '08006', '08001']);
  if (postgres.has(e?.code as string) || postgres.has(e?.cause?.code as string)) return 'PostgreSQL';
  if (/Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/.test(String((err as Error)?.message))) return 'PostgreSQL';
  return undefined;
}

export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err, _req, res, _next) => {
    let error: ApiError;
    if (err instanceof ApiError) error = err;
    else if (err?.type === 'entity.parse.failed') error = invalid([{ path: ['body'], message: `not valid JSON (${err.message})` }]);
    else if (err?.type === 'entity.too.large') error = new ApiError('payload_too_large', `The body is larger than the ${err.limit} bytes this endpoint takes.`, { limitBytes: err.limit });
    else if (err?.type === 'encoding.unsupported' || err?.type === 'charset.unsupported') error = invalid([{ path: ['headers', 'content-type'], message: err.message }]);
    else if (typeof err?.status === 'number' && err.status >= 400 && err.status < 500) error = invalid([{ path: ['body'], message: err.expose ? err.message : 'unreadable body' }]);
    else if (unavailableDependency(err)) {
      const dependency = unavailableDependency(err);
      logger.warn({ err, dependency }, 'a dependency is unavailable');
      error = new ApiError('unavailable', `${dependency} is not answering: send the request again shortly (with the same Idempotency-Key it takes effect once); GET /readyz says when it is back.`, { unavailable: dependency });
    } else {
      logger.error({ err }, 'unhandled error');
      error = new ApiError('internal', 'Something went wrong on our side; the request may be retried.');
    }
    if (error.code === 'unavailable') res.setHeader('Retry-After', '5');
    if (error.code === 'item_busy') res.setHeader('Retry-After', '1');
    res.status(error.status).json(errorBody(error));
  };
}
