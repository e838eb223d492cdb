// One declaration per endpoint: it mounts the Express handler (who may call it, validation of
// path, query, body and Idempotency-Key, the idempotent replay) and describes the same path,
// schemas and every status it can answer in the OpenAPI document, so the two cannot drift.

import { TEXT_REF_PREFIX } from '../store/text-ref.js';
import { OpenAPIRegistry, OpenApiGeneratorV3, type RouteConfig } from '@asteasolutions/zod-to-openapi';
import { once } from 'node:events';
import type { Request, Response, Router } from 'express';
import { z } from 'zod';
import type { Caller, CallerKind } from './caller.js';
import { ApiError, ERROR_STATUS, fromZod, invalid, type ErrorCode, type RequestPart } from './errors.js';
import type { IdempotencyStore } from './idempotency.js';
import { ErrorBody, IdempotencyKey, PATH_PARAMS } from './schemas.js';

export interface RouteContext<B, Q> {
  body: B;
  query: Q;
  params: Record<string, string>;
  caller: Caller;
  /** The Temporal update id for this request's Idempotency-Key, when it has one. */
  idempotencyKey?: string;
  /** Where the request reached the service: its Host header and the local port (a URL that points back here). */
  served: { host?: string; port?: number };
}

export interface RouteSpec<B extends z.ZodType, Q extends z.ZodType> {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  path: string;
  summary: string;
  tag: string;
  /** Which callers may use it; anyone else with a valid token gets 403. */
  allow: CallerKind[];
  body?: B;
  query?: Q;
  status?: number;
  /** The success body; a route without one only refuses (a contract route not built yet). */
  response?: z.ZodType;
  /**
   * The route creates a work item and answers with its `ref`: the document links the answer to
   * every operation on the item, so that a client (or a fuzzer) can follow the item it made.
   */
  yieldsItem?: boolean;
  /** Refusals this route may answer beyond those every route of its shape may. */
  refusals?: ErrorCode[];
  handler: (ctx: RouteContext<z.output<B>, z.output<Q>>) => Promise<unknown>;
}

/**
 * A success body written as it is produced: its parts are pieces of one JSON text, sent one at a
 * time, so a long answer (a simulation over a year of items) is never held whole. Under an
 * Idempotency-Key it is collected, as the first answer must be kept.
 */
export class StreamedJson {
  constructor(readonly parts: () => AsyncIterable<string>) {}

  async collect(): Promise<unknown> {
    let text = '';
    for await (const part of this.parts()) text += part;
    return JSON.parse(text);
  }
}

export const EVERYONE: CallerKind[] = ['human', 'robot', 'integration', 'admin'];
export const RESOURCES: CallerKind[] = ['human', 'robot', 'admin'];

const MUTATING = new Set(['post', 'put', 'patch', 'delete']);

const STATUS_MEANING: Record<number, string> = {
  400: 'The request is malformed; `issues` names each bad field.',
  401: 'No token, or an unknown one.',
  403: 'The caller may not do this.',
  404: 'No such work item.',
  409: 'Refused in the current state, the item was stopped in Temporal and needs an operator, or the Idempotency-Key is still in use.',
  410: 'The cursor is older than what the feed keeps; `oldestCursor` is the oldest there is.',
  413: 'The body is too large.',
  422: 'Refused: fields are missing, resolution communication is required, or the Idempotency-Key was used for another request.',
  429: 'Over the per-token rate (RATE_LIMIT_PER_SECOND); retry after `Retry-After` seconds.',
  501: 'Not available in this release yet.',
  503: 'Temporal or PostgreSQL is not answering, or the item is taking many commands at once; retry after `Retry-After` seconds.',
};

interface Declared {
  config: RouteConfig;
  yieldsItem: boolean;
}

export class Routes {
  private readonly declared: Declared[] = [];

