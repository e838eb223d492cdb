// Time in SLA scenarios, as pure functions: ISO-8601 durations, the start anchor
// (`start: { next: friday, at: "16:00", timezone: Europe/Paris }`), dates relative to the start
// day (`start+3d`, for calendar holidays), instants relative to the start or the clock
// (`now+P2D`, `start+PT4H`, `start+3d 10:00`), and how the clock is shown
// (`Fri 2026-12-04 16:00 +01:00`). Local times use the standard Intl time-zone data.

import { DURATION_PATTERN, parseDurationMs } from '../../workflows/domain/item/duration.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

export const WEEKDAY_NAMES = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'] as const;
export type WeekdayName = (typeof WEEKDAY_NAMES)[number];
const SHORT_WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

/** `HH:MM`, 00:00 to 23:59. */
export const CLOCK_TIME = /^([01]\d|2[0-3]):([0-5]\d)$/;

/** An ISO-8601 duration in weeks, days, hours, minutes or seconds (`P3D`, `PT3H20M`), in ms; undefined if it is not one. */
export function durationMs(text: string): number | undefined {
  return DURATION_PATTERN.test(text) ? parseDurationMs(text) : undefined;
}

export const DURATION_HINT = 'an ISO-8601 duration in weeks, days, hours, minutes or seconds, e.g. P3D, PT3H20M, PT90S';

/** A duration for the API's skip (`PT93.250S`), to the millisecond. */
export function isoSeconds(ms: number): string {
  const seconds = Math.max(0, Math.round(ms)) / 1000;
  return `PT${Number.isInteger(seconds) ? seconds : seconds.toFixed(3)}S`;
}

/** A duration as people read it: `33d 4h`, `3h 20m`, `45s`, `0s`. */
export function humanDuration(ms: number): string {
  const sign = ms < 0 ? '-' : '';
  let rest = Math.abs(Math.round(ms));
  const days = Math.floor(rest / DAY);
  rest -= days * DAY;
  const hours = Math.floor(rest / HOUR);
  rest -= hours * HOUR;
  const minutes = Math.floor(rest / MINUTE);
  rest -= minutes * MINUTE;
  const seconds = Math.floor(rest / 1000);
  const parts: string[] = [];
  if (days) parts.push(`${days}d`);
  if (hours) parts.push(`${hours}h`);
  if (minutes && !days) parts.push(`${minutes}m`);
  if (seconds && !days && !hours) parts.push(`${seconds}s`);
  return sign + (parts.join(' ') || '0s');
}

export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

interface LocalParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  /** 0 = Monday ... 6 = Sunday. */
  weekday: number;
  /** Minutes east of UTC. */
  offsetMinutes: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
    formatters.set(zone, f);
  }
  return f;
}

/** The wall-clock date and time of an instant in a time zone. */
export function localParts(ms: number, zone: string): LocalParts {
  const parts = Object.fromEntries(formatter(zone).formatToParts(new Date(ms)).map((p) => [p.type, p.value]));
  const [year, month, day, hour, minute, second] = ['year', 'month', 'day', 'hour', 'minute', 'second'].map((k) => Number(parts[k]));
  const asUtc = Date.UTC(year, month - 1, day, hour, minute, second);
  const offsetMinutes = Math.round((asUtc - (ms - (((ms % 1000) + 1000) % 1000))) / MINUTE);
  const weekday = (new Date(Date.UTC(year, month - 1, day)).getUTCDay() + 6) % 7;
  return { year, month, day, hour, minute, weekday, offsetMinutes };
}

/** The instant a local date and time names in a zone (in a DST gap, the time just after it). */
export function zonedInstant(year: number, month: number, day: number, hour: number, minute: number, zone: string): number {
  const wanted = Date.UTC(year, month - 1, day, hour, minute);
  let guess = wanted;
  for (let i = 0; i < 3; i++) {
    const offset = localParts(guess, zone).offsetMinutes;
    const next = wanted - offset * MINUTE;
    if (next === guess) break;
    guess = next;
  }
  return guess;
}

/** `Fri 2026-12-04 16:00 +01:00`. */
export function formatClock(ms: number, zone: string): string {
  const p = localParts(ms, zone);
  const pad = (n: number) => String(n).padStart(2, '0');
  const off = Math.abs(p.offsetMinutes);
  const offset = `${p.offsetMinutes < 0 ? '-' : '+'}${pad(Math.floor(off / 60))}:${pad(off % 60)}`;
  return `${SHORT_WEEKDAYS[p.weekday]} ${p.year}-${pad(p.month)}-${pad(p.day)} ${pad(p.hour)}:${pad(p.minute)} ${offset}`;
}

