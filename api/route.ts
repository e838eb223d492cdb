// One declaration per endpoint: it mounts the Express handler (auth rule, zod validation) and
// registers the same path and schemas in the OpenAPI registry, so the document cannot drift.

import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import type { Router } from 'express';
import { z } from 'zod';
import type { Caller, CallerKind } from './caller.js';
import { ApiError, fromZod } from './errors.js';
import { ErrorBody } from './schemas.js';

export interface RouteContext<B, Q> {
  body: B;
  query: Q;
  params: Record<string, string>;
  caller: Caller;
  idempotencyKey?: string;
}

export interface RouteSpec<B extends z.ZodType, Q extends z.ZodType> {
  method: 'get' | 'post' | 'put' | 'patch';
  path: string;
  summary: string;
  tag: string;
  /** Which callers may use it; anyone else with a valid token gets 403. */
  allow: CallerKind[];
  body?: B;
  query?: Q;
  status?: number;
  response: z.ZodType;
  handler: (ctx: RouteContext<z.output<B>, z.output<Q>>) => Promise<unknown>;
}

export const EVERYONE: CallerKind[] = ['human', 'robot', 'integration', 'admin'];
export const RESOURCES: CallerKind[] = ['human', 'robot', 'admin'];

export class Routes {
  constructor(
    private readonly router: Router,
    private readonly registry: OpenAPIRegistry,
    /** Where the router is mounted, for the paths in the OpenAPI document. */
    private readonly prefix = '',
  ) {}

  add<B extends z.ZodType, Q extends z.ZodType>(spec: RouteSpec<B, Q>): void {
    const status = spec.status ?? 200;
    this.registry.registerPath({
      method: spec.method,
      path: this.prefix + spec.path.replace(/:(\w+)/g, '{$1}'),
      summary: spec.summary,
      tags: [spec.tag],
      security: [{ bearer: [] }],
      request: {
        params: paramsSchema(spec.path),
        ...(spec.query ? { query: spec.query as never } : {}),
        ...(spec.body ? { body: { content: { 'application/json': { schema: spec.body } } } } : {}),
      },
      responses: {
        [status]: { description: 'Success', content: { 'application/json': { schema: spec.response } } },
        default: { description: 'Error', content: { 'application/json': { schema: ErrorBody } } },
      },
    });

    this.router[spec.method](spec.path, async (req, res) => {
      const caller = res.locals.caller as Caller;
      if (!spec.allow.includes(caller.kind)) {
        throw new ApiError('forbidden', `A ${caller.kind} caller may not ${spec.summary.toLowerCase()}.`);
      }
      const body = parse(spec.body, req.body ?? {}, 'body');
      const query = parse(spec.query, req.query, 'query');
      const result = await spec.handler({
        body,
        query,
        params: req.params as Record<string, string>,
        caller,
        idempotencyKey: res.locals.idempotencyKey,
      });
      res.status(status).json(result);
    });
  }
}

function parse<S extends z.ZodType>(schema: S | undefined, value: unknown, where: 'body' | 'query'): z.output<S> {
  if (!schema) return undefined as z.output<S>;
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw fromZod(parsed.error, where);
  return parsed.data;
}

function paramsSchema(path: string): z.ZodObject | undefined {
  const names = [...path.matchAll(/:(\w+)/g)].map((m) => m[1]);
  if (names.length === 0) return undefined;
  return z.object(Object.fromEntries(names.map((name) => [name, z.string()])));
}
