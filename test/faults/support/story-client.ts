// The fault suite's client: full ticket stories against the live API, as a careful client would
// send them. Every state-changing request carries an Idempotency-Key fixed per (story, step) and
// is sent again with the same key on a network error, a 502/503/504 (after its Retry-After) or a
// 409 idempotency_in_progress (the contract's "the first request still runs; retry shortly"),
// until it is answered or its deadline passes. Every attempt is recorded (status, body of a
// failure, duration), and every step's acknowledgement, so that a test can say afterwards what
// was acknowledged and check that each of it took effect exactly once.

import { randomUUID } from 'node:crypto';

export interface Attempt {
  /** `story-7/note-1`, `view T-000012`, ... */
  label: string;
  /** Which of the service's base URLs (replicas) the attempt went to. */
  replica: number;
  key?: string;
  method: string;
  path: string;
  startedAt: number;
  durationMs: number;
  /** Absent when no HTTP answer came (network error, timeout). */
  status?: number;
  /** The network error, or the answer's body for a non-2xx status. */
  error?: string;
  body?: unknown;
  retryAfter?: string | null;
}

export interface Answer<T = any> {
  status: number;
  body: T;
  headers: Headers;
  replayed: boolean;
  attempts: number;
  firstSentAt: number;
  answeredAt: number;
}

export interface SendOptions {
  token: string;
  body?: unknown;
  /** Sent as Idempotency-Key on every attempt. */
  key?: string;
  label: string;
  /** Give up (throw) when no final answer has come by then (ms since epoch). */
  deadline: number;
  /** Retry 409 idempotency_in_progress (default true). */
  retryInProgress?: boolean;
}

const RETRYABLE_STATUS = new Set([502, 503, 504]);
/** How long a replica that refused, reset or said it is restarting gets no new requests. */
const OUT_OF_ROTATION_MS = 3_000;

export class FaultHttp {
  readonly attempts: Attempt[] = [];
  private inFlightNow = 0;
  private nextReplica = 0;
  /** Replicas out of rotation, until when (ms since epoch). */
  private readonly outUntil = new Map<number, number>();
  readonly baseUrls: string[];

  constructor(
    /** The service's base URL, or its replicas' (each attempt goes to the next, as a round-robin load balancer sends them). */
    baseUrl: string | string[],
    /** One attempt is abandoned (and counted as a hang) after this long. */
    readonly attemptTimeoutMs = 60_000,
  ) {
    this.baseUrls = Array.isArray(baseUrl) ? baseUrl : [baseUrl];
  }

  /**
   * The next replica in turn, skipping those out of rotation (unless all are). As a load balancer
   * with passive health checks does, a replica that refused a connection, reset one, or said it is
   * restarting (`503`, `unavailable: "replica"`) gets no new requests for OUT_OF_ROTATION_MS: a
   * replica that stops answers 503 for a moment before it closes its socket (STOP_UNREADY_MS,
   * 2 s), so no request is on its way to a socket as it closes.
   */
  private pickReplica(): number {
    const now = Date.now();
    for (let tried = 0; tried < this.baseUrls.length; tried++) {
      const replica = this.nextReplica++ % this.baseUrls.length;
      if ((this.outUntil.get(replica) ?? 0) <= now) return replica;
    }
    return this.nextReplica++ % this.baseUrls.length;
  }

  private takeOutOfRotation(replica: number): void {
    if (this.baseUrls.length > 1) this.outUntil.set(replica, Date.now() + OUT_OF_ROTATION_MS);
  }

  /** A request to one replica (index into baseUrls), not round-robin. */
  async attemptAt(replica: number, method: string, path: string, options: Omit<SendOptions, 'deadline'>) {
    return this.attempt(method, path, options, replica);
  }

  /** Requests on the wire now. */
  inFlight(): number {
    return this.inFlightNow;
  }

