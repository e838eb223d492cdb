// Expectations on fields, as pure functions: a dotted path (`sla.banner`, `actions.0.state`)
// checked against the API's response schema (WorkItemView and WorkItemSummary in
// api/schemas.ts) before anything runs, the matcher a YAML value stands for (a value, a regex,
// present/absent, a range, a list's contents), and its evaluation against what the API answered.

import type { z } from 'zod';
import { durationMs, isRelativeInstant } from './time.js';

/** What the schema says a field is, as far as expectations care. */
export type FieldType =
  | { kind: 'string' | 'number' | 'boolean' | 'unknown' }
  | { kind: 'enum'; values: string[] }
  | { kind: 'object'; fields: Record<string, z.ZodType>; open: boolean }
  | { kind: 'array'; element: z.ZodType };

interface Def {
  type: string;
  shape?: Record<string, z.ZodType>;
  catchall?: z.ZodType;
  innerType?: z.ZodType;
  element?: z.ZodType;
  entries?: Record<string, string>;
  values?: unknown[];
  options?: z.ZodType[];
  in?: z.ZodType;
  out?: z.ZodType;
}
const defOf = (schema: z.ZodType): Def => (schema as unknown as { _zod: { def: Def } })._zod.def;

/** The shape of a (zod 4) schema, through optional/nullable/default wrappers. */
export function typeOf(schema: z.ZodType): FieldType {
  const def = defOf(schema);
  switch (def.type) {
    case 'optional':
    case 'nullable':
    case 'default':
    case 'readonly':
    case 'nonoptional':
      return typeOf(def.innerType!);
    case 'pipe':
      return typeOf(def.out!);
    case 'string':
      return { kind: 'string' };
    case 'number':
    case 'int':
      return { kind: 'number' };
    case 'boolean':
      return { kind: 'boolean' };
    case 'enum':
      return { kind: 'enum', values: Object.values(def.entries ?? {}) };
    case 'literal':
      return { kind: 'enum', values: (def.values ?? []).map(String) };
    case 'object': {
      const catchall = def.catchall ? defOf(def.catchall).type : undefined;
      return { kind: 'object', fields: def.shape ?? {}, open: catchall !== undefined && catchall !== 'never' };
    }
    case 'array':
      return { kind: 'array', element: def.element! };
    default:
      return { kind: 'unknown' };
  }
}

export type PathResult = { ok: true; type: FieldType } | { ok: false; message: string };

/**
 * The type at a dotted path, or why there is no such field: `sla.bannr` names the part that
 * does not exist and the fields there are. Array elements are reached by index (`actions.0`,
 * `timeline.-1` for the last one).
 */
export function resolvePath(schema: z.ZodType, path: string, what: string): PathResult {
  let type = typeOf(schema);
  const walked: string[] = [];
  for (const part of path.split('.')) {
    const here = walked.length ? `${what} field ${walked.join('.')}` : what;
    if (type.kind === 'object') {
      const field = type.fields[part];
      if (field) type = typeOf(field);
      else if (type.open) type = { kind: 'unknown' };
      else return { ok: false, message: `${here} has no field \`${part}\`; expected one of: ${Object.keys(type.fields).join(', ')}` };
    } else if (type.kind === 'array') {
      if (!/^-?\d+$/.test(part)) return { ok: false, message: `${here} is a list: reach an element by its index (0 is the first, -1 the last), not \`${part}\`` };
      type = typeOf(type.element);
    } else if (type.kind === 'unknown') {
      // Beyond what the schema describes (a timeline entry's own fields): anything goes.
    } else {
      return { ok: false, message: `${here} is a ${describe(type)}, with no field \`${part}\`` };
    }
    walked.push(part);
  }
  return { ok: true, type };
}

function describe(type: FieldType): string {
  return type.kind === 'enum' ? `value (one of ${type.values.join(', ')})` : type.kind;
}

