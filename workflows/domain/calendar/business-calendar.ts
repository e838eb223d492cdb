// Working time on a business calendar (R36): due dates counted in working hours of a time zone,
// skipping closed days, holidays and the hours outside the working spans, correct across DST
// changes and midnight.
//
// This runs inside Temporal workflow code, so it is pure and deterministic: no clock, no I/O, no
// Node-only API. Time-zone offsets come from the standard `Intl.DateTimeFormat` (the ICU data of
// the Node version that runs the worker). Results are memoised in small bounded caches keyed by
// the calendar's content, never by time of day, so a cache hit and a miss give the same answer.

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];
/** One working span in local wall-clock time, 'HH:MM' (end may be '24:00'). If end <= start the span crosses midnight into the next day (a night shift), and belongs to the day it starts on. */
export type Span = [start: string, end: string];
export interface BusinessCalendar {
  timezone: string; // IANA, e.g. 'Europe/Bucharest'
  workingHours: Partial<Record<Weekday, Span[]>>; // several spans a day allowed; missing day = closed
  holidays: string[]; // local dates 'YYYY-MM-DD' (a span starting on a holiday does not count)
}

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const DAY_MINUTES = 24 * 60;
const WEEK_MINUTES = 7 * DAY_MINUTES;
/** How far a search for working time may walk, in local days, before it gives up. */
const MAX_SEARCH_DAYS = 7305; // 20 years
/** Instants accepted: years 1000-9000, so that every date met while counting has a 4-digit year. */
const MIN_INSTANT = Date.UTC(1000, 0, 1);
const MAX_INSTANT = Date.UTC(9000, 0, 1);
/**
 * Local days that may hold working time near an instant: local day numbers lie within a few
 * days of the UTC day number for any offset (even historical ones over ±15h), and a span runs
 * at most into the next day.
 */
const DAY_MARGIN = 3;

// ---------------------------------------------------------------------------------------------
// Validation

const START_TIME = /^([01]\d|2[0-3]):([0-5]\d)$/;
const END_TIME = /^(?:([01]\d|2[0-3]):([0-5]\d)|(24):(00))$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Problems with a calendar, as sentences a person can act on; [] when valid (unknown time zone, bad HH:MM, overlapping spans in a day, bad holiday date, no working time in the week at all). */
export function calendarProblems(calendar: BusinessCalendar): string[] {
  const problems: string[] = [];
  if (typeof calendar !== 'object' || calendar === null) {
    return ['The calendar must be an object with timezone, workingHours and holidays.'];
  }

  const zone: unknown = calendar.timezone;
  if (typeof zone !== 'string' || zone.trim() === '') {
    problems.push(`The time zone is missing: set timezone to an IANA name such as "Europe/Bucharest".`);
  } else if (!isKnownTimeZone(zone)) {
    problems.push(`Unknown time zone "${zone}": use an IANA name such as "Europe/Bucharest" or "America/New_York".`);
  }

  const hours: unknown = calendar.workingHours;
  const spans: Array<{ day: number; start: number; end: number; text: string }> = [];
  if (typeof hours !== 'object' || hours === null || Array.isArray(hours)) {
    problems.push(`workingHours must be an object mapping weekdays (${WEEKDAYS.join(', ')}) to lists of ['HH:MM', 'HH:MM'] spans.`);
  } else {
    for (const [key, value] of Object.entries(hours)) {
      const day = (WEEKDAYS as readonly string[]).indexOf(key);
      if (day < 0) {
        problems.push(`Unknown weekday "${key}" in workingHours: use one of ${WEEKDAYS.join(', ')}.`);
        continue;
      }
      if (value === undefined) continue;
      if (!Array.isArray(value)) {
        problems.push(`Working hours for ${key} must be a list of ['HH:MM', 'HH:MM'] spans (an empty list when closed).`);
        continue;
      }
      value.forEach((span: unknown, i: number) => {
        const where = `Working hours for ${key}, span ${i + 1}`;
        if (!Array.isArray(span) || span.length !== 2) {
          problems.push(`${where} must be a pair ['HH:MM', 'HH:MM'], e.g. ['09:00', '17:00'].`);
          return;
        }
        const [startText, endText] = span as unknown[];
        const start = typeof startText === 'string' ? parseMinutes(startText, START_TIME) : undefined;
        const end = typeof endText === 'string' ? parseMinutes(endText, END_TIME) : undefined;
        if (start === undefined) {
          problems.push(`${where}: start ${JSON.stringify(startText)} is not a time 'HH:MM' from 00:00 to 23:59.`);
        }
        if (end === undefined) {
          problems.push(`${where}: end ${JSON.stringify(endText)} is not a time 'HH:MM' from 00:00 to 24:00.`);
        }
        if (start !== undefined && end !== undefined) {
          spans.push({ day, start, end: end > start ? end : end + DAY_MINUTES, text: `${key} ${String(startText)}-${String(endText)}` });
        }
      });
    }
    problems.push(...overlapProblems(spans));
    const complete = problems.every((p) => !p.startsWith('Working hours for') && !p.startsWith('Unknown weekday'));
    if (complete && spans.length === 0) {
      problems.push(`The calendar has no working time in the week at all: add at least one span, e.g. workingHours: { mon: [['09:00', '17:00']] }.`);
    }
  }

  const holidays: unknown = calendar.holidays;
  if (!Array.isArray(holidays)) {
    problems.push(`holidays must be a list of local dates 'YYYY-MM-DD' (an empty list when there are none).`);
  } else {
    for (const holiday of holidays) {
      if (typeof holiday !== 'string' || parseDate(holiday) === undefined) {
        problems.push(`Holiday ${JSON.stringify(holiday)} is not a real date 'YYYY-MM-DD', e.g. '2026-12-25'.`);
      }
    }
  }
  return problems;
}

