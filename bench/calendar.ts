// Benchmark: SLA due dates in working time (R36). A 5-working-day target (40 working hours) on a
// Mon-Fri 09:00-17:00 calendar with holidays in Europe/Bucharest, from random instants over a
// year (fixed-seed PRNG), beside the wall-clock baseline `start + 5 days` in the same process.
//
//   npx tsx bench/calendar.ts
//   N=500000 npx tsx bench/calendar.ts

import { fileURLToPath } from 'node:url';
import { addWorkingTime, type BusinessCalendar } from '../workflows/domain/calendar/business-calendar.js';
import { recordResult } from './results.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const TARGET_MS = 40 * HOUR;
const OFFICE: [string, string][] = [['09:00', '17:00']];

/** Romanian public holidays of 2026 (the Orthodox Easter ones included). */
const CALENDAR: BusinessCalendar = {
  timezone: 'Europe/Bucharest',
  workingHours: { mon: OFFICE, tue: OFFICE, wed: OFFICE, thu: OFFICE, fri: OFFICE },
  holidays: ['2026-01-01', '2026-01-02', '2026-01-06', '2026-01-07', '2026-01-24', '2026-04-10', '2026-04-13', '2026-05-01', '2026-06-01', '2026-08-15', '2026-11-30', '2026-12-01', '2026-12-25'],
};

/** mulberry32: a small deterministic PRNG, uniform in [0, 1). */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = a;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

function startInstants(count: number, seed: number): Float64Array {
  const random = prng(seed);
  const from = Date.UTC(2026, 0, 1);
  const span = 365 * DAY;
  const starts = new Float64Array(count);
  for (let i = 0; i < count; i++) starts[i] = from + Math.floor(random() * span);
  return starts;
}

/** Runs `fn` over all starts, returning calls per second and a checksum (so the work is not optimised away). */
function rate(starts: Float64Array, fn: (start: number, i: number) => number): { perSecond: number; checksum: number } {
  let checksum = 0;
  const t0 = performance.now();
  for (let i = 0; i < starts.length; i++) checksum += fn(starts[i], i) % 1000;
  const seconds = (performance.now() - t0) / 1000;
  return { perSecond: starts.length / seconds, checksum };
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

export async function benchCalendar(): Promise<string[]> {
  const n = Number(process.env.N ?? 200_000);
  const starts = startInstants(n, 20260329);

  // Baseline: wall-clock target.
  rate(starts, (s) => s + 5 * DAY);
  const baseline = rate(starts, (s) => s + 5 * DAY);

  // Cold: a calendar never seen before on every call (a different, far-past holiday each time), so
  // validation, compilation and every working day's local-to-instant conversions are paid; the
  // zone's formatter and its memo of offsets at UTC midnights are shared by zone, so stay warm.
  const coldStarts = starts.subarray(0, Math.min(n, 5_000));
  const coldCalendars = Array.from(coldStarts, (_, i) => ({
    ...CALENDAR,
    holidays: [...CALENDAR.holidays, new Date(Date.UTC(1900, 0, 1) + i * DAY).toISOString().slice(0, 10)],
  }));
  const cold = rate(coldStarts, (s, i) => addWorkingTime(s, TARGET_MS, coldCalendars[i]));

  // Warm: one calendar, its working days cached after the first pass over the year.
  rate(starts.subarray(0, Math.min(n, 20_000)), (s) => addWorkingTime(s, TARGET_MS, CALENDAR));
  const warm = rate(starts, (s) => addWorkingTime(s, TARGET_MS, CALENDAR));

  // Warm, but a fresh copy of the calendar object on each call (as after deserialising workflow input).
  const copies = rate(starts, (s) => addWorkingTime(s, TARGET_MS, structuredClone(CALENDAR)));
  recordResult('calendar', {
    throughput: { 'wall-clock start + 5 days (baseline)': baseline.perSecond, 'cached calendar': warm.perSecond, 'fresh copy of the calendar': copies.perSecond, 'new calendar on every call': cold.perSecond },
    ratios: { 'baseline / cached calendar': baseline.perSecond / warm.perSecond, 'baseline / new calendar': baseline.perSecond / cold.perSecond },
  }, { N: n, coldCalls: coldStarts.length });

  return [
    `Due dates: 5 working days (40 h) on Mon-Fri 09:00-17:00, ${CALENDAR.holidays.length} holidays, ${CALENDAR.timezone}; starts at random instants over 2026 (seed 20260329)`,
    `  wall-clock start + 5 days (baseline)          ${fmt(baseline.perSecond).padStart(14)} /s   (${n} calls)`,
    `  addWorkingTime, cached calendar               ${fmt(warm.perSecond).padStart(14)} /s   (${n} calls)`,
    `  addWorkingTime, fresh copy of the calendar    ${fmt(copies.perSecond).padStart(14)} /s   (${n} calls, structuredClone included)`,
    `  addWorkingTime, new calendar on every call    ${fmt(cold.perSecond).padStart(14)} /s   (${coldStarts.length} calls; nothing cached but the zone's formatter)`,
    `  ratio baseline / cached: ${(baseline.perSecond / warm.perSecond).toFixed(0)}x   baseline / new calendar: ${(baseline.perSecond / cold.perSecond).toFixed(0)}x`,
  ];
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  benchCalendar()
    .then((lines) => console.log(lines.join('\n')))
    .catch((error) => {
      console.error(error);
      process.exit(1);
    });
}