  /** One attempt, recorded; a network error or timeout comes back as `error`. */
  async attempt(method: string, path: string, options: Omit<SendOptions, 'deadline'>, replica = this.pickReplica()): Promise<{ status?: number; body?: any; headers?: Headers; error?: string; record: Attempt }> {
    const headers: Record<string, string> = { authorization: `Bearer ${options.token}` };
    if (options.key) headers['idempotency-key'] = options.key;
    let payload: string | undefined;
    if (options.body !== undefined) {
      headers['content-type'] = 'application/json';
      payload = JSON.stringify(options.body);
    }
    const startedAt = Date.now();
    const record: Attempt = { label: options.label, replica, key: options.key, method, path, startedAt, durationMs: 0 };
    this.inFlightNow++;
    try {
      const res = await fetch(this.baseUrls[replica] + path, { method, headers, body: payload, signal: AbortSignal.timeout(this.attemptTimeoutMs) });
      const text = await res.text();
      let body: any = text;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        // not JSON: keep the text
      }
      record.status = res.status;
      record.retryAfter = res.headers.get('retry-after');
      if (res.status === 503 && body?.unavailable === 'replica') this.takeOutOfRotation(replica);
      if (res.status >= 300) record.body = body;
      return { status: res.status, body, headers: res.headers, record };
    } catch (err) {
      const e = err as Error & { cause?: { code?: string; message?: string } };
      record.error = e.name === 'TimeoutError' ? `no answer within ${this.attemptTimeoutMs} ms` : `${e.message}${e.cause ? ` (${e.cause.code ?? e.cause.message})` : ''}`;
      if (e.name !== 'TimeoutError') this.takeOutOfRotation(replica);
      return { error: record.error, record };
    } finally {
      this.inFlightNow--;
      record.durationMs = Date.now() - startedAt;
      this.attempts.push(record);
    }
  }

  /** Sends until a final answer (anything but a network error, 502/503/504 or, by default, 409 idempotency_in_progress). */
  async send<T = any>(method: string, path: string, options: SendOptions): Promise<Answer<T>> {
    const firstSentAt = Date.now();
    let last = '';
    for (let n = 1; ; n++) {
      const res = await this.attempt(method, path, options);
      let delayMs: number;
      if (res.status !== undefined) {
        const inProgress = res.status === 409 && res.body?.error === 'idempotency_in_progress' && options.retryInProgress !== false;
        if (!RETRYABLE_STATUS.has(res.status) && !inProgress) {
          return {
            status: res.status,
            body: res.body as T,
            headers: res.headers!,
            replayed: res.headers!.get('idempotent-replayed') === 'true',
            attempts: n,
            firstSentAt,
            answeredAt: Date.now(),
          };
        }
        last = `${res.status} ${JSON.stringify(res.body)}`;
        const retryAfter = Number(res.headers?.get('retry-after'));
        delayMs = Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : backoff(n);
      } else {
        last = res.error!;
        delayMs = backoff(n);
      }
      if (Date.now() + delayMs > options.deadline) {
        throw new Error(`${options.label}: ${method} ${path} not answered by its deadline after ${n} attempts (last: ${last})`);
      }
      await sleep(delayMs);
    }
  }
}