/** Overlaps between spans, in minutes of the week; a night span is compared with the next day's too (and Sunday's with Monday's). */
function overlapProblems(spans: Array<{ day: number; start: number; end: number; text: string }>): string[] {
  const problems: string[] = [];
  for (let i = 0; i < spans.length; i++) {
    for (let j = i + 1; j < spans.length; j++) {
      const a = spans[i];
      const b = spans[j];
      const a0 = a.day * DAY_MINUTES + a.start;
      const a1 = a.day * DAY_MINUTES + a.end;
      const overlaps = [-WEEK_MINUTES, 0, WEEK_MINUTES].some((shift) => {
        const b0 = b.day * DAY_MINUTES + b.start + shift;
        const b1 = b.day * DAY_MINUTES + b.end + shift;
        return a0 < b1 && b0 < a1;
      });
      if (!overlaps) continue;
      problems.push(
        a.day === b.day
          ? `Working hours for ${WEEKDAYS[a.day]}: spans ${a.text.slice(4)} and ${b.text.slice(4)} overlap; make the spans of a day disjoint.`
          : `Working hours ${a.text} and ${b.text} overlap (a span whose end is at or before its start runs past midnight into the next day); make them disjoint.`,
      );
    }
  }
  return problems;
}

function parseMinutes(text: string, pattern: RegExp): number | undefined {
  const m = pattern.exec(text);
  if (!m) return undefined;
  const h = Number(m[1] ?? m[3]);
  const min = Number(m[2] ?? m[4]);
  return h * 60 + min;
}

/** Day number (days since 1970-01-01) of a real date 'YYYY-MM-DD', or undefined. */
function parseDate(text: string): number | undefined {
  const m = DATE.exec(text);
  if (!m) return undefined;
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo)) return undefined;
  return daysFromCivil(y, mo, d);
}

function daysInMonth(y: number, m: number): number {
  if (m === 2) return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(m) ? 30 : 31;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm; any year). */
