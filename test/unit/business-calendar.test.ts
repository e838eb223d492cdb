// Pure tests of working-time arithmetic on business calendars (R36: due dates counted in working
// time): opening hours, weekends, holidays, lunch breaks, night shifts, DST changes, negative
// durations, validation, and property-based checks over random calendars and zones.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  addWorkingTime,
  calendarProblems,
  workingTimeBetween,
  WEEKDAYS,
  type BusinessCalendar,
  type Span,
  type Weekday,
} from '../../workflows/domain/calendar/business-calendar.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** An instant from an ISO string with its offset, e.g. '2026-06-01T09:00+03:00'. */
const t = (iso: string): number => {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new Error(`bad test instant ${iso}`);
  return ms;
};
const iso = (ms: number): string => new Date(ms).toISOString();

function calendar(timezone: string, days: Weekday[], spans: Span[], holidays: string[] = []): BusinessCalendar {
  return { timezone, workingHours: Object.fromEntries(days.map((d) => [d, spans])), holidays };
}
const MON_FRI: Weekday[] = ['mon', 'tue', 'wed', 'thu', 'fri'];
const OFFICE = calendar('Europe/Bucharest', MON_FRI, [['09:00', '17:00']]);

// 2026-06-01 is a Monday; Bucharest is at +03:00 in summer and +02:00 in winter.
describe('addWorkingTime on Mon-Fri 09:00-17:00 (Europe/Bucharest)', () => {
  it.each([
    ['2026-06-01T10:00+03:00', 2 * HOUR, '2026-06-01T12:00+03:00'],
    ['2026-06-01T09:00+03:00', 8 * HOUR, '2026-06-01T17:00+03:00'],
    ['2026-06-01T16:00+03:00', 2 * HOUR, '2026-06-02T10:00+03:00'],
    ['2026-06-01T09:00+03:00', 40 * HOUR, '2026-06-05T17:00+03:00'],
    ['2026-06-01T10:00+03:00', 40 * HOUR, '2026-06-08T10:00+03:00'],
    ['2026-01-05T13:30+02:00', 30 * MINUTE, '2026-01-05T14:00+02:00'],
    ['2026-06-01T10:00+03:00', 1, '2026-06-01T10:00:00.001+03:00'],
  ])('R36: from %s, %d ms of working time lands at %s', (start, duration, due) => {
    expect(iso(addWorkingTime(t(start), duration, OFFICE))).toBe(iso(t(due)));
  });

  it('R36: a target started Friday 16:00 lands on Monday', () => {
    expect(iso(addWorkingTime(t('2026-06-05T16:00+03:00'), 2 * HOUR, OFFICE))).toBe(iso(t('2026-06-08T10:00+03:00')));
    expect(iso(addWorkingTime(t('2026-06-05T16:00+03:00'), 40 * HOUR, OFFICE))).toBe(iso(t('2026-06-12T16:00+03:00')));
    // one hour is used up exactly at Friday's closing, not at Monday's opening
    expect(iso(addWorkingTime(t('2026-06-05T16:00+03:00'), HOUR, OFFICE))).toBe(iso(t('2026-06-05T17:00+03:00')));
  });

  it.each([
    ['on Saturday', '2026-06-06T12:00+03:00', '2026-06-08T10:00+03:00'],
    ['on Sunday night', '2026-06-07T23:59+03:00', '2026-06-08T10:00+03:00'],
    ['at 07:00', '2026-06-02T07:00+03:00', '2026-06-02T10:00+03:00'],
    ['at 18:00', '2026-06-02T18:00+03:00', '2026-06-03T10:00+03:00'],
    ['at 17:00 sharp (closing)', '2026-06-02T17:00+03:00', '2026-06-03T10:00+03:00'],
    ['at 09:00 sharp (opening)', '2026-06-02T09:00+03:00', '2026-06-02T10:00+03:00'],
  ])('R36: submitted %s, counting starts at the next opening', (_when, start, due) => {
    expect(iso(addWorkingTime(t(start), HOUR, OFFICE))).toBe(iso(t(due)));
  });

  it('R36: a zero duration returns the start unchanged, even outside working hours', () => {
    const saturday = t('2026-06-06T12:34:56.789+03:00');
    expect(addWorkingTime(saturday, 0, OFFICE)).toBe(saturday);
    expect(addWorkingTime(saturday, -0, OFFICE)).toBe(saturday);
  });

  it('R36: the calendar is read at every call (a changed holiday list changes the answer)', () => {
    const cal = calendar('Europe/Bucharest', MON_FRI, [['09:00', '17:00']]);
    const start = t('2026-06-04T16:00+03:00');
    expect(iso(addWorkingTime(start, 2 * HOUR, cal))).toBe(iso(t('2026-06-05T10:00+03:00')));
    cal.holidays.push('2026-06-05');
    expect(iso(addWorkingTime(start, 2 * HOUR, cal))).toBe(iso(t('2026-06-08T10:00+03:00')));
    cal.holidays.pop();
    expect(iso(addWorkingTime(start, 2 * HOUR, cal))).toBe(iso(t('2026-06-05T10:00+03:00')));
  });
});