function backoff(attempt: number): number {
  return Math.min(200 * 2 ** (attempt - 1), 2_000) * (0.75 + Math.random() / 2);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls until `check` gives a value; throws after `timeoutMs` with the last thing seen. */
export async function pollUntil<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs: number, intervalMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? ` (last error: ${(lastError as Error).message})` : ''}`);
    await sleep(intervalMs);
  }
}

// --- stories ------------------------------------------------------------------------------------

export interface StoryWorld {
  http: FaultHttp;
  agentId: string;
  agentToken: string;
  categoryId: string;
  /** Tells this run's keys, titles and notes apart from any other run's. */
  runId: string;
  /** How long one step may take, retries included. */
  stepDeadlineMs: number;
  /** The wait's `until`: this long after the wait is first sent (default 3 s). */
  waitMs?: number;
  /** Called before each step (a test may hold stories at a step). */
  beforeStep?: (story: Story, step: string) => Promise<void>;
}

export interface Ack {
  step: string;
  key: string;
  status: number;
  /** The item's version in the answer. */
  version?: number;
  firstSentAt: number;
  ackAt: number;
  attempts: number;
  replayed: boolean;
}

export const STEPS = ['create', 'pick-up', 'note-1', 'wait', 'wait-ended', 'note-2', 'resolve'] as const;

export class Story {
  readonly name: string;
  readonly title: string;
  readonly notes: [string, string];
  ref?: string;
  readonly acks: Ack[] = [];
  /** Answers that refused the step (it changed nothing), e.g. a wait whose `until` passed while it was retried. */
  readonly refusals: Array<Ack & { body: unknown }> = [];
  /** The `until` of each wait sent, by key. */
  readonly waits: Array<{ key: string; until: string }> = [];
  /** The step being worked on now, and since when. */
  current?: { step: string; since: number };
  waitEndedSeenAt?: number;
  startedAt = 0;
  endedAt?: number;
  error?: string;

  constructor(
    readonly world: StoryWorld,
    readonly index: number,
  ) {
    this.name = `story-${index}`;
    this.title = `Fault ${world.runId} story ${index}`;
    this.notes = [`First note of ${this.title} ${randomUUID()}`, `Second note of ${this.title} ${randomUUID()}`];
  }

  get done(): boolean {
    return this.endedAt !== undefined && this.error === undefined;
  }

  ack(step: string): Ack | undefined {
    return this.acks.find((a) => a.step === step);
  }

  /** The Idempotency-Key of one of its steps. */
  key(step: string): string {
    return `${this.world.runId}:${this.name}:${step}`;
  }

  private async step(step: string, method: string, path: string, body: unknown, expect: number): Promise<Answer> {
    await this.world.beforeStep?.(this, step);
    this.current = { step, since: Date.now() };
    const key = this.key(step);
    const answer = await this.world.http.send(method, path, {
      token: this.world.agentToken,
      body,
      key,
      label: `${this.name}/${step}`,
      deadline: Date.now() + this.world.stepDeadlineMs,
    });
    const ack: Ack = {
      step,
      key,
      status: answer.status,
      version: answer.body?.version,
      firstSentAt: answer.firstSentAt,
      ackAt: answer.answeredAt,
      attempts: answer.attempts,
      replayed: answer.replayed,
    };
    if (answer.status !== expect) {
      this.refusals.push({ ...ack, body: answer.body });
      if (step.startsWith('wait') && answer.status === 400 && /must end in the future/.test(String(answer.body?.message))) return answer;
      throw new Error(`${this.name}/${step}: ${method} ${path} answered ${answer.status} ${JSON.stringify(answer.body)}`);
    }
    this.acks.push(ack);
    return answer;
  }

  async run(): Promise<void> {
    this.startedAt = Date.now();
    try {
      const created = await this.step(
        'create',
        'POST',
        '/v1/work-items',
        { kind: 'ticket', title: this.title, description: 'A story of the fault suite.', categoryId: this.world.categoryId, primaryContact: 'ann@example.com', requester: 'ann@example.com', submit: true },
        201,
      );
      this.ref = created.body.ref;
      const item = `/v1/work-items/${this.ref}`;
      await this.step('pick-up', 'POST', `${item}/pick-up`, {}, 200);
      await this.step('note-1', 'POST', `${item}/notes`, { text: this.notes[0] }, 200);
      // A wait whose `until` passed while it was being retried is refused and changed nothing:
      // the story then waits again, as a person would, with a new key.
      for (let plan = 1; ; plan++) {
        if (plan > 5) throw new Error(`${this.name}: the wait was refused ${plan - 1} times`);
        const step = plan === 1 ? 'wait' : `wait#${plan}`;
        const until = new Date(Date.now() + (this.world.waitMs ?? 3_000)).toISOString();
        this.waits.push({ key: this.key(step), until });
        const answer = await this.step(step, 'POST', `${item}/wait`, { type: 'until', until }, 200);
        if (answer.status === 200) break;
      }
      await this.world.beforeStep?.(this, 'wait-ended');
      this.current = { step: 'wait-ended', since: Date.now() };
      await pollUntil(
        `${this.name}: the wait of ${this.ref} to end`,
        async () => {
          const view = await this.view(`${this.name}/wait-ended`);
          return view.timeline.some((e: { type: string }) => e.type === 'wait_ended');
        },
        this.world.stepDeadlineMs,
        100,
      );
      this.waitEndedSeenAt = Date.now();
      await this.step('note-2', 'POST', `${item}/notes`, { text: this.notes[1] }, 200);
      await this.step('resolve', 'POST', `${item}/resolve`, { method: 'customer_communication' }, 200);
      this.current = undefined;
    } catch (err) {
      this.error = (err as Error).message;
    } finally {
      this.endedAt = Date.now();
    }
  }

  /** The item's view (GET, retried like a command). */
  async view(label = `view ${this.ref}`): Promise<any> {
    const answer = await this.world.http.send('GET', `/v1/work-items/${this.ref}`, { token: this.world.agentToken, label, deadline: Date.now() + this.world.stepDeadlineMs });
    if (answer.status !== 200) throw new Error(`${label}: GET /v1/work-items/${this.ref} answered ${answer.status} ${JSON.stringify(answer.body)}`);
    return answer.body;
  }
}

/** Starts `count` stories, one every `staggerMs`; `all` settles when every one has ended. */
export function startStories(world: StoryWorld, count: number, staggerMs: number, firstIndex = 1): { stories: Story[]; all: Promise<void> } {
  const stories = Array.from({ length: count }, (_, i) => new Story(world, firstIndex + i));
  const all = Promise.all(
    stories.map(async (story, i) => {
      await sleep(i * staggerMs);
      await story.run();
    }),
  ).then(() => undefined);
  return { stories, all };
}

/** How many stories have acknowledged each step, and how many requests are on the wire. */
export function progress(stories: Story[], http: FaultHttp): Record<string, number> {
  const counts: Record<string, number> = { started: stories.filter((s) => s.startedAt > 0).length, ended: stories.filter((s) => s.endedAt).length, inFlight: http.inFlight() };
  for (const step of STEPS) {
    counts[step] = step === 'wait-ended' ? stories.filter((s) => s.waitEndedSeenAt).length : stories.filter((s) => s.acks.some((a) => a.step === step || (step === 'wait' && a.step.startsWith('wait')))).length;
  }
  return counts;
}

export function formatMs(ms: number): string {
  return ms >= 60_000 ? `${Math.floor(ms / 60_000)}m${((ms % 60_000) / 1000).toFixed(1)}s` : `${(ms / 1000).toFixed(1)}s`;
}
