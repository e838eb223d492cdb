// Runs a checked scenario (format.ts) against a work-items API in time-skipping mode, given its
// URL and admin token: moves the clock to the start anchor, runs each step in order (configuration,
// items under their names, commands as named resources, inbound email, skips, expectations), and
// returns every expectation's outcome with what it saw, the clock it covered and each item's
// timeline. It prints as it goes through `out` (report.ts makes the lines).

import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { describeMatcher, evaluate, valueAt, type EvalContext } from './fields.js';
import { COMMANDS, interpolate, type Check, type ListCheck, type Scenario, type Step } from './format.js';
import { clockText, expectationLine, stepLine, summaryLine, timelineBlock } from './report.js';
import { durationMs, humanDuration, isoSeconds, isRelativeInstant, nextAnchor, resolveDate, resolveInstant } from './time.js';

export interface RunOptions {
  /** The API's base URL, e.g. http://127.0.0.1:3000. */
  url: string;
  adminToken: string;
  /** Each report line as it is made (the CLI prints them; tests keep them). */
  out?: (line: string) => void;
  /** How long an expectation may take to come true (what items do to each other arrives a moment later). Default 10 s. */
  settleMs?: number;
}

export interface ExpectationResult {
  line: number;
  label: string;
  pass: boolean;
  saw?: string;
}

export interface ScenarioResult {
  file: string;
  name: string;
  expectations: ExpectationResult[];
  passed: number;
  failed: number;
  /** A step that could not run (an unexpected answer of the API): the scenario stopped there. */
  error?: { line: number; message: string };
  /** Real time the run took, and the clock time it covered (from the start to the end). */
  wallMs: number;
  simulatedMs: number;
  startedAt: string;
  endedAt: string;
  /** Items by name, with their refs. */
  items: Record<string, string>;
  /** Every line of the report. */
  report: string[];
  ok: boolean;
}

/** The service is not in time-skipping mode (GET /v1/test/clock did not answer 200). */
export class NotTimeSkippingError extends Error {}

class StepError extends Error {}

interface ApiAnswer {
  status: number;
  body: any;
}

const INSTANT_TOLERANCE_MS = 60_000;

export async function runScenario(scenario: Scenario, options: RunOptions): Promise<ScenarioResult> {
  const run = new Run(scenario, options);
  return run.run();
}

class Run {
  private readonly report: string[] = [];
  private readonly expectations: ExpectationResult[] = [];
  private readonly refs = new Map<string, string>();
  private readonly tokens = new Map<string, string>();
  /** Scenario resource id -> the service's (suffixed when the id was taken by an earlier run). */
  private readonly ids = new Map<string, string>();
  private readonly serviceIds = new Map<string, string>();
  private readonly tag = randomBytes(3).toString('hex');
  private readonly zone: string;
  private readonly settleMs: number;
  private startMs = 0;
  /** Where the skips so far have taken the clock: skips count from here, so the steps' own seconds do not add up. */
  private plannedMs = 0;
  private nowMs = 0;

  constructor(
    private readonly scenario: Scenario,
    private readonly options: RunOptions,
  ) {
    this.zone = scenario.timezone;
    this.settleMs = options.settleMs ?? 10_000;
    this.tokens.set('admin', options.adminToken);
  }

  private say(line: string): void {
    this.report.push(line);
    this.options.out?.(line);
  }