describe('lunch breaks, holidays and night shifts', () => {
  const LUNCH = calendar('Europe/Bucharest', MON_FRI, [['09:00', '12:00'], ['13:00', '17:00']]);

  it('R36: a lunch break (two spans a day) is not counted', () => {
    expect(iso(addWorkingTime(t('2026-06-01T11:00+03:00'), 2 * HOUR, LUNCH))).toBe(iso(t('2026-06-01T14:00+03:00')));
    expect(iso(addWorkingTime(t('2026-06-01T12:30+03:00'), 30 * MINUTE, LUNCH))).toBe(iso(t('2026-06-01T13:30+03:00')));
    expect(iso(addWorkingTime(t('2026-06-01T11:00+03:00'), HOUR, LUNCH))).toBe(iso(t('2026-06-01T12:00+03:00')));
    expect(workingTimeBetween(t('2026-06-01T00:00+03:00'), t('2026-06-02T00:00+03:00'), LUNCH)).toBe(7 * HOUR);
    expect(iso(addWorkingTime(t('2026-06-01T14:00+03:00'), -2 * HOUR, LUNCH))).toBe(iso(t('2026-06-01T11:00+03:00')));
  });

  it('R36: a holiday on a Friday is skipped', () => {
    const cal = calendar('Europe/Bucharest', MON_FRI, [['09:00', '17:00']], ['2026-06-05']);
    expect(iso(addWorkingTime(t('2026-06-04T16:00+03:00'), 2 * HOUR, cal))).toBe(iso(t('2026-06-08T10:00+03:00')));
    expect(iso(addWorkingTime(t('2026-06-05T10:00+03:00'), HOUR, cal))).toBe(iso(t('2026-06-08T10:00+03:00')));
    expect(iso(addWorkingTime(t('2026-06-01T09:00+03:00'), 40 * HOUR, cal))).toBe(iso(t('2026-06-08T17:00+03:00')));
    expect(iso(addWorkingTime(t('2026-06-08T10:00+03:00'), -2 * HOUR, cal))).toBe(iso(t('2026-06-04T16:00+03:00')));
  });

  const NIGHTS = calendar('Europe/Bucharest', MON_FRI, [['22:00', '06:00']]);

  it('R36: a night shift 22:00-06:00 crosses midnight and belongs to the day it starts on', () => {
    expect(iso(addWorkingTime(t('2026-06-01T23:00+03:00'), 2 * HOUR, NIGHTS))).toBe(iso(t('2026-06-02T01:00+03:00')));
    expect(iso(addWorkingTime(t('2026-06-02T05:00+03:00'), 2 * HOUR, NIGHTS))).toBe(iso(t('2026-06-02T23:00+03:00')));
    // Friday's shift runs into Saturday morning; Saturday and Sunday have none
    expect(iso(addWorkingTime(t('2026-06-05T23:00+03:00'), 7 * HOUR, NIGHTS))).toBe(iso(t('2026-06-06T06:00+03:00')));
    expect(iso(addWorkingTime(t('2026-06-05T23:00+03:00'), 8 * HOUR, NIGHTS))).toBe(iso(t('2026-06-08T23:00+03:00')));
    expect(iso(addWorkingTime(t('2026-06-07T23:00+03:00'), HOUR, NIGHTS))).toBe(iso(t('2026-06-08T23:00+03:00')));
    expect(workingTimeBetween(t('2026-06-01T00:00+03:00'), t('2026-06-08T00:00+03:00'), NIGHTS)).toBe(40 * HOUR);
  });

  it('R36: a night shift started the day before a holiday counts, one started on the holiday does not', () => {
    const cal = { ...NIGHTS, holidays: ['2026-06-05'] };
    expect(iso(addWorkingTime(t('2026-06-04T23:00+03:00'), 7 * HOUR, cal))).toBe(iso(t('2026-06-05T06:00+03:00')));
    expect(iso(addWorkingTime(t('2026-06-04T23:00+03:00'), 8 * HOUR, cal))).toBe(iso(t('2026-06-08T23:00+03:00')));
  });
});

