// The benchmarks' HTTP client: node:http over kept-alive connections. It costs the benchmark's
// process less CPU per request than `fetch` (undici's streams and abort signals), and that process
// shares the machine with the service it measures. The benches call the API through the typed
// client (clients/typescript, `apiClient`), with `nodeHttpFetch` below, a fetch over the same
// transport; `request` stays for HTTP servers other than the service (Mailpit's API).

import http from 'node:http';
import { createWorkItemsClient, ok, WorkItemsError, type WorkItemsClient } from '../clients/typescript/src/index.js';

const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

export interface Answer {
  status: number;
  text: string;
  header(name: string): string | undefined;
}

export function request(baseUrl: string, method: string, path: string, token: string, body?: unknown): Promise<Answer> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request(
      new URL(path, baseUrl),
      {
        method,
        agent,
        headers: {
          authorization: `Bearer ${token}`,
          ...(payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            text: Buffer.concat(chunks).toString('utf8'),
            header: (name) => [res.headers[name.toLowerCase()]].flat()[0],
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/**
 * The typed client's transport over node:http and the kept-alive agent above. openapi-fetch builds
 * a `PlainRequest` (url, method, Headers, the body as text) and reads back a `PlainResponse`: the
 * members of Request and Response it uses, and no stream. Measured (a note's POST, a 1.5 kB JSON
 * answer, 4 at a time, the client's own CPU): `request` 0.27-0.33 ms a request, the typed client
 * this way 0.30-0.37 ms, over undici's Request and Response 0.7-0.85 ms, over global fetch 1.5-1.7 ms.
 */
class PlainRequest {
  readonly url: string;
  readonly method: string;
  readonly headers: Headers;
  readonly body: string | undefined;

  constructor(url: string, init: { method: string; headers: Headers; body?: string }) {
    this.url = url;
    this.method = init.method;
    this.headers = init.headers;
    this.body = init.body;
  }
}

interface PlainResponse {
  status: number;
  ok: boolean;
  url: string;
  headers: { get(name: string): string | null };
  text(): Promise<string>;
  json(): Promise<unknown>;
}

function nodeHttpFetch(input: PlainRequest): Promise<PlainResponse> {
  const headers: Record<string, string> = {};
  input.headers.forEach((value, name) => (headers[name] = value));
  if (input.body !== undefined) headers['content-length'] = String(Buffer.byteLength(input.body));
  return new Promise((resolve, reject) => {
    const req = http.request(input.url, { method: input.method, agent, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const status = res.statusCode ?? 0;
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({
          status,
          ok: status >= 200 && status < 300,
          url: input.url,
          headers: { get: (name) => [res.headers[name.toLowerCase()]].flat()[0] ?? null },
          text: async () => text,
          json: async () => JSON.parse(text),
        });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(input.body);
  });
}

const clients = new Map<string, WorkItemsClient>();

/** The typed client as the caller of `token`, over node:http (one per address and token: it keeps nothing else). */
export function apiClient(baseUrl: string, token: string): WorkItemsClient {
  const key = `${baseUrl} ${token}`;
  let client = clients.get(key);
  if (!client) {
    client = createWorkItemsClient({ baseUrl, token, Request: PlainRequest as unknown as typeof Request, fetch: nodeHttpFetch as unknown as (input: Request) => Promise<Response> });
    clients.set(key, client);
  }
  return client;
}

/**
 * Any method and path, untyped, through the typed client over node:http: the answer's JSON, or a
 * WorkItemsError for a status of 300 or more (its status and body).
 */
export async function callApi(client: WorkItemsClient, method: string, path: string, body?: unknown): Promise<any> {
  try {
    return await ok(untyped(client)(method, path, body === undefined ? {} : { body }));
  } catch (error) {
    if (error instanceof WorkItemsError) throw new Error(`${method} ${path}: ${error.status} ${JSON.stringify(error.body)}`);
    throw error;
  }
}

/** The client's request() with any method and path (a path that is not in the document's, or carries its query). */
function untyped(client: WorkItemsClient) {
  return client.request as (method: string, path: string, init: object) => Promise<{ data?: unknown; error?: unknown; response: Response }>;
}

/**
 * A client of many requests, patient as a client should be: a 503 (busy, Retry-After) is sent
 * again, up to 5 times; every refusal is counted by status and error code (`refused`), and a
 * request that fails for good is counted and shown (`failures`, the first three) without
 * stopping the run (`tolerate`).
 */
export class PatientClient {
  readonly refused: Record<string, number> = {};
  readonly failures: string[] = [];

  /** The service's address; a bench that restarts the service points it at the new one. */
  constructor(public baseUrl: string) {}

  /** The typed client as the caller of `token`, at the service's current address. */
  client(token: string): WorkItemsClient {
    return apiClient(this.baseUrl, token);
  }

  /** The answer's JSON and its size; throws on a refusal that is not 503, or after 5 retries. */
  async call(method: string, path: string, token: string, body?: unknown): Promise<{ json: any; bytes: number }> {
    const send = untyped(this.client(token));
    for (let attempt = 0; ; attempt++) {
      const { data, error, response } = await send(method, path, { ...(body === undefined ? {} : { body }), parseAs: 'text' });
      if (response.status < 300) return { json: JSON.parse(data as string), bytes: (data as string).length };
      const key = `${response.status} ${(error as { error?: string } | undefined)?.error ?? ''}`;
      this.refused[key] = (this.refused[key] ?? 0) + 1;
      if (response.status !== 503 || attempt >= 5) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(error).slice(0, 300)}`);
      await new Promise((r) => setTimeout(r, 1000 * Number(response.headers.get('retry-after') ?? 1)));
    }
  }

  /** One request of many: a failure is counted and shown, and the run goes on. */
  async tolerate(what: () => Promise<unknown>): Promise<void> {
    try {
      await what();
    } catch (error) {
      if (this.failures.push(String((error as Error).message)) <= 3) console.log(`  failed: ${(error as Error).message}`);
    }
  }
}