  async run(): Promise<ScenarioResult> {
    const wallStart = Date.now();
    let error: ScenarioResult['error'];
    this.say(`scenario ${this.scenario.file}: ${this.scenario.name}`);
    const first = await this.request('GET', '/v1/test/clock', undefined, 'admin');
    if (first.status !== 200) {
      throw new NotTimeSkippingError(
        `${this.options.url} is not in time-skipping mode: GET /v1/test/clock answered ${first.status}. Start it with TIME_SKIPPING=1 npm start, or unset SCENARIO_API_URL to let the runner start one.`,
      );
    }
    this.nowMs = Date.parse(first.body.now);
    this.startMs = this.nowMs;
    if (this.scenario.start) {
      const anchor = this.scenario.start;
      const at = nextAnchor(this.nowMs, anchor);
      await this.skipTo(at);
      this.startMs = at;
      this.say(stepLine(this.startMs, this.zone, `start: ${anchor.next ? `next ${anchor.next} ` : ''}${anchor.at} ${anchor.timezone} (skipped ${humanDuration(at - Date.parse(first.body.now))})`));
    } else {
      this.say(stepLine(this.startMs, this.zone, 'start: now'));
    }
    this.plannedMs = this.startMs;

    for (const step of this.scenario.steps) {
      try {
        await this.step(step);
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        error = { line: step.line, message };
        this.say(`  ERROR ${this.scenario.file}:${step.line}: ${message}`);
        break;
      }
    }

    const endMs = await this.clock().catch(() => this.nowMs);
    for (const [name, ref] of this.refs) {
      const entries = await this.timeline(ref, 'admin').catch((err: Error) => err);
      for (const line of timelineBlock(name, ref, entries, this.zone, this.refs, (v) => this.unmap(v))) this.say(line);
    }
    const passed = this.expectations.filter((e) => e.pass).length;
    const failed = this.expectations.length - passed;
    const wallMs = Date.now() - wallStart;
    const simulatedMs = endMs - this.startMs;
    this.say(summaryLine({ passed, failed, error, simulatedMs, wallMs }));
    return {
      file: this.scenario.file,
      name: this.scenario.name,
      expectations: this.expectations,
      passed,
      failed,
      ...(error ? { error } : {}),
      wallMs,
      simulatedMs,
      startedAt: new Date(this.startMs).toISOString(),
      endedAt: new Date(endMs).toISOString(),
      items: Object.fromEntries(this.refs),
      report: this.report,
      ok: failed === 0 && !error,
    };
  }

  // --- steps ------------------------------------------------------------------------------------

  private async step(step: Step): Promise<void> {
    this.nowMs = await this.clock();
    const line = (text: string) => this.say(stepLine(this.nowMs, this.zone, text));
    switch (step.kind) {
      case 'say':
        line(`# ${step.text}`);
        return;
      case 'resource':
        return this.resource(step, line);
      case 'calendar':
      case 'category':
      case 'process':
      case 'mailbox': {
        let body = step.body;
        if (step.kind === 'calendar') {
          const zone = String(body.timezone);
          const holidays = ((body.holidays as string[]) ?? []).map((h) => resolveDate(h, this.startMs, zone));
          body = { ...body, holidays };
          line(`calendar ${step.id}${holidays.length ? ` (holidays ${holidays.join(', ')})` : ''}`);
        } else line(`${step.kind} ${step.id}`);
        const path = { calendar: 'calendars', category: 'categories', process: 'processes', mailbox: 'mailboxes' }[step.kind];
        const res = await this.request('PUT', `/v1/${path}/${encodeURIComponent(step.id)}`, this.prepare(body), 'admin');
        this.ok(res, `PUT /v1/${path}/${step.id}`);
        return;
      }
      case 'create': {
        const body = this.prepare(step.body);
        const res = await this.request('POST', '/v1/work-items', body, step.by);
        if (step.refused) return this.refusal(step, res, `create ${body.kind} by ${step.by}`, line);
        this.ok(res, `create ${body.kind} by ${step.by}`);
        this.refs.set(step.as!, res.body.ref);
        line(`create ${step.as} = ${res.body.ref} (${body.kind}, ${res.body.state}) by ${step.by}`);
        return;
      }
      case 'command': {
        const ref = this.ref(step.item);
        const spec = COMMANDS[step.command];
        const body = step.body ? this.prepare(step.body) : {};
        const res = await this.request(spec.method, `/v1/work-items/${ref}${spec.path}`, body, step.by);
        const what = `${step.command} ${step.item} by ${step.by}${step.body && Object.keys(step.body).length ? ` ${compact(body)}` : ''}`;
        if (step.refused) return this.refusal(step, res, what, line);
        this.ok(res, what);
        line(`${what} -> ${res.body.state}${res.body.waitType ? ` (${res.body.waitType})` : ''}`);
        return;
      }
      case 'email':
        return this.email(step, line);
      case 'skip': {
        const target = step.duration !== undefined ? this.plannedMs + requireDuration(step.duration) : resolveInstant(step.to!, this.instantBase());
        if (target < this.nowMs - 1000) throw new StepError(`skip to ${step.to}: that is ${humanDuration(this.nowMs - target)} in the past; the clock only moves forward`);
        const before = this.nowMs;
        await this.skipTo(target);
        this.plannedMs = Math.max(target, this.plannedMs);
        this.say(stepLine(before, this.zone, `skip ${step.duration ?? `to ${step.to}`} -> ${clockText(this.nowMs, this.zone)}`));
        return;
      }
      case 'find':
        return this.find(step, line);
      case 'expect':
        line(`expect ${step.item}${step.by !== 'admin' ? ` (as ${step.by} sees it)` : ''}`);
        return this.expectView(step);
      case 'expect-list':
        line(`expect-list ${step.list}${step.by !== 'admin' ? ` of ${step.by}` : ''}${Object.keys(step.query).length ? ` ${compact(step.query)}` : ''}`);
        return this.expectList(step);
    }
  }