describe('DST changes', () => {
  // Europe/Bucharest: 2026-03-29 03:00 EET -> 04:00 EEST; 2026-10-25 04:00 EEST -> 03:00 EET (both Sundays)
  const EARLY_SUNDAY = calendar('Europe/Bucharest', ['sun'], [['02:00', '06:00']]);

  it('R36: on the spring-forward day in Europe/Bucharest a 02:00-06:00 span is 3 hours', () => {
    const from = t('2026-03-29T00:00+02:00');
    expect(workingTimeBetween(from, t('2026-03-30T00:00+03:00'), EARLY_SUNDAY)).toBe(3 * HOUR);
    expect(iso(addWorkingTime(from, 3 * HOUR, EARLY_SUNDAY))).toBe(iso(t('2026-03-29T06:00+03:00')));
    expect(iso(addWorkingTime(from, HOUR + MINUTE, EARLY_SUNDAY))).toBe(iso(t('2026-03-29T04:01+03:00')));
    // the Sunday before, a normal day: 4 hours
    expect(workingTimeBetween(t('2026-03-22T00:00+02:00'), t('2026-03-23T00:00+02:00'), EARLY_SUNDAY)).toBe(4 * HOUR);
  });

  it('R36: on the fall-back day in Europe/Bucharest a 02:00-06:00 span is 5 hours', () => {
    const from = t('2026-10-25T00:00+03:00');
    expect(workingTimeBetween(from, t('2026-10-26T00:00+02:00'), EARLY_SUNDAY)).toBe(5 * HOUR);
    expect(iso(addWorkingTime(from, 5 * HOUR, EARLY_SUNDAY))).toBe(iso(t('2026-10-25T06:00+02:00')));
    // through the repeated hour: 02:00 EEST + 2h = 03:00 EET (the second 03:00)
    expect(iso(addWorkingTime(from, 2 * HOUR, EARLY_SUNDAY))).toBe(iso(t('2026-10-25T03:00+02:00')));
  });

  it('R36: a local time inside the spring-forward gap maps to the instant just after the gap', () => {
    const inGap = calendar('Europe/Bucharest', ['sun'], [['03:30', '05:00']]);
    const from = t('2026-03-29T00:00+02:00');
    expect(iso(addWorkingTime(from, MINUTE, inGap))).toBe(iso(t('2026-03-29T04:01+03:00')));
    expect(workingTimeBetween(from, t('2026-03-30T00:00+03:00'), inGap)).toBe(HOUR);
    const wholeGap = calendar('Europe/Bucharest', ['sun'], [['03:10', '03:50'], ['10:00', '11:00']]);
    expect(workingTimeBetween(from, t('2026-03-30T00:00+03:00'), wholeGap)).toBe(HOUR);
  });

  it('R36: Mon-Fri office hours across the Bucharest DST weekends keep 8 hours a day', () => {
    expect(iso(addWorkingTime(t('2026-03-27T16:00+02:00'), 2 * HOUR, OFFICE))).toBe(iso(t('2026-03-30T10:00+03:00')));
    expect(iso(addWorkingTime(t('2026-10-23T16:00+03:00'), 2 * HOUR, OFFICE))).toBe(iso(t('2026-10-26T10:00+02:00')));
    expect(workingTimeBetween(t('2026-03-23T00:00+02:00'), t('2026-04-06T00:00+03:00'), OFFICE)).toBe(80 * HOUR);
  });

  // America/New_York: 2026-03-08 02:00 EST -> 03:00 EDT; 2026-11-01 02:00 EDT -> 01:00 EST
  it('R36: spring-forward and fall-back days in America/New_York', () => {
    const sunday = calendar('America/New_York', ['sun'], [['01:00', '05:00']]);
    expect(workingTimeBetween(t('2026-03-08T00:00-05:00'), t('2026-03-09T00:00-04:00'), sunday)).toBe(3 * HOUR);
    expect(iso(addWorkingTime(t('2026-03-08T00:00-05:00'), 3 * HOUR, sunday))).toBe(iso(t('2026-03-08T05:00-04:00')));
    expect(workingTimeBetween(t('2026-11-01T00:00-04:00'), t('2026-11-02T00:00-05:00'), sunday)).toBe(5 * HOUR);
    expect(iso(addWorkingTime(t('2026-11-01T00:00-04:00'), 5 * HOUR, sunday))).toBe(iso(t('2026-11-01T05:00-05:00')));
    // a night shift Saturday 22:00 -> Sunday 06:00 across each change
    const saturdayNight = calendar('America/New_York', ['sat'], [['22:00', '06:00']]);
    expect(workingTimeBetween(t('2026-03-07T00:00-05:00'), t('2026-03-09T00:00-04:00'), saturdayNight)).toBe(7 * HOUR);
    expect(workingTimeBetween(t('2026-10-31T00:00-04:00'), t('2026-11-02T00:00-05:00'), saturdayNight)).toBe(9 * HOUR);
  });

  // America/Santiago changes at midnight: 2026-09-06 00:00 -> 01:00 (-04 -> -03); 2026-04-05 00:00 -> 2026-04-04 23:00
  it('R36: a zone that changes at midnight: a missing 00:00 opens at 01:00, a repeated 23:00 counts from its first occurrence', () => {
    const sundayEarly = calendar('America/Santiago', ['sun'], [['00:00', '02:00']]);
    expect(iso(addWorkingTime(t('2026-09-05T00:00-04:00'), MINUTE, sundayEarly))).toBe(iso(t('2026-09-06T01:01-03:00')));
    expect(workingTimeBetween(t('2026-09-05T00:00-04:00'), t('2026-09-07T00:00-03:00'), sundayEarly)).toBe(HOUR);
    const saturdayLate = calendar('America/Santiago', ['sat'], [['23:00', '01:00']]);
    expect(workingTimeBetween(t('2026-04-04T00:00-03:00'), t('2026-04-06T00:00-04:00'), saturdayLate)).toBe(3 * HOUR);
    expect(iso(addWorkingTime(t('2026-04-04T00:00-03:00'), MINUTE, saturdayLate))).toBe(iso(t('2026-04-04T23:01-03:00')));
  });
});