/** The value at a dotted path of a JSON value (negative indexes count from the end). */
export function valueAt(value: unknown, path: string): unknown {
  let here: unknown = value;
  for (const part of path.split('.')) {
    if (Array.isArray(here) && /^-?\d+$/.test(part)) here = here.at(Number(part));
    else if (here !== null && typeof here === 'object') here = (here as Record<string, unknown>)[part];
    else return undefined;
  }
  return here;
}

// --- matchers -----------------------------------------------------------------------------------

export type Matcher =
  | { op: 'equals'; value: unknown; shown?: string }
  | { op: 'instant'; expr: string }
  | { op: 'absent' }
  | { op: 'present' }
  | { op: 'matches'; regex: string }
  | { op: 'not'; value: unknown }
  | { op: 'range'; atLeast?: number; atMost?: number; shown: string }
  | { op: 'list'; contains?: Pattern[]; once?: Pattern[]; excludes?: Pattern[]; inOrder?: boolean; length?: number }
  | { op: 'fields'; fields: Array<{ path: string; matcher: Matcher }> };

/** One element a list must (or must not) hold: a value, or some of its fields. */
export type Pattern = Matcher;

export const MATCHER_KEYS = ['equals', 'matches', 'not', 'present', 'atLeast', 'atMost', 'contains', 'once', 'excludes', 'inOrder', 'length'] as const;

/** A problem found in an expectation, and where in the YAML it is (a path below the expectation's value). */
export interface MatcherProblem {
  at: (string | number)[];
  message: string;
}

/** Extra checks a caller adds to some values: names of items (`$ticket1`), entry types. */
export interface MatcherContext {
  /** Problems with a string written as an expected value (e.g. an unknown `$name`); [] when fine. */
  checkString?: (text: string) => string[];
  /** A narrower set of values for a path of open objects (a timeline entry's `type`). */
  valuesFor?: (path: string) => readonly string[] | undefined;
}

/**
 * The matcher a YAML value stands for, given the field's type: a plain value (a duration for a
 * millisecond field, `now+P1D`/`start+2d 10:00` for an instant), `null` (absent), or a map of
 * matcher keys; on an object, a map of its fields; on a list, `contains`/`excludes`/`length`.
 */