  private async resource(step: Extract<Step, { kind: 'resource' }>, line: (text: string) => void): Promise<void> {
    const { id, name, ...rest } = step.body;
    let serviceId = id;
    let res = await this.request('POST', '/v1/resources', { ...rest, id, name: name ?? id }, 'admin');
    if (res.status === 409) {
      // A service reused across runs has this id already: this run's resource takes a suffix.
      serviceId = `${id}-${this.tag}`;
      res = await this.request('POST', '/v1/resources', { ...rest, id: serviceId, name: name ?? id }, 'admin');
    }
    this.ok(res, `create resource ${id}`);
    this.tokens.set(id, res.body.token);
    this.ids.set(id, serviceId);
    this.serviceIds.set(serviceId, id);
    line(`resource ${id} (${step.body.kind}${step.body.roles?.length ? `, ${step.body.roles.join(', ')}` : ''})${serviceId !== id ? ` as ${serviceId}` : ''}`);
  }

  private async email(step: Extract<Step, { kind: 'email' }>, line: (text: string) => void): Promise<void> {
    const e = step.body;
    const ref = step.for ? this.ref(step.for) : undefined;
    let subject = interpolate(e.subject, this.refs);
    if (ref && !subject.includes(ref)) subject = `[${ref}] ${subject}`.trim();
    const to = e.to === undefined ? ['desk@example.com'] : Array.isArray(e.to) ? e.to : [e.to];
    const body = {
      messageId: e.messageId ? interpolate(e.messageId, this.refs) : `<scenario-${this.tag}-${step.line}@scenario.invalid>`,
      from: e.from,
      to: to.map((t) => interpolate(t, this.refs)),
      subject,
      body: interpolate(e.body, this.refs),
      ...(e.html !== undefined ? { html: interpolate(e.html, this.refs) } : {}),
      ...(e.inReplyTo ? { inReplyTo: interpolate(e.inReplyTo, this.refs) } : {}),
      ...(e.references ? { references: e.references.map((r) => interpolate(r, this.refs)) } : {}),
      ...(e.receivedAt ? { receivedAt: new Date(resolveInstant(e.receivedAt, this.instantBase())).toISOString() } : {}),
    };
    const res = await this.request('POST', '/v1/inbound-emails', body, 'admin');
    this.ok(res, `inbound email "${subject}"`);
    const reached = this.nameOf(res.body.ref);
    line(`email from ${e.from}: "${subject}" -> ${res.body.outcome} ${res.body.ref}${reached ? ` (${reached})` : ''}`);
    if (step.as) {
      this.refs.set(step.as, res.body.ref);
      this.say(`    ${step.as} = ${res.body.ref}`);
    }
    if (step.outcome) this.record({ line: step.line, label: `email outcome = ${step.outcome}`, pass: res.body.outcome === step.outcome, saw: res.body.outcome });
  }