describe('negative durations', () => {
  it.each([
    ['2026-06-01T10:00+03:00', -2 * HOUR, '2026-05-29T16:00+03:00'],
    ['2026-06-01T11:00+03:00', -2 * HOUR, '2026-06-01T09:00+03:00'],
    ['2026-06-01T09:00+03:00', -HOUR, '2026-05-29T16:00+03:00'],
    ['2026-06-06T12:00+03:00', -HOUR, '2026-06-05T16:00+03:00'],
    ['2026-06-02T07:00+03:00', -HOUR, '2026-06-01T16:00+03:00'],
    ['2026-06-02T18:00+03:00', -HOUR, '2026-06-02T16:00+03:00'],
    ['2026-06-05T17:00+03:00', -40 * HOUR, '2026-06-01T09:00+03:00'],
  ])('R36: from %s, %d ms counts backwards to %s', (start, duration, due) => {
    expect(iso(addWorkingTime(t(start), duration, OFFICE))).toBe(iso(t(due)));
  });
});

describe('workingTimeBetween', () => {
  it('R36: a Mon-Fri 09:00-17:00 week holds 40 working hours', () => {
    expect(workingTimeBetween(t('2026-06-01T00:00+03:00'), t('2026-06-08T00:00+03:00'), OFFICE)).toBe(40 * HOUR);
    expect(workingTimeBetween(t('2026-06-01T09:00+03:00'), t('2026-06-05T17:00+03:00'), OFFICE)).toBe(40 * HOUR);
    expect(workingTimeBetween(t('2026-06-01T12:00+03:00'), t('2026-06-01T12:30+03:00'), OFFICE)).toBe(30 * MINUTE);
  });

  it('R36: a week with a holiday holds 32 working hours', () => {
    const cal = calendar('Europe/Bucharest', MON_FRI, [['09:00', '17:00']], ['2026-06-03']);
    expect(workingTimeBetween(t('2026-06-01T00:00+03:00'), t('2026-06-08T00:00+03:00'), cal)).toBe(32 * HOUR);
  });

  it('R36: reversed arguments give a negative working time, and an empty range zero', () => {
    expect(workingTimeBetween(t('2026-06-08T00:00+03:00'), t('2026-06-01T00:00+03:00'), OFFICE)).toBe(-40 * HOUR);
    const saturday = t('2026-06-06T10:00+03:00');
    expect(workingTimeBetween(saturday, saturday, OFFICE)).toBe(0);
    expect(workingTimeBetween(saturday + DAY, saturday, OFFICE)).toBe(0); // not -0
  });

  it('R36: refuses a range over 20 years rather than walking it', () => {
    expect(() => workingTimeBetween(t('2000-01-01T00:00Z'), t('2030-01-01T00:00Z'), OFFICE)).toThrow(/20 years/);
  });
});