export function parseMatcher(raw: unknown, type: FieldType, ctx: MatcherContext = {}, at: (string | number)[] = [], problems: MatcherProblem[] = [], path = ''): Matcher {
  const problem = (message: string, where: (string | number)[] = at) => problems.push({ at: where, message });
  if (raw === null || raw === undefined) return { op: 'absent' };
  if (Array.isArray(raw)) {
    if (type.kind !== 'array' && type.kind !== 'unknown') problem(`a list was given, but ${path || 'this field'} is a ${describe(type)}`);
    raw.forEach((v, i) => typeof v === 'string' && checkString(v, [...at, i]));
    return { op: 'equals', value: raw };
  }
  if (typeof raw === 'object') {
    const map = raw as Record<string, unknown>;
    const keys = Object.keys(map);
    const isMatcher = keys.length > 0 && keys.every((k) => (MATCHER_KEYS as readonly string[]).includes(k)) && !(type.kind === 'object' && keys.some((k) => k in type.fields));
    if (!isMatcher) {
      if (type.kind === 'object' || type.kind === 'unknown') return parseFields(map, type, ctx, at, problems, path);
      problem(`unknown matcher ${keys.filter((k) => !(MATCHER_KEYS as readonly string[]).includes(k)).map((k) => `\`${k}\``).join(', ') || '(empty)'}; expected a value, null, or one of: ${MATCHER_KEYS.join(', ')}`);
      return { op: 'absent' };
    }
    return parseMatcherMap(map, type, ctx, at, problems, path);
  }
  return parseScalar(raw, type, ctx, at, problems, path);

  function checkString(text: string, where: (string | number)[]): void {
    for (const message of ctx.checkString?.(text) ?? []) problem(message, where);
  }
}

function parseScalar(raw: unknown, type: FieldType, ctx: MatcherContext, at: (string | number)[], problems: MatcherProblem[], path: string): Matcher {
  const problem = (message: string) => problems.push({ at, message });
  const name = path || 'this field';
  for (const message of typeof raw === 'string' ? (ctx.checkString?.(raw) ?? []) : []) problem(message);
  const narrowed = ctx.valuesFor?.(path);
  if (narrowed && typeof raw === 'string' && !narrowed.includes(raw)) problem(`${name} is never \`${raw}\`; expected one of: ${narrowed.join(', ')}`);
  switch (type.kind) {
    case 'number':
      if (typeof raw === 'number') return { op: 'equals', value: raw };
      if (typeof raw === 'string' && durationMs(raw) !== undefined) return { op: 'equals', value: durationMs(raw), shown: raw };
      problem(`${name} is a number (milliseconds): give a number or an ISO duration such as PT3H20M, not ${JSON.stringify(raw)}`);
      break;
    case 'boolean':
      if (typeof raw === 'boolean') return { op: 'equals', value: raw };
      problem(`${name} is true or false, not ${JSON.stringify(raw)}`);
      break;
    case 'enum':
      if (typeof raw === 'string' && type.values.includes(raw)) return { op: 'equals', value: raw };
      problem(`${name} is one of: ${type.values.join(', ')}; not ${JSON.stringify(raw)}`);
      break;
    case 'string':
    case 'unknown':
      if (typeof raw === 'string' && isRelativeInstant(raw)) return { op: 'instant', expr: raw };
      return { op: 'equals', value: raw };
    case 'object':
    case 'array':
      problem(`${name} is ${type.kind === 'object' ? 'an object: give a map of its fields' : 'a list: give contains, excludes or length'} (or null for absent), not ${JSON.stringify(raw)}`);
      break;
  }
  return { op: 'equals', value: raw };
}

function parseFields(map: Record<string, unknown>, type: FieldType, ctx: MatcherContext, at: (string | number)[], problems: MatcherProblem[], path: string): Matcher {
  const fields: Array<{ path: string; matcher: Matcher }> = [];
  for (const [key, value] of Object.entries(map)) {
    const objectSchema = type.kind === 'object' ? schemaOfFields(type) : undefined;
    const resolved = objectSchema ? resolvePath(objectSchema, key, path || 'the element') : ({ ok: true, type: { kind: 'unknown' } } as PathResult);
    if (!resolved.ok) {
      problems.push({ at: [...at, key], message: resolved.message });
      continue;
    }
    const full = path ? `${path}.${key}` : key;
    fields.push({ path: key, matcher: parseMatcher(value, resolved.type, ctx, [...at, key], problems, full) });
  }
  return { op: 'fields', fields };
}

/** A stand-in schema over an object type's fields, so paths below it resolve the same way. */
function schemaOfFields(type: Extract<FieldType, { kind: 'object' }>): z.ZodType {
  const def: Def = { type: 'object', shape: type.fields, ...(type.open ? { catchall: { _zod: { def: { type: 'unknown' } } } as unknown as z.ZodType } : {}) };
  return { _zod: { def } } as unknown as z.ZodType;
}