  private async find(step: Extract<Step, { kind: 'find' }>, line: (text: string) => void): Promise<void> {
    const of = this.ref(step.of);
    const what = step.action !== undefined ? `action "${step.action}"` : step.child !== undefined ? `child ${step.child}` : `linked item ${step.linked}`;
    let found: string | undefined;
    let last: any;
    await this.settle(async () => {
      last = (await this.view(of, 'admin')).body;
      // The first action of that name no earlier step has named: a relaunched copy once the first is named.
      const named = new Set(this.refs.values());
      if (step.action !== undefined) found = (last?.actions ?? []).find((a: { name: string; ref: string }) => a.name === step.action && !named.has(a.ref))?.ref;
      else if (step.child !== undefined) found = last?.childRefs?.[step.child - 1];
      else found = last?.linkedRefs?.[step.linked! - 1];
      return found !== undefined;
    });
    if (!found) {
      const had = step.action !== undefined ? `its actions: ${(last?.actions ?? []).map((a: { name: string }) => a.name).join(', ') || 'none'}` : `childRefs ${JSON.stringify(last?.childRefs)}, linkedRefs ${JSON.stringify(last?.linkedRefs)}`;
      throw new StepError(`${step.of} (${of}) has no ${what}${step.action !== undefined ? ' that no earlier step named' : ''} after ${this.settleMs / 1000} s (${had})`);
    }
    this.refs.set(step.as, found);
    line(`find ${what} of ${step.of}: ${step.as} = ${found}`);
  }

  private async refusal(step: Extract<Step, { kind: 'create' | 'command' }>, res: ApiAnswer, what: string, line: (text: string) => void): Promise<void> {
    line(`${what} (expecting ${step.refused})`);
    const pass = res.status >= 400 && res.body?.error === step.refused;
    const saw = res.status < 400 ? `${res.status}: accepted (state ${res.body?.state})` : `${res.status} ${res.body?.error}: ${res.body?.message ?? ''}`;
    this.record({ line: step.line, label: `${what} is refused with ${step.refused}`, pass, saw });
  }

  // --- expectations -----------------------------------------------------------------------------

  private async expectView(step: Extract<Step, { kind: 'expect' }>): Promise<void> {
    const ref = this.ref(step.item);
    const needsTimeline = step.checks.some((c) => c.path === 'timeline' || c.path.startsWith('timeline.'));
    let view: any;
    let outcomes: boolean[] = [];
    const ctx = this.evalContext();
    await this.settle(async () => {
      const res = await this.view(ref, step.by);
      if (res.status !== 200) throw new StepError(`GET /v1/work-items/${ref} (${step.item}) answered ${res.status}: ${res.body?.message ?? ''}`);
      view = this.unmap(res.body);
      if (needsTimeline) view.timeline = this.unmap(await this.timeline(ref, step.by));
      outcomes = step.checks.map((c) => evaluate(c.matcher, valueAt(view, c.path), ctx));
      return outcomes.every(Boolean);
    });
    step.checks.forEach((check: Check, i) => {
      const actual = valueAt(view, check.path);
      this.record({ line: check.line, label: `${step.item} ${check.path} ${describeMatcher(check.matcher)}`, pass: outcomes[i], saw: sawText(actual, check.path) });
    });
  }

  private async expectList(step: Extract<Step, { kind: 'expect-list' }>): Promise<void> {
    const path = listPath(step.list, step.query, (id) => this.ids.get(id) ?? id);
    const ctx = this.evalContext();
    let rows: any[] = [];
    const outcome = (check: ListCheck): boolean => {
      if (check.type === 'count') return rows.length === check.count;
      const row = rows.find((r) => r.ref === this.ref(check.item));
      if (check.type === 'excludes') return row === undefined;
      return row !== undefined && check.fields.every((f) => evaluate(f.matcher, valueAt(row, f.path), ctx));
    };
    const ordered = (): boolean => {
      const wanted = step.checks.filter((c) => c.type === 'contains').map((c) => this.ref((c as { item: string }).item));
      const positions = wanted.map((ref) => rows.findIndex((r) => r.ref === ref));
      return positions.every((p, i) => p >= 0 && (i === 0 || p > positions[i - 1]));
    };
    await this.settle(async () => {
      const res = await this.request('GET', path, undefined, step.by);
      if (res.status !== 200) throw new StepError(`GET ${path} answered ${res.status}: ${res.body?.message ?? ''}`);
      rows = this.unmap(res.body.items);
      return step.checks.every(outcome) && (!step.inOrder || ordered());
    });
    const listName = `${step.list}${step.by !== 'admin' ? ` of ${step.by}` : ''}`;
    const held = `[${rows.map((r) => this.labelRef(r.ref)).join(', ')}]`;
    for (const check of step.checks) {
      if (check.type === 'count') this.record({ line: check.line, label: `${listName} holds ${check.count} item(s)`, pass: outcome(check), saw: `${rows.length}: ${held}` });
      else if (check.type === 'excludes') this.record({ line: check.line, label: `${listName} excludes ${check.item}`, pass: outcome(check), saw: held });
      else {
        const row = rows.find((r) => r.ref === this.ref(check.item));
        const fields = check.fields.map((f) => `${f.path} ${describeMatcher(f.matcher)}`).join(', ');
        const saw = row ? compact(Object.fromEntries(check.fields.map((f) => [f.path, valueAt(row, f.path)]))) : `not listed; ${held}`;
        this.record({ line: check.line, label: `${listName} contains ${check.item}${fields ? ` with ${fields}` : ''}`, pass: outcome(check), saw: check.fields.length || !row ? saw : undefined });
      }
    }
    if (step.inOrder) this.record({ line: step.line, label: `${listName} lists them in that order`, pass: ordered(), saw: held });
  }