describe('calendarProblems', () => {
  it('R36: a valid calendar has no problems', () => {
    expect(calendarProblems(OFFICE)).toEqual([]);
    expect(calendarProblems(calendar('America/New_York', ['sat'], [['22:00', '06:00']], ['2026-12-25']))).toEqual([]);
    expect(calendarProblems({ timezone: 'UTC', workingHours: { mon: [['00:00', '24:00']], tue: [] }, holidays: [] })).toEqual([]);
  });

  it('R36: an unknown time zone is a problem', () => {
    const problems = calendarProblems({ ...OFFICE, timezone: 'Europe/Atlantis' });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/Unknown time zone "Europe\/Atlantis"/);
    expect(calendarProblems({ ...OFFICE, timezone: '' })[0]).toMatch(/time zone is missing/);
    expect(calendarProblems({ ...OFFICE, timezone: '+02:00' })[0]).toMatch(/Unknown time zone/);
  });

  it.each([
    ['9:00', '17:00', /start "9:00"/],
    ['09:00', '25:00', /end "25:00"/],
    ['24:00', '06:00', /start "24:00"/],
    ['09:60', '17:00', /start "09:60"/],
    ['09:00', '24:01', /end "24:01"/],
  ])('R36: a bad HH:MM (%s-%s) is a problem', (start, end, message) => {
    const problems = calendarProblems(calendar('UTC', ['mon'], [[start, end]]));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(message);
  });

  it('R36: overlapping spans in a day are a problem, and so is a night shift running into the next day\'s spans', () => {
    const sameDay = calendarProblems(calendar('UTC', ['mon'], [['09:00', '13:00'], ['12:00', '17:00']]));
    expect(sameDay).toEqual([expect.stringMatching(/mon: spans 09:00-13:00 and 12:00-17:00 overlap/)]);
    const nextDay = calendarProblems({ timezone: 'UTC', workingHours: { sun: [['22:00', '06:00']], mon: [['05:00', '09:00']] }, holidays: [] });
    expect(nextDay).toEqual([expect.stringMatching(/sun 22:00-06:00 and mon 05:00-09:00 overlap/)]);
    // touching spans are fine
    expect(calendarProblems(calendar('UTC', ['mon'], [['09:00', '12:00'], ['12:00', '17:00']]))).toEqual([]);
    expect(calendarProblems({ timezone: 'UTC', workingHours: { sun: [['22:00', '06:00']], mon: [['06:00', '09:00']] }, holidays: [] })).toEqual([]);
  });

  it('R36: a bad holiday date is a problem', () => {
    const problems = calendarProblems({ ...OFFICE, holidays: ['2026-02-30', '2026/12/25', '2028-02-29'] });
    expect(problems).toEqual([
      expect.stringMatching(/Holiday "2026-02-30" is not a real date/),
      expect.stringMatching(/Holiday "2026\/12\/25" is not a real date/),
    ]);
  });

  it('R36: a week with no working time at all is a problem, and counting on it throws a clear error', () => {
    const empty: BusinessCalendar = { timezone: 'UTC', workingHours: { mon: [], sat: [] }, holidays: [] };
    expect(calendarProblems(empty)).toEqual([expect.stringMatching(/no working time in the week/)]);
    expect(calendarProblems({ timezone: 'UTC', workingHours: {}, holidays: [] })).toHaveLength(1);
    expect(() => addWorkingTime(t('2026-06-01T00:00Z'), HOUR, empty)).toThrow(/Invalid business calendar: .*no working time/);
    expect(() => workingTimeBetween(t('2026-06-01T00:00Z'), t('2026-06-02T00:00Z'), empty)).toThrow(/Invalid business calendar/);
  });

  it('R36: an unknown weekday and a malformed calendar are problems', () => {
    const problems = calendarProblems({ timezone: 'UTC', workingHours: { monday: [['09:00', '17:00']] } as never, holidays: [] });
    expect(problems).toEqual([expect.stringMatching(/Unknown weekday "monday"/)]);
    expect(calendarProblems({ timezone: 'UTC', workingHours: { mon: ['09:00-17:00'] } as never, holidays: 'none' as never })).toHaveLength(2);
    expect(calendarProblems(null as never)).toHaveLength(1);
  });

  it('R36: when every working day is a holiday for 20 years, the search stops with an error', () => {
    const mondays: string[] = [];
    for (let day = Date.UTC(2026, 5, 1); day < Date.UTC(2047, 0, 1); day += 7 * DAY) mondays.push(new Date(day).toISOString().slice(0, 10));
    const cal = calendar('UTC', ['mon'], [['09:00', '17:00']], mondays);
    expect(() => addWorkingTime(t('2026-06-01T00:00Z'), HOUR, cal)).toThrow(/no working time within 20 years/);
    expect(iso(addWorkingTime(t('2026-06-01T00:00Z'), -HOUR, cal))).toBe('2026-05-25T16:00:00.000Z');
    expect(() => addWorkingTime(t('2026-06-01T00:00Z'), 1e15, OFFICE)).toThrow(/not reached within 20 years/);
  });

  it('R36: non-finite inputs are refused', () => {
    expect(() => addWorkingTime(Number.NaN, HOUR, OFFICE)).toThrow(RangeError);
    expect(() => addWorkingTime(0, Number.POSITIVE_INFINITY, OFFICE)).toThrow(RangeError);
    expect(() => workingTimeBetween(0, Number.NaN, OFFICE)).toThrow(RangeError);
  });
});

