// The SLA scenario file (docs/testing-sla-scenarios.md): YAML read with line numbers (the `yaml`
// package's parseDocument + LineCounter), checked as a whole before anything runs. Every
// problem is reported with its line and what was expected: an unknown step or field, a bad
// duration or date, a name used before a step made it, an expectation on a field the API's view
// does not have. Request bodies are checked with the API's own zod schemas (api/schemas.ts), and
// expectations against its response schemas (WorkItemView, WorkItemSummary).

import { isMap, LineCounter, parseDocument, type Document } from 'yaml';
import { z } from 'zod';
import { ERROR_STATUS } from '../../api/errors.js';
import {
  AssignBody,
  CalendarPut,
  CancelBody,
  CategoryPut,
  EmailBody,
  EmptyBody,
  InboundEmailBody,
  InboundOutcome,
  LaunchActionBody,
  LaunchCaseBody,
  QueueBody,
  ListQuery,
  MailboxPut,
  MergeBody,
  NoteBody,
  ProcessPut,
  RejectBody,
  ResolveBody,
  ResourceCreate,
  ReworkBody,
  SplitBody,
  StateBody,
  UnassignBody,
  WaitBody,
  WorkItemCreate,
  WorkItemPatch,
  WorkItemSummary,
  WorkItemView,
} from '../../api/schemas.js';
import type { TimelineEntry } from '../../workflows/domain/item/types.js';
import { CLOCK_NAMES } from '../../workflows/domain/sla/response-clocks.js';
import { parseMatcher, resolvePath, type Matcher, type MatcherProblem } from './fields.js';
import {
  CLOCK_TIME,
  DATE_HINT,
  DURATION_HINT,
  durationMs,
  INSTANT_HINT,
  isDateExpression,
  isInstantExpression,
  isRelativeInstant,
  isTimeZone,
  WEEKDAY_NAMES,
  type StartAnchor,
} from './time.js';

// --- what a scenario is -------------------------------------------------------------------------

/** A work-item command a step runs: the step's keyword, its route below /v1/work-items/:ref, its body. */
export const COMMANDS = {
  edit: { method: 'PATCH', path: '', body: WorkItemPatch },
  submit: { method: 'POST', path: '/submit', body: EmptyBody },
  'pick-up': { method: 'POST', path: '/pick-up', body: EmptyBody },
  assign: { method: 'POST', path: '/assign', body: AssignBody },
  unassign: { method: 'POST', path: '/unassign', body: UnassignBody },
  'set-state': { method: 'POST', path: '/state', body: StateBody },
  reject: { method: 'POST', path: '/reject', body: RejectBody },
  wait: { method: 'POST', path: '/wait', body: WaitBody },
  'cancel-wait': { method: 'POST', path: '/cancel-wait', body: EmptyBody },
  note: { method: 'POST', path: '/notes', body: NoteBody },
  'send-email': { method: 'POST', path: '/emails', body: EmailBody },
  resolve: { method: 'POST', path: '/resolve', body: ResolveBody },
  reopen: { method: 'POST', path: '/reopen', body: EmptyBody },
  cancel: { method: 'POST', path: '/cancel', body: CancelBody },
  rework: { method: 'POST', path: '/rework', body: ReworkBody },
  reset: { method: 'POST', path: '/reset', body: EmptyBody },
  'launch-action': { method: 'POST', path: '/actions', body: LaunchActionBody },
  merge: { method: 'POST', path: '/merge', body: MergeBody },
  split: { method: 'POST', path: '/split', body: SplitBody },
  'launch-case': { method: 'POST', path: '/launch-case', body: LaunchCaseBody },
  'move-queue': { method: 'POST', path: '/queue', body: QueueBody },
} as const satisfies Record<string, { method: 'POST' | 'PATCH'; path: string; body: z.ZodType }>;
export type CommandName = keyof typeof COMMANDS;
const COMMAND_NAMES = Object.keys(COMMANDS) as CommandName[];

const CONFIG_STEPS = ['resource', 'calendar', 'category', 'process', 'mailbox'] as const;
type ConfigKind = (typeof CONFIG_STEPS)[number];

/** Every step keyword, in the order the guide lists them. */
export const STEP_KINDS = [...CONFIG_STEPS, 'create', 'find', ...COMMAND_NAMES, 'email', 'skip', 'expect', 'expect-list', 'say'] as const;