  private record(result: ExpectationResult): void {
    this.expectations.push(result);
    this.say(expectationLine(this.scenario.file, result));
  }

  /** Polls `check` until it holds or settleMs passes (what items tell each other arrives a moment later). */
  private async settle(check: () => Promise<boolean>): Promise<void> {
    const deadline = Date.now() + this.settleMs;
    for (let pause = 25; ; pause = Math.min(pause * 2, 400)) {
      if (await check()) return;
      if (Date.now() > deadline) return;
      await sleep(pause);
    }
  }

  private evalContext(): EvalContext {
    return {
      interpolate: (text) => interpolate(text, this.refs),
      instant: (expr) => resolveInstant(expr, this.instantBase()),
      instantToleranceMs: INSTANT_TOLERANCE_MS,
    };
  }

  // --- the API ----------------------------------------------------------------------------------

  private instantBase() {
    return { startMs: this.startMs, nowMs: this.nowMs, zone: this.zone };
  }

  private async clock(): Promise<number> {
    const res = await this.request('GET', '/v1/test/clock', undefined, 'admin');
    if (res.status !== 200) throw new StepError(`GET /v1/test/clock answered ${res.status}`);
    return Date.parse(res.body.now);
  }

  private async skipTo(targetMs: number): Promise<void> {
    const now = await this.clock();
    if (targetMs > now) {
      const res = await this.request('POST', '/v1/test/clock/skip', { duration: isoSeconds(targetMs - now) }, 'admin');
      this.ok(res, 'POST /v1/test/clock/skip');
      this.nowMs = Date.parse(res.body.now);
    } else this.nowMs = now;
  }

  private view(ref: string, as: string): Promise<ApiAnswer> {
    return this.request('GET', `/v1/work-items/${ref}`, undefined, as);
  }

  private async timeline(ref: string, as: string): Promise<any[]> {
    const entries: any[] = [];
    for (let after = 0; ; ) {
      const res = await this.request('GET', `/v1/work-items/${ref}/timeline?after=${after}&limit=500`, undefined, as);
      if (res.status !== 200) throw new StepError(`GET /v1/work-items/${ref}/timeline answered ${res.status}: ${res.body?.message ?? ''}`);
      entries.push(...res.body.entries);
      if (res.body.nextAfter === undefined) return entries;
      after = res.body.nextAfter;
    }
  }

  private async request(method: string, path: string, body: unknown, as: string): Promise<ApiAnswer> {
    const token = this.tokens.get(as);
    if (!token) throw new StepError(`no token for ${as}`);
    for (let attempt = 1; ; attempt++) {
      const res = await fetch(this.options.url + path, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      const text = await res.text();
      let parsed: unknown;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        parsed = { message: text.slice(0, 200) };
      }
      // Busy or briefly unavailable: the API says when to try again.
      if (res.status === 503 && attempt < 6) {
        await sleep(Math.min(Number(res.headers.get('retry-after') ?? 1), 5) * 1000);
        continue;
      }
      return { status: res.status, body: parsed };
    }
  }