// ---------------------------------------------------------------------------------------------
// Property-based checks over random calendars

const ZONES = [
  'UTC',
  'Europe/Bucharest',
  'America/New_York',
  'Europe/London',
  'Asia/Kolkata', // +05:30
  'Australia/Lord_Howe', // 30-minute DST
  'Pacific/Chatham', // +12:45 / +13:45
  'America/St_Johns', // -03:30 with DST
  'America/Santiago', // changes at midnight: 00:00 does not exist on spring-forward day
  'America/Havana', // changes at midnight
  'Africa/Casablanca', // DST suspended around Ramadan
  'Asia/Tokyo',
];

const pad = (n: number) => String(n).padStart(2, '0');
const hhmm = (minutes: number) => `${pad(Math.floor(minutes / 60))}:${pad(minutes % 60)}`;
const dateOf = (day: number) => new Date(day * DAY).toISOString().slice(0, 10);

/** Disjoint spans from sorted points in minutes of the week, paired up (optionally wrapping Sunday into Monday), each at most 24h. */
function weekFromPoints(points: number[], wrap: boolean): BusinessCalendar['workingHours'] {
  const sorted = [...points].sort((a, b) => a - b);
  const pairs: Array<[number, number]> = [];
  if (wrap) {
    for (let i = 1; i + 1 < sorted.length; i += 2) pairs.push([sorted[i], sorted[i + 1]]);
    if (sorted.length % 2 === 0) pairs.push([sorted[sorted.length - 1], sorted[0] + 7 * 1440]);
  } else {
    for (let i = 0; i + 1 < sorted.length; i += 2) pairs.push([sorted[i], sorted[i + 1]]);
  }
  const hours: Partial<Record<Weekday, Span[]>> = {};
  for (const [a, rawB] of pairs) {
    const b = Math.min(rawB, a + 1440);
    const dayIndex = Math.floor(a / 1440);
    const start = a - dayIndex * 1440;
    const end = b - dayIndex * 1440;
    const endText = end === 1440 ? '24:00' : hhmm(end % 1440);
    (hours[WEEKDAYS[dayIndex]] ??= []).push([hhmm(start), endText]);
  }
  return hours;
}