/** Every timeline entry type; the compiler keeps this list equal to TimelineEntry['type']. */
export const TIMELINE_ENTRY_TYPES = [
  'created', 'submitted', 'edited', 'state_changed', 'assigned', 'note', 'email_in', 'email_out', 'wait_started', 'wait_ended',
  'rejected_by_robot', 'resolved', 'reopened', 'closed', 'sla_started', 'sla_stopped', 'sla_changed', 'sla_removed', 'sla_at_risk',
  'sla_breached', 'stage_started', 'launch_requested', 'action_launched', 'action_closed', 'needs_attention', 'flow_complete',
  'reworked', 'reset', 'case_cancelled', 'case_started', 'child_changed', 'case_launch_requested', 'split', 'split_part_started',
  'merged_in', 'merged_into', 'queue_changed', 'imported',
] as const;
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const entryTypesMatch: Same<(typeof TIMELINE_ENTRY_TYPES)[number], TimelineEntry['type'] | 'imported'> = true;
void entryTypesMatch;

export const LISTS_HINT = 'inbox, owned-work, queue/<queue>, work-items';
export const ERROR_CODES = Object.keys(ERROR_STATUS);

interface Base {
  /** The step's line in the file (1-based). */
  line: number;
}

export type Step =
  | (Base & { kind: 'resource'; body: z.output<typeof ResourceStep> })
  | (Base & { kind: 'calendar' | 'category' | 'process' | 'mailbox'; id: string; body: Record<string, unknown> })
  | (Base & { kind: 'create'; as?: string; by: string; body: Record<string, unknown>; refused?: string })
  | (Base & { kind: 'command'; command: CommandName; item: string; by: string; body?: Record<string, unknown>; refused?: string })
  | (Base & { kind: 'email'; for?: string; body: z.output<typeof EmailStep>; as?: string; outcome?: string })
  | (Base & { kind: 'skip'; duration?: string; to?: string })
  | (Base & { kind: 'find'; of: string; action?: string; child?: number; linked?: number; as: string })
  | (Base & { kind: 'expect'; item: string; by: string; checks: Check[] })
  | (Base & { kind: 'expect-list'; list: string; by: string; query: Record<string, unknown>; inOrder: boolean; checks: ListCheck[] })
  | (Base & { kind: 'say'; text: string });

/** One expectation on a view field: one PASS or FAIL line. */
export interface Check {
  line: number;
  path: string;
  matcher: Matcher;
}

/** One expectation on a list: an item is in it (with some fields), is not, or the list's length. */
export type ListCheck =
  | { line: number; type: 'contains'; item: string; fields: Array<{ path: string; matcher: Matcher }> }
  | { line: number; type: 'excludes'; item: string }
  | { line: number; type: 'count'; count: number };

export interface Scenario {
  file: string;
  name: string;
  description?: string;
  /** Where the clock is moved before step 1; absent: the scenario starts now. */
  start?: StartAnchor;
  /** The zone the clock is shown in (the start's, else UTC). */
  timezone: string;
  steps: Step[];
}

export interface ScenarioProblem {
  line: number;
  message: string;
}

/** A scenario file that cannot run; `message` lists every problem as `file:line: what`. */
export class ScenarioFileError extends Error {
  constructor(
    readonly file: string,
    readonly problems: ScenarioProblem[],
  ) {
    super(problems.map((p) => `${file}:${p.line}: ${p.message}`).join('\n'));
    this.name = 'ScenarioFileError';
  }
}

// --- schemas of the file's parts ----------------------------------------------------------------

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const NAME_HINT = 'a name of letters, digits and _ (e.g. ticket1), not starting with a digit';
const itemName = z.string().regex(NAME, NAME_HINT);
const resourceId = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._@-]{0,127}$/, 'a resource id: letters, digits, . _ @ - (at most 128)');
const configId = resourceId;

const StartSchema = z
  .strictObject({
    next: z.enum(WEEKDAY_NAMES).optional(),
    at: z.string().regex(CLOCK_TIME, 'a local time of day, HH:MM (e.g. "16:00", quoted)').optional(),
    timezone: z.string().refine(isTimeZone, 'an IANA time zone, e.g. Europe/Paris').default('UTC'),
  })
  .refine((s) => s.next === undefined || s.at !== undefined, { message: 'next needs at: the local time to start at, e.g. at: "16:00"', path: ['at'] });

const TopLevel = z.strictObject({
  name: z.string().min(1, 'name says what the scenario shows (and which rules)'),
  description: z.string().optional(),
  start: StartSchema.optional(),
  steps: z.array(z.unknown()).min(1, 'a scenario has at least one step'),
});