  constructor(
    private readonly router: Router,
    private readonly idempotency: IdempotencyStore,
    /** Where the router is mounted, for the paths in the OpenAPI document. */
    private readonly prefix = '',
    /** R46: refuses, as `404`, an item the caller may not see; run before every route that names a `:ref`. */
    private readonly mayReach: (caller: Caller, ref: string) => Promise<void> = async () => undefined,
  ) {}

  add<B extends z.ZodType, Q extends z.ZodType>(spec: RouteSpec<B, Q>): void {
    const status = spec.status ?? 200;
    const params = paramsSchema(spec.path);
    const mutating = MUTATING.has(spec.method);
    const headers = mutating ? z.object({ 'Idempotency-Key': IdempotencyKey.optional() }) : undefined;

    const documentedPath = this.prefix + spec.path.replace(/:(\w+)/g, '{$1}');
    const config: RouteConfig = {
      method: spec.method,
      path: documentedPath,
      operationId: operationId(spec.method, spec.path),
      summary: spec.summary,
      tags: [spec.tag],
      security: [{ bearer: [] }],
      request: {
        ...(params ? { params } : {}),
        ...(spec.query ? { query: spec.query as never } : {}),
        ...(headers ? { headers } : {}),
        ...(spec.body ? { body: { required: true, content: { 'application/json': { schema: spec.body } } } } : {}),
      },
      responses: {
        ...(spec.response ? { [status]: { description: 'Success', content: { 'application/json': { schema: spec.response } } } } : {}),
        ...Object.fromEntries(
          refusalStatuses(spec, Boolean(params), mutating).map((s) => [s, { description: STATUS_MEANING[s], content: { 'application/json': { schema: ErrorBody } } }]),
        ),
      },
    };
    this.declared.push({ config, yieldsItem: spec.yieldsItem === true });

    this.router[spec.method](spec.path, async (req, res) => {
      res.locals.route = this.prefix + spec.path; // what GET /metrics counts requests by
      const caller = res.locals.caller as Caller;
      if (!spec.allow.includes(caller.kind)) {
        throw new ApiError('forbidden', `A ${caller.kind} caller may not ${spec.summary.toLowerCase()}.`);
      }
      const path = parse(params, req.params, 'params') as Record<string, string>;
      const query = parse(spec.query, req.query, 'query');
      const body = parse(spec.body, req.body ?? {}, 'body');
      const key = headers ? parse(headers, { 'Idempotency-Key': req.header('idempotency-key') }, 'headers')['Idempotency-Key'] : undefined;
      if (path?.ref !== undefined) await this.mayReach(caller, path.ref);

      const execute = async (idempotencyKey?: string) => ({
        status,
        body: await spec.handler({ body, query, params: path, caller, idempotencyKey, served: { host: req.headers.host, port: req.socket.localPort } }),
      });
      const kept = async (idempotencyKey?: string) => {
        const answer = await execute(idempotencyKey);
        return answer.body instanceof StreamedJson ? { ...answer, body: await answer.body.collect() } : answer;
      };
      const answer = key ? await this.idempotency.once(caller.id, key, fingerprint(req), kept) : { ...(await execute()), replayed: false };
      if (answer.replayed) res.setHeader('Idempotent-Replayed', 'true');
      if (answer.body instanceof StreamedJson) return stream(res.status(answer.status), answer.body);
      res.status(answer.status).json(answer.body);
    });
  }

  /** The OpenAPI document of every declared route, with links from items to their operations. */
  document(info: { title: string; version: string; description: string }): object {
    const registry = new OpenAPIRegistry();
    registry.registerComponent('securitySchemes', 'bearer', { type: 'http', scheme: 'bearer' });
    const itemOperations = this.declared.filter((d) => d.config.path.includes('{ref}')).map((d) => d.config.operationId!);
    for (const { config, yieldsItem } of this.declared) {
      if (yieldsItem) {
        const success = Object.keys(config.responses).find((s) => s.startsWith('2'));
        if (!success) throw new Error(`${config.operationId} yields an item but has no success response`);
        const links = Object.fromEntries(itemOperations.map((op) => [op, { operationId: op, parameters: { ref: '$response.body#/ref' } }]));
        config.responses[success] = { ...config.responses[success], links };
      }
      registry.registerPath(config);
    }
    return new OpenApiGeneratorV3(registry.definitions).generateDocument({ openapi: '3.0.3', info, servers: [{ url: '/' }] });
  }
}