/** `2026-12-04 16:00` in the zone, without the weekday and offset (for timelines). */
export function formatLocalShort(ms: number, zone: string): string {
  return formatClock(ms, zone).slice(4, 20);
}

export interface StartAnchor {
  /** The weekday to start on; absent: the first day the time comes. */
  next?: WeekdayName;
  /** Local time of day, HH:MM. */
  at: string;
  timezone: string;
}

/**
 * The first instant after `nowMs` that falls on the anchor's weekday at its local time: the
 * instant a scenario starts at, whatever today's date is.
 */
export function nextAnchor(nowMs: number, anchor: StartAnchor): number {
  const [hour, minute] = anchor.at.split(':').map(Number);
  const today = localParts(nowMs, anchor.timezone);
  const wantedDay = anchor.next ? WEEKDAY_NAMES.indexOf(anchor.next) : undefined;
  for (let add = 0; add <= 8; add++) {
    const date = new Date(Date.UTC(today.year, today.month - 1, today.day + add));
    const weekday = (date.getUTCDay() + 6) % 7;
    if (wantedDay !== undefined && weekday !== wantedDay) continue;
    const at = zonedInstant(date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate(), hour, minute, anchor.timezone);
    if (at > nowMs) return at;
  }
  throw new Error(`no start instant found for ${JSON.stringify(anchor)}`);
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const START_DATE = /^start(?:([+-])(\d{1,4})d)?$/;

/** A calendar date: `YYYY-MM-DD`, or `start`, `start+3d`, `start-1d` (days from the start day). */
export function isDateExpression(text: string): boolean {
  return (DATE.test(text) && !Number.isNaN(Date.parse(`${text}T00:00:00Z`))) || START_DATE.test(text);
}
export const DATE_HINT = 'a date YYYY-MM-DD, or start, start+3d, start-1d (days from the start day, in the scenario time zone)';

/** The date a date expression names, as YYYY-MM-DD; the start day is the start instant's local date in `zone`. */
export function resolveDate(text: string, startMs: number, zone: string): string {
  if (DATE.test(text)) return text;
  const m = START_DATE.exec(text);
  if (!m) throw new Error(`not a date: ${text}`);
  const start = localParts(startMs, zone);
  const days = m[1] ? (m[1] === '-' ? -1 : 1) * Number(m[2]) : 0;
  return new Date(Date.UTC(start.year, start.month - 1, start.day + days)).toISOString().slice(0, 10);
}

const RELATIVE_INSTANT = /^(now|start)(?:([+-])(P\S+))?$/;
const LOCAL_INSTANT = /^start(?:([+-])(\d{1,4})d)? (\d{2}:\d{2})$/;
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})$/;

export const INSTANT_HINT =
  'an instant: now or start, optionally +/- an ISO duration (now+P2D, start+PT4H40M); start+3d 10:00 (a local time, days from the start day); or an ISO-8601 instant';

export function isInstantExpression(text: string): boolean {
  if (ISO_INSTANT.test(text)) return !Number.isNaN(Date.parse(text));
  const rel = RELATIVE_INSTANT.exec(text);
  if (rel) return rel[3] === undefined || durationMs(rel[3]) !== undefined;
  const local = LOCAL_INSTANT.exec(text);
  return Boolean(local && CLOCK_TIME.test(local[3]));
}

/** Whether the text is one of the relative forms (not a literal ISO instant). */
export function isRelativeInstant(text: string): boolean {
  return !ISO_INSTANT.test(text) && isInstantExpression(text);
}

/** The instant an expression names, given the start instant, the clock and the scenario's zone. */
export function resolveInstant(text: string, clock: { startMs: number; nowMs: number; zone: string }): number {
  if (ISO_INSTANT.test(text)) return Date.parse(text);
  const rel = RELATIVE_INSTANT.exec(text);
  if (rel) {
    const base = rel[1] === 'now' ? clock.nowMs : clock.startMs;
    const ms = rel[3] === undefined ? 0 : durationMs(rel[3]);
    if (ms === undefined) throw new Error(`not a duration: ${rel[3]}`);
    return base + (rel[2] === '-' ? -ms : ms);
  }
  const local = LOCAL_INSTANT.exec(text);
  if (!local) throw new Error(`not an instant: ${text}`);
  const days = local[1] ? (local[1] === '-' ? -1 : 1) * Number(local[2]) : 0;
  const start = localParts(clock.startMs, clock.zone);
  const [hour, minute] = local[3].split(':').map(Number);
  const date = new Date(Date.UTC(start.year, start.month - 1, start.day + days));
  return zonedInstant(date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate(), hour, minute, clock.zone);
}