const ResourceStep = ResourceCreate.extend({ name: z.string().min(1).optional() });
const CONFIG_SCHEMAS: Record<Exclude<ConfigKind, 'resource'>, { key: string; schema: z.ZodType }> = {
  calendar: { key: 'id', schema: CalendarPut.extend({ id: configId, holidays: z.array(z.string().refine(isDateExpression, DATE_HINT)).default([]) }) },
  category: { key: 'id', schema: CategoryPut.extend({ id: configId }) },
  process: { key: 'id', schema: ProcessPut.extend({ id: configId }) },
  mailbox: { key: 'address', schema: MailboxPut.extend({ address: z.string().min(1) }) },
};

const refusedCode = z.enum(ERROR_CODES as [string, ...string[]]);

const EmailStep = z.strictObject({
  for: itemName.optional(),
  from: z.string(),
  to: z.union([z.string(), z.array(z.string()).min(1)]).optional(),
  subject: z.string().default(''),
  body: z.string(),
  html: z.string().optional(),
  messageId: z.string().optional(),
  inReplyTo: z.string().optional(),
  references: z.array(z.string()).optional(),
  receivedAt: z.string().refine(isInstantExpression, INSTANT_HINT).optional(),
});

const SkipBy = z.string({ error: `${DURATION_HINT}, or { to: <instant> }` }).refine((d) => durationMs(d) !== undefined, DURATION_HINT);
const SkipTo = z.strictObject({ to: z.string().refine(isInstantExpression, INSTANT_HINT) });

const FindStep = z
  .strictObject({ of: itemName, action: z.string().min(1).optional(), child: z.number().int().min(1).optional(), linked: z.number().int().min(1).optional() })
  .refine((f) => [f.action, f.child, f.linked].filter((x) => x !== undefined).length === 1, {
    message: 'find names one of: action (by its name, in a case), child (1 = the first), linked (1 = the first)',
  });

const LIST_RE = /^(inbox|owned-work|work-items|queue\/[A-Za-z0-9][A-Za-z0-9._@-]{0,127})$/;
const ListQueryStep = ListQuery.omit({ limit: true, cursor: true }).extend({ breached: z.union([z.boolean(), z.enum(CLOCK_NAMES)]).optional() });

/** The keys each step takes besides its keyword, and which of them it needs. */
const MODIFIERS: Record<string, { allowed: string[]; required?: string[] }> = {
  create: { allowed: ['as', 'by', 'refused'] },
  command: { allowed: ['by', 'with', 'refused'], required: ['by'] },
  email: { allowed: ['as', 'outcome'] },
  find: { allowed: ['as'], required: ['as'] },
  'expect-list': { allowed: ['by', 'query', 'contains', 'excludes', 'count', 'inOrder'] },
};

// --- reading a file -----------------------------------------------------------------------------

/** Reads and checks a scenario file's text; throws ScenarioFileError listing every problem. */
export function parseScenario(text: string, file: string): Scenario {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, merge: true, uniqueKeys: true });
  const problems: ScenarioProblem[] = [];
  if (doc.errors.length) {
    for (const e of doc.errors) problems.push({ line: e.linePos?.[0].line ?? 1, message: `not valid YAML: ${e.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '')}` });
    throw new ScenarioFileError(file, problems);
  }
  const reader = new Reader(doc, lineCounter, problems);
  const data = doc.toJS({ maxAliasCount: 10_000 }) as unknown;
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw new ScenarioFileError(file, [{ line: 1, message: 'a scenario is a map with name, steps and optionally description and start' }]);
  }
  // Each part on its own, so that a bad start still lets every step be checked.
  const record = data as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (!(key in TopLevel.shape)) reader.problem([], `unknown field \`${key}\`; expected one of: ${Object.keys(TopLevel.shape).join(', ')}`, key);
  }
  const name = reader.parse(TopLevel.shape.name, record.name, ['name'], 'name');
  const description = reader.parse(TopLevel.shape.description, record.description, ['description'], 'description');
  const startSpec = reader.parse(TopLevel.shape.start, record.start, ['start'], 'start');
  const rawSteps = reader.parse(TopLevel.shape.steps, record.steps, ['steps'], 'steps') ?? [];
  const steps: Step[] = [];
  const names = new Names();
  rawSteps.forEach((raw, i) => {
    const step = reader.step(raw, ['steps', i], names);
    if (step) steps.push(step);
  });
  if (problems.length) throw new ScenarioFileError(file, dedupe(problems));
  const start: StartAnchor | undefined = startSpec?.at ? { next: startSpec.next, at: startSpec.at, timezone: startSpec.timezone } : undefined;
  return { file, name: name!, ...(description ? { description } : {}), ...(start ? { start } : {}), timezone: startSpec?.timezone ?? 'UTC', steps };
}

