// The typed client of the work-items API: openapi-fetch's client over the `paths` that
// openapi-typescript generated (src/schema.d.ts) from the service's own OpenAPI document, with
// the caller's bearer token set on every request. Each path, parameter, body and answer is
// typed from the document: a renamed field or route fails type-checking where it is used.

import createClient, { type Client, type ClientOptions, type Middleware } from 'openapi-fetch';
import type { components, operations, paths } from './schema.js';

export type { components, operations, paths };
export type WorkItemsClient = Client<paths>;

/** A schema of the document by name: `Schema<'WorkItem'>`. */
export type Schema<Name extends keyof components['schemas']> = components['schemas'][Name];

export interface WorkItemsClientOptions {
  /** Where the service listens, e.g. `http://localhost:3000` (the document's paths start with /v1). */
  baseUrl: string;
  /** The caller's token (a resource's, or the admin token); absent, requests carry none. */
  token?: string;
  /** The fetch to send requests with (another transport, a test's); global fetch by default. */
  fetch?: ClientOptions['fetch'];
  /** The Request class requests are built with, for a `fetch` that reads them its own way; global Request by default. */
  Request?: ClientOptions['Request'];
}

/** An openapi-fetch client of the API whose every request carries `Authorization: Bearer <token>`. */
export function createWorkItemsClient(options: WorkItemsClientOptions): WorkItemsClient {
  const client = createClient<paths>({ baseUrl: options.baseUrl, ...(options.fetch ? { fetch: options.fetch } : {}), ...(options.Request ? { Request: options.Request } : {}) });
  if (options.token !== undefined) client.use(bearer(options.token));
  return client;
}

/** Sets the token on each request, unless the request names its own Authorization. */
export function bearer(token: string): Middleware {
  return {
    onRequest({ request }) {
      if (!request.headers.has('authorization')) request.headers.set('authorization', `Bearer ${token}`);
      return request;
    },
  };
}

/** A refusal (or any status of 300 or more) that `ok` turned into an error: its status and body. */
export class WorkItemsError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly url: string,
  ) {
    super(`${status} from ${url}: ${JSON.stringify(body)}`);
  }
}

/** The data of a call that must succeed: `const item = await ok(client.GET(...))`; otherwise throws a WorkItemsError. */
export async function ok<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  const { data, error, response } = await call;
  if (!response.ok) throw new WorkItemsError(response.status, error, response.url);
  return data as T;
}