function parseMatcherMap(map: Record<string, unknown>, type: FieldType, ctx: MatcherContext, at: (string | number)[], problems: MatcherProblem[], path: string): Matcher {
  const problem = (message: string, key?: string) => problems.push({ at: key ? [...at, key] : at, message });
  const name = path || 'this field';
  const keys = Object.keys(map);
  const listKeys = ['contains', 'once', 'excludes', 'inOrder', 'length'];
  if (keys.some((k) => listKeys.includes(k))) {
    if (type.kind !== 'array' && type.kind !== 'unknown') {
      problem(`contains, once, excludes, inOrder and length check a list, but ${name} is a ${describe(type)}`);
      return { op: 'absent' };
    }
    const other = keys.filter((k) => !listKeys.includes(k));
    if (other.length) problem(`${other.join(', ')} cannot be combined with contains/once/excludes/inOrder/length`, other[0]);
    const element = type.kind === 'array' ? typeOf(type.element) : ({ kind: 'unknown' } as FieldType);
    const patterns = (key: 'contains' | 'once' | 'excludes'): Pattern[] | undefined => {
      const list = map[key];
      if (list === undefined) return undefined;
      if (!Array.isArray(list)) {
        problem(`${key} takes a list of elements, e.g. ${key}: [{ type: sla_breached }]`, key);
        return [];
      }
      return list.map((p, i) => parseMatcher(p, element, ctx, [...at, key, i], problems, path));
    };
    const length = map.length;
    if (length !== undefined && !(Number.isInteger(length) && (length as number) >= 0)) problem('length is a whole number', 'length');
    if (map.inOrder !== undefined && typeof map.inOrder !== 'boolean') problem('inOrder is true or false', 'inOrder');
    return { op: 'list', contains: patterns('contains'), once: patterns('once'), excludes: patterns('excludes'), inOrder: map.inOrder === true, ...(typeof length === 'number' ? { length } : {}) };
  }
  if (keys.length !== 1 && !(keys.every((k) => k === 'atLeast' || k === 'atMost'))) {
    problem(`give one matcher at a time (atLeast with atMost is the one pair): ${keys.join(', ')}`);
    return { op: 'absent' };
  }
  if ('equals' in map) return parseScalar(map.equals, type, ctx, [...at, 'equals'], problems, path);
  if ('matches' in map) {
    const regex = map.matches;
    if (typeof regex !== 'string') problem('matches takes a regular expression, as a string', 'matches');
    else {
      try {
        new RegExp(regex);
      } catch (err) {
        problem(`matches: not a regular expression: ${(err as Error).message}`, 'matches');
      }
    }
    return { op: 'matches', regex: String(regex) };
  }
  if ('not' in map) {
    const inner = parseScalar(map.not, type, ctx, [...at, 'not'], problems, path);
    return { op: 'not', value: inner.op === 'equals' ? inner.value : map.not };
  }
  if ('present' in map) {
    if (typeof map.present !== 'boolean') problem('present is true or false', 'present');
    return map.present === false ? { op: 'absent' } : { op: 'present' };
  }
  // atLeast / atMost
  if (type.kind !== 'number' && type.kind !== 'unknown') problem(`atLeast and atMost compare numbers, but ${name} is a ${describe(type)}`);
  const bound = (key: 'atLeast' | 'atMost'): number | undefined => {
    const v = map[key];
    if (v === undefined) return undefined;
    if (typeof v === 'number') return v;
    if (typeof v === 'string' && durationMs(v) !== undefined) return durationMs(v);
    problem(`${key} takes a number or an ISO duration (PT3H)`, key);
    return undefined;
  };
  const shown = [map.atLeast !== undefined ? `>= ${map.atLeast}` : '', map.atMost !== undefined ? `<= ${map.atMost}` : ''].filter(Boolean).join(' and ');
  return { op: 'range', atLeast: bound('atLeast'), atMost: bound('atMost'), shown };
}

// --- evaluation ---------------------------------------------------------------------------------

export interface EvalContext {
  /** `$name` -> ref, in expected strings. */
  interpolate: (text: string) => string;
  /** An instant expression -> epoch ms. */
  instant: (expr: string) => number;
  /** Instants named by an expression match within this many ms (the steps take real time). */
  instantToleranceMs: number;
}