function weeklyWorkingMinutes(points: number[], wrap: boolean): number {
  const hours = weekFromPoints(points, wrap);
  let total = 0;
  for (const spans of Object.values(hours)) {
    for (const [s, e] of spans!) {
      const start = Number(s.slice(0, 2)) * 60 + Number(s.slice(3));
      const end = Number(e.slice(0, 2)) * 60 + Number(e.slice(3));
      total += end > start ? end - start : end + 1440 - start;
    }
  }
  return total;
}

const START_MIN = Date.UTC(2025, 0, 1);
const START_MAX = Date.UTC(2028, 0, 1) - 1;

const scenario = fc
  .record({
    zone: fc.constantFrom(...ZONES),
    points: fc.uniqueArray(fc.integer({ min: 0, max: 7 * 1440 - 1 }), { minLength: 2, maxLength: 14 }),
    wrap: fc.boolean(),
    start: fc.integer({ min: START_MIN, max: START_MAX }),
    holidayOffsets: fc.uniqueArray(fc.integer({ min: -10, max: 60 }), { maxLength: 10 }),
    fractions: fc.tuple(fc.integer({ min: -1_000_000, max: 1_000_000 }), fc.integer({ min: -1_000_000, max: 1_000_000 })),
  })
  .map(({ zone, points, wrap, start, holidayOffsets, fractions }) => {
    const startDay = Math.floor(start / DAY);
    const cal: BusinessCalendar = {
      timezone: zone,
      workingHours: weekFromPoints(points, wrap),
      holidays: holidayOffsets.map((k) => dateOf(startDay + k)),
    };
    // up to 30 working days, a working day being a fifth of the week's working time
    const maxDuration = (30 * weeklyWorkingMinutes(points, wrap) * MINUTE) / 5;
    const [d1, d2] = fractions.map((f) => Math.round((f / 1_000_000) * maxDuration));
    return { cal, start, d1, d2 };
  });

describe('properties over random calendars, zones, starts (2025-2027) and durations (up to 30 working days)', () => {
  const runs = { numRuns: Number(process.env.CALENDAR_PROPERTY_RUNS ?? 150) };

  it('R36: random calendars are valid, and counting d from s then measuring gives back exactly d', () => {
    fc.assert(
      fc.property(scenario, ({ cal, start, d1 }) => {
        expect(calendarProblems(cal)).toEqual([]);
        const due = addWorkingTime(start, d1, cal);
        expect(workingTimeBetween(start, due, cal)).toBe(d1);
        if (d1 > 0) expect(due).toBeGreaterThan(start);
        if (d1 < 0) expect(due).toBeLessThan(start);
      }),
      runs,
    );
  });

  it('R36: addWorkingTime is monotonic in the duration', () => {
    fc.assert(
      fc.property(scenario, ({ cal, start, d1, d2 }) => {
        const [lo, hi] = d1 <= d2 ? [d1, d2] : [d2, d1];
        expect(addWorkingTime(start, lo, cal)).toBeLessThanOrEqual(addWorkingTime(start, hi, cal));
      }),
      runs,
    );
  });

  it('R36: from a start inside working hours, counting d forwards then d backwards returns to the start', () => {
    fc.assert(
      fc.property(scenario, ({ cal, start, d1 }) => {
        const d = Math.abs(d1);
        fc.pre(d > 0);
        // the start itself, or the next opening when it is outside working hours
        const inside = addWorkingTime(start, 1, cal) - 1;
        expect(workingTimeBetween(inside, inside + 1, cal)).toBe(1);
        expect(addWorkingTime(addWorkingTime(inside, d, cal), -d, cal)).toBe(inside);
        // mirrored: backwards then forwards returns to an instant inside (closing included)
        const insideFromBefore = addWorkingTime(start, -1, cal) + 1;
        expect(addWorkingTime(addWorkingTime(insideFromBefore, -d, cal), d, cal)).toBe(insideFromBefore);
      }),
      runs,
    );
  });
});