function dedupe(problems: ScenarioProblem[]): ScenarioProblem[] {
  const seen = new Set<string>();
  return problems
    .filter((p) => {
      const key = `${p.line}\0${p.message}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    })
    .sort((a, b) => a.line - b.line);
}

/** The names steps have made so far: items (`as:`) and resources (`resource:`). */
class Names {
  readonly items = new Set<string>();
  readonly resources = new Set<string>(['admin']);
}

type Path = (string | number)[];

class Reader {
  constructor(
    private readonly doc: Document,
    private readonly lines: LineCounter,
    private readonly problems: ScenarioProblem[],
  ) {}

  /** The line of the node at `path` (of its key, for a key of a map); the nearest existing parent's otherwise. */
  line(path: Path, key?: string): number {
    if (key !== undefined) {
      const map = this.doc.getIn(path, true);
      if (isMap(map)) {
        const pair = map.items.find((p) => (p.key as { value?: unknown })?.value === key);
        const range = (pair?.key as { range?: [number, number, number] } | undefined)?.range;
        if (range) return this.lines.linePos(range[0]).line;
      }
    }
    for (let p = path; ; p = p.slice(0, -1)) {
      const node = this.doc.getIn(p, true) as { range?: [number, number, number] } | undefined;
      if (node?.range) return this.lines.linePos(node.range[0]).line;
      if (p.length === 0) return 1;
    }
  }

  problem(path: Path, message: string, key?: string): void {
    this.problems.push({ line: this.line(path, key), message });
  }

  /** Parses with a zod schema, turning each issue into a problem on its line; undefined when invalid. */
  parse<S extends z.ZodType>(schema: S, value: unknown, path: Path, where = ''): z.output<S> | undefined {
    const result = schema.safeParse(value);
    if (result.success) return result.data;
    const seenPaths = new Set<string>();
    for (const issue of result.error.issues) {
      const at = [...path, ...(issue.path as Path)];
      const label = [where, issue.path.join('.')].filter(Boolean).join('.');
      if (issue.code === 'unrecognized_keys') {
        const expected = keysAt(schema, issue.path as Path, value);
        for (const key of issue.keys) {
          this.problem(at, `unknown field \`${key}\`${label ? ` in ${label}` : ''}${expected.length ? `; expected one of: ${expected.join(', ')}` : ''}`, key);
        }
        continue;
      }
      const pathKey = at.join('.');
      if (seenPaths.has(pathKey)) continue; // one problem per field (a bad duration is not also "too long")
      seenPaths.add(pathKey);
      const missing = issue.code === 'invalid_type' && valueAtPath(value, issue.path as Path) === undefined;
      if (issue.code === 'invalid_format' && (issue as { format?: string }).format === 'datetime') {
        this.problem(at, `${label ? `${label}: ` : ''}expected ${INSTANT_HINT}; not ${JSON.stringify(valueAtPath(value, issue.path as Path))}`);
        continue;
      }
      const message = missing ? `${label || 'a field'} is missing: ${issue.message.replace(/^Invalid input: /, '')}` : `${label ? `${label}: ` : ''}${issue.message.replace(/^Invalid input: /, '')}`;
      this.problem(at, message);
    }
    return undefined;
  }

  step(raw: unknown, path: Path, names: Names): Step | undefined {
    const line = this.line(path);
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
      this.problem(path, `a step is a map that starts with its keyword; expected one of: ${STEP_KINDS.join(', ')}`);
      return undefined;
    }
    const map = raw as Record<string, unknown>;
    // An expect step's other keys are view fields, whatever their names.
    const keywords = 'expect' in map ? ['expect'] : Object.keys(map).filter((k) => (STEP_KINDS as readonly string[]).includes(k));
    if (keywords.length !== 1) {
      if (keywords.length === 0) {
        const first = Object.keys(map)[0] ?? '';
        this.problem(path, `unknown step \`${first}\`; expected one of: ${STEP_KINDS.join(', ')}`, first);
      } else this.problem(path, `one step per list entry: ${keywords.join(' and ')} are two; start another entry with "- "`, keywords[1]);
      return undefined;
    }
    const kind = keywords[0] as (typeof STEP_KINDS)[number];
    const modifiers = MODIFIERS[(COMMAND_NAMES as string[]).includes(kind) ? 'command' : kind];
    // Unknown keys of the step (besides its keyword): for `expect` they are view fields, checked there.
    if (kind !== 'expect') {
      const allowed = modifiers?.allowed ?? [];
      for (const key of Object.keys(map)) {
        if (key === kind || allowed.includes(key)) continue;
        this.problem(path, `unknown field \`${key}\` in a ${kind} step; expected ${allowed.length ? `one of: ${[kind, ...allowed].join(', ')}` : `only ${kind}`}`, key);
      }
      for (const key of modifiers?.required ?? []) {
        if (map[key] === undefined) this.problem(path, `a ${kind} step needs \`${key}\`${key === 'by' ? ': the resource that runs it (a resource step makes one; admin is the admin)' : ''}`, kind);
      }
    }
    const by = (optional = true): string | undefined => this.resourceRef(map.by, [...path, 'by'], names, optional);

    if (kind === 'resource') {
      const body = this.parse(ResourceStep, map.resource, [...path, 'resource'], 'resource');
      if (!body) return undefined;
      if (names.resources.has(body.id)) this.problem([...path, 'resource'], `resource ${body.id} is made twice (or is the reserved admin)`, 'id');
      names.resources.add(body.id);
      return { line, kind, body };
    }
    if (kind === 'calendar' || kind === 'category' || kind === 'process' || kind === 'mailbox') {
      const { key, schema } = CONFIG_SCHEMAS[kind];
      const body = this.parse(schema, map[kind], [...path, kind], kind) as Record<string, unknown> | undefined;
      if (!body) return undefined;
      const { [key]: id, ...rest } = body;
      return { line, kind, id: String(id), body: rest };
    }
    if (kind === 'create') {
      const as = map.as === undefined ? undefined : this.parse(itemName, map.as, [...path, 'as'], 'as');
      const refused = map.refused === undefined ? undefined : this.parse(refusedCode, map.refused, [...path, 'refused'], 'refused');
      if (map.refused === undefined && map.as === undefined) this.problem(path, 'a create step needs `as`: the name later steps use for the item (e.g. as: ticket1)', 'create');
      if (map.refused !== undefined && map.as !== undefined) this.problem(path, 'a create step expected to be refused makes no item: leave `as` out', 'as');
      const body = this.body(WorkItemCreate, map.create, [...path, 'create'], names, 'create');
      const creator = by();
      if (as) this.define(names, as, [...path, 'as']);
      if (!body || creator === undefined) return undefined;
      return { line, kind, ...(as ? { as } : {}), by: creator, body, ...(refused ? { refused } : {}) };
    }
    if ((COMMAND_NAMES as string[]).includes(kind)) {
      const command = kind as CommandName;
      const item = this.itemRef(map[kind], [...path, kind], names);
      const spec = COMMANDS[command];
      const takesBody = spec.body !== EmptyBody;
      if (!takesBody && map.with !== undefined) this.problem(path, `${command} takes no \`with\``, 'with');
      const body = takesBody ? this.body(spec.body, map.with ?? {}, [...path, 'with'], names, 'with') : {};
      const refused = map.refused === undefined ? undefined : this.parse(refusedCode, map.refused, [...path, 'refused'], 'refused');
      const runner = by(false);
      if (!item || !body || !runner) return undefined;
      return { line, kind: 'command', command, item, by: runner, ...(takesBody ? { body } : {}), ...(refused ? { refused } : {}) };
    }
    if (kind === 'email') {
      const body = this.parse(EmailStep, map.email, [...path, 'email'], 'email');
      if (body?.for) this.itemRef(body.for, [...path, 'email', 'for'], names);
      if (body && !body.for && body.to === undefined) this.problem([...path, 'email'], 'email needs `to` (a mailbox address), or `for`: the item whose reference goes in the subject', 'email');
      if (body) this.checkStrings(map.email, [...path, 'email'], names);
      if (body) {
        // The API's own check of the message as it will be sent (addresses, lengths).
        const probe = { ...body, for: undefined, to: Array.isArray(body.to) ? body.to : [body.to ?? 'desk@example.com'], messageId: body.messageId ?? '<probe@scenario.invalid>', receivedAt: body.receivedAt ? '2030-01-01T00:00:00Z' : undefined };
        this.parse(InboundEmailBody, JSON.parse(JSON.stringify(probe)), [...path, 'email'], 'email');
      }
      const outcome = map.outcome === undefined ? undefined : this.parse(InboundOutcome.shape.outcome, map.outcome, [...path, 'outcome'], 'outcome');
      const as = map.as === undefined ? undefined : this.parse(itemName, map.as, [...path, 'as'], 'as');
      if (as) this.define(names, as, [...path, 'as']);
      if (!body) return undefined;
      return { line, kind, ...(body.for ? { for: body.for } : {}), body, ...(as ? { as } : {}), ...(outcome ? { outcome } : {}) };
    }
    if (kind === 'skip') {
      if (map.skip !== null && typeof map.skip === 'object') {
        const skip = this.parse(SkipTo, map.skip, [...path, 'skip'], 'skip');
        return skip ? { line, kind, to: skip.to } : undefined;
      }
      const skip = this.parse(SkipBy, map.skip, [...path, 'skip'], 'skip');
      return skip === undefined ? undefined : { line, kind, duration: skip };
    }
    if (kind === 'find') {
      const find = this.parse(FindStep, map.find, [...path, 'find'], 'find');
      if (find) this.itemRef(find.of, [...path, 'find', 'of'], names);
      const as = map.as === undefined ? undefined : this.parse(itemName, map.as, [...path, 'as'], 'as');
      if (as) this.define(names, as, [...path, 'as']);
      if (!find || !as) return undefined;
      return { line, kind, of: find.of, ...(find.action ? { action: find.action } : {}), ...(find.child ? { child: find.child } : {}), ...(find.linked ? { linked: find.linked } : {}), as };
    }
    if (kind === 'expect') return this.expect(map, path, names, line, by);
    if (kind === 'expect-list') return this.expectList(map, path, names, line, by);
    // say
    const text = this.parse(z.string(), map.say, [...path, 'say'], 'say');
    return text === undefined ? undefined : { line, kind: 'say', text };
  }

  private expect(map: Record<string, unknown>, path: Path, names: Names, line: number, by: (optional?: boolean) => string | undefined): Step | undefined {
    const item = this.itemRef(map.expect, [...path, 'expect'], names);
    const reader = by();
    const checks: Check[] = [];
    for (const [key, raw] of Object.entries(map)) {
      if (key === 'expect' || key === 'by') continue;
      const at = [...path, key];
      const resolved = resolvePath(WorkItemView, key, 'the work item view');
      if (!resolved.ok) {
        this.problem(path, resolved.message, key);
        continue;
      }
      const problems: MatcherProblem[] = [];
      const matcher = parseMatcher(raw, resolved.type, this.matcherContext(names), [], problems, key);
      for (const p of problems) this.problem([...at, ...p.at], p.message);
      if (!problems.length) checks.push({ line: this.line(path, key), path: key, matcher });
    }
    if (Object.keys(map).every((k) => k === 'expect' || k === 'by')) this.problem(path, 'an expect step checks at least one field of the view, e.g. state: waiting or sla.banner: ...', 'expect');
    if (!item || reader === undefined) return undefined;
    return { line, kind: 'expect', item, by: reader, checks };
  }

  private expectList(map: Record<string, unknown>, path: Path, names: Names, line: number, by: (optional?: boolean) => string | undefined): Step | undefined {
    const list = map['expect-list'];
    if (typeof list !== 'string' || !LIST_RE.test(list)) {
      this.problem([...path, 'expect-list'], `unknown list ${JSON.stringify(list)}; expected one of: ${LISTS_HINT}`);
      return undefined;
    }
    const reader = by();
    if ((list === 'inbox' || list === 'owned-work') && (reader === undefined || reader === 'admin') && map.by === undefined) {
      this.problem(path, `${list} is a resource's own list: say whose, with by: <resource>`, 'expect-list');
    }
    let query: Record<string, unknown> = {};
    if (map.query !== undefined) {
      if (list !== 'work-items') this.problem(path, 'query filters work-items only (the other lists are filtered by whose or which queue they are)', 'query');
      query = this.parse(ListQueryStep, map.query, [...path, 'query'], 'query') ?? {};
    }
    const checks: ListCheck[] = [];
    const entries = (key: 'contains' | 'excludes'): unknown[] => {
      const v = map[key];
      if (v === undefined) return [];
      if (!Array.isArray(v)) {
        this.problem([...path, key], `${key} takes a list of item names${key === 'contains' ? ' (or { item: name, <field>: <value> })' : ''}`);
        return [];
      }
      return v;
    };
    entries('contains').forEach((entry, i) => {
      const at = [...path, 'contains', i];
      if (typeof entry === 'string') {
        const item = this.itemRef(entry, at, names);
        if (item) checks.push({ line: this.line(at), type: 'contains', item, fields: [] });
        return;
      }
      if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) {
        this.problem(at, 'an entry of contains is an item name, or { item: name, <summary field>: <value> }');
        return;
      }
      const { item: name, ...fields } = entry as Record<string, unknown>;
      const item = this.itemRef(name, [...at, 'item'], names);
      const parsed: Array<{ path: string; matcher: Matcher }> = [];
      for (const [key, raw] of Object.entries(fields)) {
        const resolved = resolvePath(WorkItemSummary, key, 'a list row');
        if (!resolved.ok) {
          this.problem(at, resolved.message, key);
          continue;
        }
        const problems: MatcherProblem[] = [];
        const matcher = parseMatcher(raw, resolved.type, this.matcherContext(names), [], problems, key);
        for (const p of problems) this.problem([...at, key, ...p.at], p.message);
        parsed.push({ path: key, matcher });
      }
      if (item) checks.push({ line: this.line(at), type: 'contains', item, fields: parsed });
    });
    entries('excludes').forEach((entry, i) => {
      const item = this.itemRef(entry, [...path, 'excludes', i], names);
      if (item) checks.push({ line: this.line([...path, 'excludes', i]), type: 'excludes', item });
    });
    if (map.count !== undefined) {
      if (!Number.isInteger(map.count) || (map.count as number) < 0) this.problem([...path, 'count'], 'count is a whole number: how many items the list holds');
      else checks.push({ line: this.line(path, 'count'), type: 'count', count: map.count as number });
    }
    if (map.inOrder !== undefined && typeof map.inOrder !== 'boolean') this.problem([...path, 'inOrder'], 'inOrder is true or false');
    if (!checks.length) this.problem(path, 'an expect-list step checks something: contains, excludes or count', 'expect-list');
    if (reader === undefined) return undefined;
    return { line, kind: 'expect-list', list, by: reader, query, inOrder: map.inOrder === true, checks };
  }

  private matcherContext(names: Names) {
    return {
      checkString: (text: string) => unknownNames(text, names).map((n) => `$${n} is not an item name made by an earlier step${known(names)}`),
      valuesFor: (path: string) => (/^timeline(\.-?\d+)?\.type$/.test(path) ? TIMELINE_ENTRY_TYPES : undefined),
    };
  }

  /** A command's or creation's body: `$name` and time expressions stand in for refs and instants, then the API's schema checks it. */
  private body<S extends z.ZodType>(schema: S, raw: unknown, path: Path, names: Names, where: string): Record<string, unknown> | undefined {
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
      this.problem(path, `${where} takes a map of the request's fields`);
      return undefined;
    }
    this.checkStrings(raw, path, names);
    const probe = substitute(raw);
    return this.parse(schema, probe, path, where) ? (raw as Record<string, unknown>) : undefined;
  }

  /** Every `$name` in the strings below `path` names an item made earlier. */
  private checkStrings(raw: unknown, path: Path, names: Names): void {
    walkStrings(raw, path, (text, at) => {
      for (const name of unknownNames(text, names)) this.problem(at, `$${name} is not an item name made by an earlier step${known(names)}`);
    });
  }

  private itemRef(raw: unknown, path: Path, names: Names): string | undefined {
    if (typeof raw !== 'string' || !NAME.test(raw)) {
      this.problem(path, `expected an item name (${NAME_HINT}), not ${JSON.stringify(raw)}`);
      return undefined;
    }
    if (!names.items.has(raw)) {
      this.problem(path, `${raw} is not an item name made by an earlier step (create ... as: ${raw}, find ... as: ${raw}, or email ... as: ${raw})${known(names)}`);
      return undefined;
    }
    return raw;
  }

  private resourceRef(raw: unknown, path: Path, names: Names, optional: boolean): string | undefined {
    if (raw === undefined) return optional ? 'admin' : undefined;
    if (typeof raw !== 'string' || !names.resources.has(raw)) {
      const made = [...names.resources].join(', ');
      this.problem(path, `by names a resource made by an earlier resource step, or admin (so far: ${made}); not ${JSON.stringify(raw)}`);
      return undefined;
    }
    return raw;
  }

  private define(names: Names, name: string, path: Path): void {
    if (names.items.has(name)) this.problem(path, `${name} names an item already; choose another name`);
    names.items.add(name);
  }
}