function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** 'YYYY-MM-DD' of a day number, for messages. */
function formatDay(day: number): string {
  const z = day + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  const y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  return `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

// ---------------------------------------------------------------------------------------------
// Time zones: offsets from Intl, one cached formatter per zone

interface Zone {
  name: string;
  formatter: Intl.DateTimeFormat;
  /** Whether `format()` text parses as 'M/D/YYYY, HH:MM:SS' (checked once; else formatToParts is used). */
  plainText: boolean;
  /** Offset at 00:00 UTC of a day number, memoised. */
  midnightOffsets: Map<number, number>;
}

const ZONES_MAX = 16;
const MIDNIGHT_OFFSETS_MAX = 1024;
const zones = new Map<string, Zone>();
const FORMATTED = /^(\d{1,2})\/(\d{1,2})\/(\d{4}),? (\d{1,2}):(\d{2}):(\d{2})$/;

function zoneOf(name: string): Zone {
  let zone = zones.get(name);
  if (!zone) {
    const formatter = new Intl.DateTimeFormat('en-US-u-ca-gregory-nu-latn', {
      timeZone: name,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    const probe = Date.UTC(2001, 1, 3, 4, 5, 6);
    const viaText = fieldsFromText(formatter, probe);
    const viaParts = fieldsFromParts(formatter, probe);
    zone = { name, formatter, plainText: viaText !== undefined && viaText.every((v, i) => v === viaParts[i]), midnightOffsets: new Map() };
    if (zones.size >= ZONES_MAX) zones.delete(zones.keys().next().value as string);
    zones.set(name, zone);
  }
  return zone;
}

/** [year, month, day, hour, minute, second] of an instant, read from the formatted text. */
function fieldsFromText(formatter: Intl.DateTimeFormat, instant: number): number[] | undefined {
  const m = FORMATTED.exec(formatter.format(instant));
  return m ? [Number(m[3]), Number(m[1]), Number(m[2]), Number(m[4]) % 24, Number(m[5]), Number(m[6])] : undefined;
}

const FIELD_TYPES = ['year', 'month', 'day', 'hour', 'minute', 'second'];

function fieldsFromParts(formatter: Intl.DateTimeFormat, instant: number): number[] {
  const fields = [0, 1, 1, 0, 0, 0];
  for (const part of formatter.formatToParts(instant)) {
    const index = FIELD_TYPES.indexOf(part.type);
    if (index >= 0) fields[index] = Number(part.value);
  }
  fields[3] %= 24; // some engines write midnight as 24
  return fields;
}

function isKnownTimeZone(name: string): boolean {
  // IANA names only: newer engines also take offsets such as '+02:00', older ones do not.
  if (!/^[A-Za-z]/.test(name)) return false;
  try {
    zoneOf(name);
    return true;
  } catch {
    return false;
  }
}

/** The zone's UTC offset (ms, local minus UTC) at an instant (years 1000-9999). */
function offsetAt(zone: Zone, instant: number): number {
  const f = (zone.plainText && fieldsFromText(zone.formatter, instant)) || fieldsFromParts(zone.formatter, instant);
  const local = daysFromCivil(f[0], f[1], f[2]) * DAY + f[3] * HOUR + f[4] * MINUTE + f[5] * SECOND;
  return local - Math.floor(instant / SECOND) * SECOND;
}

function offsetAtMidnight(zone: Zone, day: number): number {
  let offset = zone.midnightOffsets.get(day);
  if (offset === undefined) {
    offset = offsetAt(zone, day * DAY);
    if (zone.midnightOffsets.size >= MIDNIGHT_OFFSETS_MAX) zone.midnightOffsets.delete(zone.midnightOffsets.keys().next().value as number);
    zone.midnightOffsets.set(day, offset);
  }
  return offset;
}

/**
 * The instant of a local wall-clock time (given as ms since 1970-01-01T00:00 local). A time that
 * occurs twice (fall-back) is its first occurrence; a time that does not exist (spring-forward
 * gap) is the instant just after the gap.
 */
function localToInstant(zone: Zone, local: number): number {
  const day = Math.floor(local / DAY);
  const before = offsetAtMidnight(zone, day - 2);
  const after = offsetAtMidnight(zone, day + 2);
  if (before === after && offsetAt(zone, local - before) === before) return local - before;
  const offsets = [before, after, offsetAt(zone, local - before), offsetAt(zone, local - after)];
  let best = Infinity;
  for (const offset of offsets) {
    const instant = local - offset;
    if (instant < best && offsetAt(zone, instant) === offset) best = instant;
  }
  if (best !== Infinity) return best;
  // In a gap: the first instant whose local time is at or past `local`, by bisection in seconds.
  const localOf = (instant: number) => instant + offsetAt(zone, instant);
  let lo = local - Math.max(...offsets); // local time before the gap
  let hi = local - Math.min(...offsets); // local time after it
  if (!(localOf(lo) < local && localOf(hi) >= local)) {
    throw new Error(`Cannot place local time ${formatDay(day)} +${(local - day * DAY) / MINUTE} min in time zone ${zone.name}.`);
  }
  lo = Math.floor(lo / SECOND);
  hi = Math.ceil(hi / SECOND);
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (localOf(mid * SECOND) >= local) hi = mid;
    else lo = mid;
  }
  return hi * SECOND;
}

// ---------------------------------------------------------------------------------------------
// Compiled calendars, cached by content

interface Compiled {
  zone: Zone;
  timezone: string;
  /** Per weekday (0 = Monday): [start, end] in minutes from that day's local midnight, sorted; end > start (up to 48h for a night span). */
  week: Array<Array<[number, number]>>;
  holidays: Set<number>;
  /** Working intervals of a local day, as instants [start0, end0, start1, end1, ...], sorted and disjoint. */
  days: Map<number, number[]>;
}

// Bounded per module instance (Temporal evaluates workflow modules once per workflow run, so these
// caches live as long as the run does in the worker's cache): at most 4 calendars x 512 days.
const CALENDARS_MAX = 4;
const DAYS_PER_CALENDAR_MAX = 512;
const calendars = new Map<string, Compiled>();
let lastKey: string | undefined;
let lastCompiled: Compiled | undefined;
const CLOSED: number[] = [];

function compile(calendar: BusinessCalendar): Compiled {
  let key: string;
  try {
    key = JSON.stringify([calendar.timezone, calendar.workingHours, calendar.holidays]);
  } catch {
    key = '';
  }
  if (key === lastKey && lastCompiled) return lastCompiled;
  let compiled = calendars.get(key);
  if (compiled) {
    calendars.delete(key); // least recently used goes first
  } else {
    const problems = calendarProblems(calendar);
    if (problems.length > 0) throw new Error(`Invalid business calendar: ${problems.join(' ')}`);
    const week = WEEKDAYS.map((weekday) =>
      (calendar.workingHours[weekday] ?? [])
        .map(([start, end]): [number, number] => {
          const s = parseMinutes(start, START_TIME)!;
          const e = parseMinutes(end, END_TIME)!;
          return [s, e > s ? e : e + DAY_MINUTES];
        })
        .sort((a, b) => a[0] - b[0]),
    );
    compiled = { zone: zoneOf(calendar.timezone), timezone: calendar.timezone, week, holidays: new Set(calendar.holidays.map((h) => parseDate(h)!)), days: new Map() };
    if (calendars.size >= CALENDARS_MAX) calendars.delete(calendars.keys().next().value as string);
  }
  calendars.set(key, compiled);
  lastKey = key;
  lastCompiled = compiled;
  return compiled;
}

/** Monday = 0 for a day number (1970-01-01 was a Thursday). */
function weekdayOf(day: number): number {
  return (((day + 3) % 7) + 7) % 7;
}

function workingIntervals(c: Compiled, day: number): number[] {
  const spans = c.week[weekdayOf(day)];
  if (spans.length === 0 || c.holidays.has(day)) return CLOSED;
  let intervals = c.days.get(day);
  if (intervals) return intervals;
  intervals = [];
  const midnight = day * DAY;
  for (const [start, end] of spans) {
    const a = localToInstant(c.zone, midnight + start * MINUTE);
    const b = localToInstant(c.zone, midnight + end * MINUTE);
    if (b <= a) continue; // wholly inside a spring-forward gap
    const n = intervals.length;
    if (n > 0 && intervals[n - 1] >= a) intervals[n - 1] = Math.max(intervals[n - 1], b);
    else intervals.push(a, b);
  }
  if (c.days.size >= DAYS_PER_CALENDAR_MAX) c.days.delete(c.days.keys().next().value as number);
  c.days.set(day, intervals);
  return intervals;
}

function checkInstant(name: string, value: number): void {
  if (typeof value !== 'number' || !(value >= MIN_INSTANT && value <= MAX_INSTANT)) {
    throw new RangeError(`${name} must be an instant in epoch milliseconds between the years 1000 and 9000, got ${String(value)}.`);
  }
}

// ---------------------------------------------------------------------------------------------
// Working time

/** The instant (epoch ms) reached by counting `durationMs` of working time from `startMs`. Negative durations count backwards. Starting outside working hours, counting begins at the next opening (or previous closing, backwards). durationMs = 0 returns startMs unchanged. */
export function addWorkingTime(startMs: number, durationMs: number, calendar: BusinessCalendar): number {
  checkInstant('startMs', startMs);
  if (typeof durationMs !== 'number' || !Number.isFinite(durationMs)) {
    throw new RangeError(`durationMs must be a finite number of milliseconds, got ${String(durationMs)}.`);
  }
  if (durationMs === 0) return startMs;
  const c = compile(calendar);
  const firstDay = Math.floor(startMs / DAY);
  let remaining = Math.abs(durationMs);
  let found = false;
  if (durationMs > 0) {
    for (let day = firstDay - DAY_MARGIN; day <= firstDay + MAX_SEARCH_DAYS; day++) {
      const intervals = workingIntervals(c, day);
      for (let i = 0; i < intervals.length; i += 2) {
        const end = intervals[i + 1];
        if (end <= startMs) continue;
        const start = intervals[i] > startMs ? intervals[i] : startMs;
        found = true;
        if (remaining <= end - start) return start + remaining;
        remaining -= end - start;
      }
    }
  } else {
    for (let day = firstDay + DAY_MARGIN; day >= firstDay - MAX_SEARCH_DAYS; day--) {
      const intervals = workingIntervals(c, day);
      for (let i = intervals.length - 2; i >= 0; i -= 2) {
        const start = intervals[i];
        if (start >= startMs) continue;
        const end = intervals[i + 1] < startMs ? intervals[i + 1] : startMs;
        found = true;
        if (remaining <= end - start) return end - remaining;
        remaining -= end - start;
      }
    }
  }
  const from = formatDay(firstDay);
  throw new Error(
    found
      ? `Working time of ${durationMs} ms from ${from} is not reached within 20 years on the calendar of ${c.timezone}.`
      : `The calendar of ${c.timezone} has no working time within 20 years ${durationMs > 0 ? 'after' : 'before'} ${from} (are all its working days holidays?).`,
  );
}

/** Working time (ms) between two instants; negative when toMs < fromMs. */
export function workingTimeBetween(fromMs: number, toMs: number, calendar: BusinessCalendar): number {
  checkInstant('fromMs', fromMs);
  checkInstant('toMs', toMs);
  if (toMs < fromMs) {
    const forward = workingTimeBetween(toMs, fromMs, calendar);
    return forward === 0 ? 0 : -forward;
  }
  const c = compile(calendar);
  const firstDay = Math.floor(fromMs / DAY);
  const lastDay = Math.floor(toMs / DAY);
  if (lastDay - firstDay > MAX_SEARCH_DAYS) {
    throw new RangeError(`Working time is measured over at most 20 years; ${formatDay(firstDay)} to ${formatDay(lastDay)} is longer.`);
  }
  let total = 0;
  for (let day = firstDay - DAY_MARGIN; day <= lastDay + DAY_MARGIN; day++) {
    const intervals = workingIntervals(c, day);
    for (let i = 0; i < intervals.length; i += 2) {
      const start = intervals[i] > fromMs ? intervals[i] : fromMs;
      const end = intervals[i + 1] < toMs ? intervals[i + 1] : toMs;
      if (end > start) total += end - start;
    }
  }
  return total;
}