/** Writes a streamed body, waiting for the client to drain; a failure past the first part cuts the connection (the status is sent). */
async function stream(res: Response, body: StreamedJson): Promise<void> {
  res.type('application/json');
  try {
    for await (const part of body.parts()) {
      if (!res.write(part)) await once(res, 'drain');
    }
    res.end();
  } catch (error) {
    if (!res.headersSent) throw error;
    res.destroy(error as Error);
  }
}

/** The statuses besides success that a route can answer, from its shape. */
function refusalStatuses(spec: RouteSpec<z.ZodType, z.ZodType>, hasParams: boolean, mutating: boolean): number[] {
  const statuses = new Set<number>([401, 429, 503]);
  if (spec.body || spec.query || hasParams || mutating) statuses.add(400);
  if (EVERYONE.some((kind) => !spec.allow.includes(kind))) statuses.add(403);
  if (spec.path.includes(':ref')) statuses.add(404);
  if (spec.body) statuses.add(413);
  if (mutating) statuses.add(409).add(422); // Idempotency-Key still running / reused
  for (const code of spec.refusals ?? []) statuses.add(ERROR_STATUS[code]);
  return [...statuses].sort();
}

function parse<S extends z.ZodType>(schema: S | undefined, value: unknown, where: RequestPart): z.output<S> {
  if (!schema) return undefined as z.output<S>;
  const nul = findNul(value, [where]);
  if (nul) throw invalid([{ path: nul, message: 'contains a NUL character (\\u0000), which cannot be stored' }]);
  const reserved = findString(value, [where], (s) => s.startsWith(TEXT_REF_PREFIX));
  if (reserved) throw invalid([{ path: reserved, message: 'begins with U+E000 "text:", which the service reserves for references to stored texts' }]);
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw fromZod(parsed.error, where);
  return parsed.data;
}

/** The path of the first string (or key) holding U+0000, which PostgreSQL text cannot hold. */
function findNul(value: unknown, path: string[]): string[] | undefined {
  return findString(value, path, (s) => s.includes('\u0000'));
}

/** The path of the first string (or key) for which `test` holds. */
function findString(value: unknown, path: string[], test: (s: string) => boolean): string[] | undefined {
  if (typeof value === 'string') return test(value) ? path : undefined;
  if (value === null || typeof value !== 'object') return undefined;
  for (const [key, inner] of Object.entries(value)) {
    if (test(key)) return [...path, key];
    const found = findString(inner, [...path, key], test);
    if (found) return found;
  }
  return undefined;
}

function paramsSchema(path: string): z.ZodObject | undefined {
  const names = [...path.matchAll(/:(\w+)/g)].map((m) => m[1]);
  if (names.length === 0) return undefined;
  return z.object(
    Object.fromEntries(
      names.map((name) => {
        const schema = PATH_PARAMS[name as keyof typeof PATH_PARAMS];
        if (!schema) throw new Error(`No schema for the path parameter :${name}; add it to PATH_PARAMS`);
        return [name, schema];
      }),
    ),
  );
}

/** `post /work-items/:ref/cancel-wait` -> `postWorkItemsByRefCancelWait`. */
function operationId(method: string, path: string): string {
  const words = path
    .split('/')
    .filter(Boolean)
    .flatMap((segment) => (segment.startsWith(':') ? ['by', segment.slice(1)] : segment.split('-')));
  return method + words.map((w) => w[0].toUpperCase() + w.slice(1)).join('');
}

function fingerprint(req: Request): string {
  return `${req.method} ${req.originalUrl}\n${JSON.stringify(req.body ?? null)}`;
}