function known(names: Names): string {
  return names.items.size ? ` (so far: ${[...names.items].join(', ')})` : ' (none so far)';
}

/** `$name` tokens in a text that no earlier step made (`$$` is a plain `$`). */
export function unknownNames(text: string, names: { items: Set<string> }): string[] {
  return [...text.replaceAll('$$', '').matchAll(/\$([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]).filter((n) => !names.items.has(n));
}

/** Replaces `$name` with the item's ref (`$$` is a plain `$`). */
export function interpolate(text: string, refs: ReadonlyMap<string, string>): string {
  return text.replace(/\$\$|\$([A-Za-z_][A-Za-z0-9_]*)/g, (all, name: string | undefined) => (name === undefined ? '$' : (refs.get(name) ?? all)));
}

function walkStrings(value: unknown, path: Path, visit: (text: string, at: Path) => void): void {
  if (typeof value === 'string') visit(value, path);
  else if (Array.isArray(value)) value.forEach((v, i) => walkStrings(v, [...path, i], visit));
  else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) walkStrings(v, [...path, k], visit);
}

/** The body with stand-ins the API's schema accepts: a ref for `$name`, an instant for a relative time. */
function substitute(value: unknown): unknown {
  if (typeof value === 'string') {
    if (isRelativeInstant(value)) return '2030-01-01T00:00:00Z';
    return value.replace(/\$\$|\$([A-Za-z_][A-Za-z0-9_]*)/g, (_all, name: string | undefined) => (name === undefined ? '$' : 'T-000001'));
  }
  if (Array.isArray(value)) return value.map(substitute);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v)]));
  return value;
}