  private ok(res: ApiAnswer, what: string): void {
    if (res.status >= 200 && res.status < 300) return;
    const b = res.body ?? {};
    const details = [b.from ? `from ${b.from}` : '', b.missing ? `missing ${JSON.stringify(b.missing)}` : '', b.issues ? `issues ${JSON.stringify(b.issues)}` : ''].filter(Boolean).join('; ');
    throw new StepError(`${what}: ${res.status} ${b.error ?? ''}: ${b.message ?? ''}${details ? ` (${details})` : ''}`);
  }

  // --- names ------------------------------------------------------------------------------------

  private ref(name: string): string {
    const ref = this.refs.get(name);
    if (!ref) throw new StepError(`${name} was never made (the step that names it did not run)`);
    return ref;
  }

  private nameOf(ref: string): string | undefined {
    for (const [name, r] of this.refs) if (r === ref) return name;
    return undefined;
  }

  private labelRef(ref: string): string {
    const name = this.nameOf(ref);
    return name ? `${name} ${ref}` : ref;
  }

  /** A body as the API takes it: `$name` -> ref, relative instants -> ISO, resource ids -> the service's. */
  private prepare(value: Record<string, unknown>): Record<string, unknown> {
    const walk = (v: unknown, key?: string): unknown => {
      if (typeof v === 'string') {
        if ((key === 'resourceId' || key === 'toResourceId') && this.ids.has(v)) return this.ids.get(v);
        if (isRelativeInstant(v)) return new Date(resolveInstant(v, this.instantBase())).toISOString();
        return interpolate(v, this.refs);
      }
      if (Array.isArray(v)) return v.map((x) => walk(x));
      if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x, k)]));
      return v;
    };
    return walk(value) as Record<string, unknown>;
  }

  /** What the API answered, with the service's suffixed resource ids read back as the scenario's. */
  private unmap<T>(value: T): T {
    if (this.serviceIds.size === 0 || [...this.serviceIds].every(([a, b]) => a === b)) return value;
    const walk = (v: unknown): unknown => {
      if (typeof v === 'string') return this.serviceIds.get(v) ?? v;
      if (Array.isArray(v)) return v.map(walk);
      if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
      return v;
    };
    return walk(value) as T;
  }
}

function requireDuration(text: string): number {
  const ms = durationMs(text);
  if (ms === undefined) throw new StepError(`not a duration: ${text}`);
  return ms;
}

/** The list's path: inbox, owned-work, queue/<q>, work-items with its filters. */
export function listPath(list: string, query: Record<string, unknown>, serviceId: (id: string) => string): string {
  if (list === 'inbox') return '/v1/inbox?limit=500';
  if (list === 'owned-work') return '/v1/owned-work?limit=500';
  if (list.startsWith('queue/')) return `/v1/queues/${encodeURIComponent(list.slice('queue/'.length))}?limit=500`;
  const params = new URLSearchParams({ limit: '500' });
  for (const [k, v] of Object.entries(query)) params.set(k, k === 'assignee' ? serviceId(String(v)) : String(v));
  return `/v1/work-items?${params}`;
}

/** `{type: pause, reason: "Supplier"}`: a body, compactly. */
function compact(value: unknown): string {
  const text = JSON.stringify(value) ?? '';
  const short = text.replace(/"([A-Za-z_][\w]*)":/g, '$1: ').replace(/,(?=\S)/g, ', ');
  return short.length > 140 ? `${short.slice(0, 139)}…` : short;
}

/** What a FAIL line says it saw: a value, or for a timeline the entry types in order. */
function sawText(actual: unknown, path: string): string {
  if (Array.isArray(actual) && actual.every((e) => e && typeof e === 'object' && 'type' in e)) {
    const types = actual.map((e) => String((e as { type: string }).type));
    return `${types.length} entries: ${types.join(', ')}`;
  }
  if (Array.isArray(actual) && actual.every((e) => e && typeof e === 'object' && 'ref' in e)) {
    return compact(actual.map((e) => Object.fromEntries(Object.entries(e as object).filter(([k]) => ['ref', 'name', 'state', 'resolutionMethod', 'reason'].includes(k)))));
  }
  void path;
  const text = JSON.stringify(actual);
  if (text === undefined) return '(absent)';
  return text.length > 300 ? `${text.slice(0, 299)}…` : text;
}
