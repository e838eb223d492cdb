// The contract's error shape, `{ error, message, ...details }`, and the one place that turns
// refusals, schema failures and Temporal errors into it.

import type { ErrorRequestHandler } from 'express';
import type { Logger } from 'pino';
import { z } from 'zod';
import { REFUSAL_STATUS, type RefusalCode } from '../workflows/domain/refusal.js';

export type ErrorCode = RefusalCode | 'unauthorized' | 'already_exists' | 'idempotency_key_reused' | 'idempotency_in_progress' | 'not_implemented' | 'unavailable' | 'internal';

const EXTRA_STATUS: Record<string, number> = {
  unauthorized: 401,
  already_exists: 409,
  idempotency_in_progress: 409,
  idempotency_key_reused: 422,
  not_implemented: 501,
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
    this.status = (REFUSAL_STATUS as Record<string, number>)[code] ?? EXTRA_STATUS[code] ?? 500;
  }
}

export function fromZod(error: z.ZodError, where: 'body' | 'query' | 'params'): ApiError {
  const issues = error.issues.map((i) => ({ path: [where, ...i.path.map(String)], message: i.message }));
  const first = issues[0];
  return new ApiError('invalid_request', `Invalid request: ${first.path.join('.')}: ${first.message}`, { issues });
}

export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err, _req, res, _next) => {
    let error: ApiError;
    if (err instanceof ApiError) error = err;
    else if (err?.type === 'entity.parse.failed') error = new ApiError('invalid_request', `The body is not valid JSON: ${err.message}`, { issues: [] });
    else if (err?.type === 'entity.too.large') error = new ApiError('invalid_request', 'The body is too large.', { issues: [] });
    else {
      logger.error({ err }, 'unhandled error');
      error = new ApiError('internal', 'Something went wrong on our side; the request may be retried.');
    }
    res.status(error.status).json({ error: error.code, message: error.message, ...error.details });
  };
}