function valueAtPath(value: unknown, path: Path): unknown {
  let here = value;
  for (const part of path) {
    if (here === null || typeof here !== 'object') return undefined;
    here = (here as Record<string | number, unknown>)[part];
  }
  return here;
}

interface Def {
  type: string;
  shape?: Record<string, z.ZodType>;
  innerType?: z.ZodType;
  element?: z.ZodType;
  options?: z.ZodType[];
  in?: z.ZodType;
  out?: z.ZodType;
  left?: z.ZodType;
  right?: z.ZodType;
  items?: z.ZodType[];
  values?: unknown[];
}
const defOf = (s: z.ZodType): Def => (s as unknown as { _zod: { def: Def } })._zod.def;

/** The field names an object schema takes at `path` of `value` (a union's option chosen by the value's fields). */
export function keysAt(schema: z.ZodType, path: Path, value: unknown): string[] {
  let here: z.ZodType | undefined = schema;
  let v: unknown = value;
  for (let i = 0; ; i++) {
    here = unwrap(here, v);
    if (!here) return [];
    const def = defOf(here);
    if (i === path.length) return def.type === 'object' ? Object.keys(def.shape ?? {}) : [];
    const part = path[i];
    v = v && typeof v === 'object' ? (v as Record<string | number, unknown>)[part] : undefined;
    if (def.type === 'object') here = def.shape?.[String(part)];
    else if (def.type === 'array') here = def.element;
    else if (def.type === 'tuple') here = def.items?.[Number(part)];
    else return [];
  }

  function unwrap(s: z.ZodType | undefined, val: unknown): z.ZodType | undefined {
    for (let guard = 0; s && guard < 20; guard++) {
      const def = defOf(s);
      if (['optional', 'nullable', 'default', 'readonly', 'nonoptional', 'catch'].includes(def.type)) s = def.innerType;
      else if (def.type === 'pipe') s = def.in;
      else if (def.type === 'intersection') s = def.left;
      else if (def.type === 'union') s = chooseOption(def.options ?? [], val);
      else return s;
    }
    return s;
  }
}

/** The union option that fits the value best: one whose literal field equals the value's, else the one sharing most keys. */
function chooseOption(options: z.ZodType[], value: unknown): z.ZodType | undefined {
  const keys = value && typeof value === 'object' ? Object.keys(value) : [];
  let best: z.ZodType | undefined;
  let bestScore = -1;
  for (const option of options) {
    let o = option;
    while (['optional', 'pipe'].includes(defOf(o).type)) o = defOf(o).type === 'pipe' ? defOf(o).in! : defOf(o).innerType!;
    const def = defOf(o);
    if (def.type !== 'object') continue;
    const shape = def.shape ?? {};
    const literalHit = Object.entries(shape).some(([k, s]) => defOf(s).type === 'literal' && (defOf(s).values ?? []).includes((value as Record<string, unknown>)?.[k]));
    const score = (literalHit ? 1000 : 0) + keys.filter((k) => k in shape).length;
    if (score > bestScore) {
      best = o;
      bestScore = score;
    }
  }
  return best;
}
