// ISO-8601 durations (P3D, PT90M, PT2S, P1W, P1DT2H) to milliseconds. Years and months have no
// fixed length, so they are refused rather than guessed.

const PATTERN = /^P(?:(\d+(?:\.\d+)?)W)?(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;
/** The same grammar as one regular expression that also refuses `P` and a bare `T`, for schemas. */
export const DURATION_PATTERN = /^P(?!$)(?:\d+(?:\.\d+)?W)?(?:\d+(?:\.\d+)?D)?(?:T(?=\d)(?:\d+(?:\.\d+)?H)?(?:\d+(?:\.\d+)?M)?(?:\d+(?:\.\d+)?S)?)?$/;
const UNIT_MS = [7 * 86_400_000, 86_400_000, 3_600_000, 60_000, 1000];

export function parseDurationMs(text: string): number | undefined {
  const match = PATTERN.exec(text);
  if (!match || text === 'P' || text.endsWith('T')) return undefined;
  let total = 0;
  UNIT_MS.forEach((unit, i) => {
    const value = match[i + 1];
    if (value !== undefined) total += Number(value) * unit;
  });
  return Math.round(total);
}

export function isDuration(text: string): boolean {
  return parseDurationMs(text) !== undefined;
}
