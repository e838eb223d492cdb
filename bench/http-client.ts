// The benchmarks' HTTP client: node:http over kept-alive connections. It costs the benchmark's
// process less CPU per request than `fetch` (undici's streams and abort signals), and that process
// shares the machine with the service it measures.

import http from 'node:http';

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

  /** The answer's JSON and its size; throws on a refusal that is not 503, or after 5 retries. */
  async call(method: string, path: string, token: string, body?: unknown): Promise<{ json: any; bytes: number }> {
    for (let attempt = 0; ; attempt++) {
      const res = await request(this.baseUrl, method, path, token, body);
      if (res.status < 300) return { json: JSON.parse(res.text), bytes: res.text.length };
      const key = `${res.status} ${(JSON.parse(res.text) as { error?: string }).error ?? ''}`;
      this.refused[key] = (this.refused[key] ?? 0) + 1;
      if (res.status !== 503 || attempt >= 5) throw new Error(`${method} ${path}: ${res.status} ${res.text.slice(0, 300)}`);
      await new Promise((r) => setTimeout(r, 1000 * Number(res.header('retry-after') ?? 1)));
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
