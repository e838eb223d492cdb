// Pure tests of the ISO-8601 duration parser used for category feedback windows and SLA rules
// (R21, R36). Years and months have no fixed length, so they are refused.

import { describe, expect, it } from 'vitest';
import { isDuration, parseDurationMs } from '../../workflows/domain/item/duration.js';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

describe('parseDurationMs', () => {
  it.each([
    ['P3D', 3 * DAY],
    ['PT90M', 90 * MINUTE],
    ['PT2S', 2 * SECOND],
    ['P1W', 7 * DAY],
    ['P1DT2H30M', DAY + 2 * HOUR + 30 * MINUTE],
    ['PT0.5S', 500],
    ['P0D', 0],
    ['P1W2DT3H4M5S', 9 * DAY + 3 * HOUR + 4 * MINUTE + 5 * SECOND],
    ['PT1.5H', 90 * MINUTE],
  ])('R21, R36: %s is %d ms', (text, ms) => {
    expect(parseDurationMs(text)).toBe(ms);
    expect(isDuration(text)).toBe(true);
  });

  it.each([
    ['', 'empty'],
    ['P', 'no component'],
    ['PT', 'no time component'],
    ['P1DT', 'a T with nothing after it'],
    ['P1M', 'months have no fixed length'],
    ['P1Y', 'years have no fixed length'],
    ['P1Y2D', 'years mixed with days'],
    ['3D', 'no leading P'],
    ['PT-1S', 'negative'],
    ['-PT1S', 'negative sign before P'],
    ['PT1H2D', 'days after the T'],
    [' P3D', 'leading space'],
    ['P3D ', 'trailing space'],
  ])('R21, R36: %j is refused (%s)', (text) => {
    expect(parseDurationMs(text)).toBeUndefined();
    expect(isDuration(text)).toBe(false);
  });
});