export function evaluate(matcher: Matcher, actual: unknown, ctx: EvalContext): boolean {
  switch (matcher.op) {
    case 'absent':
      return actual === undefined || actual === null;
    case 'present':
      return actual !== undefined && actual !== null;
    case 'equals':
      return deepEqual(actual, expand(matcher.value, ctx));
    case 'not':
      return !deepEqual(actual, expand(matcher.value, ctx));
    case 'instant': {
      const at = typeof actual === 'string' ? Date.parse(actual) : NaN;
      return !Number.isNaN(at) && Math.abs(at - ctx.instant(matcher.expr)) <= ctx.instantToleranceMs;
    }
    case 'matches':
      return actual !== undefined && actual !== null && new RegExp(ctx.interpolate(matcher.regex)).test(typeof actual === 'string' ? actual : JSON.stringify(actual));
    case 'range':
      return typeof actual === 'number' && (matcher.atLeast === undefined || actual >= matcher.atLeast) && (matcher.atMost === undefined || actual <= matcher.atMost);
    case 'fields':
      return actual !== null && typeof actual === 'object' && matcher.fields.every((f) => evaluate(f.matcher, valueAt(actual, f.path), ctx));
    case 'list': {
      if (!Array.isArray(actual)) return false;
      if (matcher.length !== undefined && actual.length !== matcher.length) return false;
      if (matcher.excludes?.some((p) => actual.some((e) => evaluate(p, e, ctx)))) return false;
      if (matcher.once?.some((p) => actual.filter((e) => evaluate(p, e, ctx)).length !== 1)) return false;
      const contains = matcher.contains ?? [];
      if (matcher.inOrder) {
        let from = 0;
        for (const p of contains) {
          const i = actual.findIndex((e, j) => j >= from && evaluate(p, e, ctx));
          if (i < 0) return false;
          from = i + 1;
        }
        return true;
      }
      return contains.every((p) => actual.some((e) => evaluate(p, e, ctx)));
    }
  }
}

function expand(value: unknown, ctx: EvalContext): unknown {
  if (typeof value === 'string') return ctx.interpolate(value);
  if (Array.isArray(value)) return value.map((v) => expand(v, ctx));
  return value;
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
  }
  return false;
}

/** The matcher as a reader sees it in a PASS/FAIL line: `= "waiting"`, `matches /^Paused/`, `contains [{type: sla_breached}]`. */
export function describeMatcher(matcher: Matcher): string {
  switch (matcher.op) {
    case 'absent':
      return 'is absent';
    case 'present':
      return 'is present';
    case 'equals':
      return `= ${matcher.shown ?? show(matcher.value)}`;
    case 'not':
      return `!= ${show(matcher.value)}`;
    case 'instant':
      return `= ${matcher.expr} (to the minute)`;
    case 'matches':
      return `matches /${matcher.regex}/`;
    case 'range':
      return matcher.shown;
    case 'fields':
      return `has ${patternText(matcher)}`;
    case 'list': {
      const parts: string[] = [];
      if (matcher.contains?.length) parts.push(`contains${matcher.inOrder ? ' in order' : ''} [${matcher.contains.map(patternText).join(', ')}]`);
      if (matcher.once?.length) parts.push(`holds exactly once [${matcher.once.map(patternText).join(', ')}]`);
      if (matcher.excludes?.length) parts.push(`excludes [${matcher.excludes.map(patternText).join(', ')}]`);
      if (matcher.length !== undefined) parts.push(`has length ${matcher.length}`);
      return parts.join(' and ') || 'is a list';
    }
  }
}

/** An element pattern, compactly: `{type: sla_breached, reason: days_elapsed}`. */
function patternText(p: Pattern): string {
  if (p.op === 'fields') return `{${p.fields.map((f) => `${f.path}${f.matcher.op === 'equals' ? `: ${f.matcher.shown ?? plain(f.matcher.value)}` : ` ${describeMatcher(f.matcher)}`}`).join(', ')}}`;
  if (p.op === 'equals') return plain(p.value);
  return describeMatcher(p);
}

function plain(value: unknown): string {
  return typeof value === 'string' && /^[\w$.:@+-]+$/.test(value) ? value : show(value);
}

/** A value, short, for a report line. */
export function show(value: unknown, max = 160): string {
  if (value === undefined) return '(absent)';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
