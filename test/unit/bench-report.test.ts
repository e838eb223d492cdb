// The bench report (npm run bench:report): result files in, one static HTML page out. The pure
// tests check the page's model and the SVG geometry for a known fixture; the browser test opens
// the page, written from fixture files in a temp dir, in headless Chromium (bench/report/chromium.ts)
// and checks that it renders: charts drawn, no console errors. Without Chromium it is skipped.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { writeReport } from '../../bench/report.js';
import { chromiumPath, hasChromium, visit } from '../../bench/report/chromium.js';
import { commitsInOrder, figureRows, openItemsCharts, ratioCharts, renderReport } from '../../bench/report/page.js';
import { chartSvg, niceScale } from '../../bench/report/svg.js';
import { cpuFigures, readResults, recordResult, type BenchResult } from '../../bench/results.js';

const machine = { cpus: 2, cpuModel: 'Test CPU', node: 'v20.0.0', platform: 'linux', arch: 'x64', memoryBytes: 8e9, loadAverage: [0.5, 0.5, 0.5] };
const A = { sha: 'a'.repeat(40), short: 'aaaaaaa', dirty: false, time: '2026-01-01T10:00:00Z', subject: 'first' };
const B = { sha: 'b'.repeat(40), short: 'bbbbbbb', dirty: false, time: '2026-01-02T10:00:00Z', subject: 'second' };
const result = (bench: string, time: string, commit: typeof A, serverKind: string, figures: object, params = {}): BenchResult => ({
  schema: 1, bench, time, commit, serverKind, machine, params, figures: figures as Record<string, unknown>,
});
const s = (p50: number, p99: number) => ({ count: 100, p50, p99, mean: p50 });

/** Two commits, both server kinds; an older run at commit A that the latest one replaces. */
const fixture: BenchResult[] = [
  result('ticket-stories', '2026-01-01T11:00:00Z', A, 'dev', { ratios: { 'API request / bare Update': { p50: 10, p99: 10 } } }),
  result('ticket-stories', '2026-01-01T12:00:00Z', A, 'dev', {
    series: { 'API commands': s(20, 40), 'bare Updates': s(10, 10) },
    ratios: { 'API request / bare Update': { p50: 2, p99: 4 } },
    throughput: { 'stories/s': 3.5 },
  }, { STORIES: 8, CONCURRENCY: 4 }),
  result('ticket-stories', '2026-01-02T11:00:00Z', B, 'dev', { ratios: { 'API request / bare Update': { p50: 3, p99: 5 } } }, { STORIES: 8 }),
  result('ticket-stories', '2026-01-02T12:00:00Z', B, 'cluster', { ratios: { 'API request / bare Update': { p50: 1.5, p99: 2 } } }, { STORIES: 8 }),
  result('calendar', '2026-01-01T11:00:00Z', A, 'dev', { throughput: { baseline: 1e8, cached: 1e6 }, ratios: { 'baseline / cached': 100 } }),
  result('scale', '2026-01-01T13:00:00Z', A, 'dev', { openItems: [{ openItems: 0, commands: s(10, 20) }, { openItems: 1000, commands: s(12, 30) }] }, { ITEMS: 1000 }),
  result('scale', '2026-01-02T13:00:00Z', B, 'dev', { openItems: [{ openItems: 0, commands: s(11, 22) }, { openItems: 10000, commands: s(15, 40) }] }, { ITEMS: 10000 }),
  result('scale', '2026-01-02T14:00:00Z', B, 'cluster', { openItems: [{ openItems: 0, commands: s(8, 16) }, { openItems: 1000, commands: s(9, 18) }] }, { ITEMS: 1000 }),
];
const paths = (svg: string) => [...svg.matchAll(/<path class="series" d="([^"]*)"/g)].map((m) => m[1]);

const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'bench-report-test-'));
  dirs.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('bench report: the page model and its SVG', () => {
  it('orders commits by commit time, a dirty tree after its clean commit', () => {
    const dirty = result('ticket-stories', '2026-01-03T00:00:00Z', { ...A, dirty: true }, 'dev', {});
    expect(commitsInOrder([...fixture, dirty]).map((c) => c.label)).toEqual(['aaaaaaa', 'aaaaaaa*', 'bbbbbbb']);
  });

  it('draws a ratio over commits: the latest run per commit, a series per part and server kind', () => {
    const [chart] = ratioCharts('ticket-stories', fixture.filter((r) => r.bench === 'ticket-stories'));
    expect(chart.xTicks.map((t) => t.label)).toEqual(['aaaaaaa', 'bbbbbbb']);
    expect(chart.series.map((x) => [x.name, x.dashed, x.points.map((p) => [p.x, p.y])])).toEqual([
      ['p50 · dev', false, [[0, 2], [1, 3]]],
      ['p50 · cluster', true, [[1, 1.5]]],
      ['p99 · dev', false, [[0, 4], [1, 5]]],
      ['p99 · cluster', true, [[1, 2]]],
    ]);
    // y axis 0..6 (max 5, step 2) over 168 px from y=14; x from 52 to 372.
    expect(niceScale(5)).toEqual({ max: 6, step: 2 });
    const svg = chartSvg(chart);
    expect(paths(svg)).toEqual(['M52,126L372,98', 'M372,140', 'M52,70L372,42', 'M372,126']);
    expect(svg.match(/<circle class="point"/g)).toHaveLength(4);
    expect(svg.match(/<rect class="point"/g)).toHaveLength(2);
    expect(svg).toContain('<line class="ref" x1="52" x2="372" y1="154" y2="154"/>'); // ratio 1
  });

  it('draws latency against open items on a log scale, the latest run at each size', () => {
    const [p50, p99] = openItemsCharts(fixture.filter((r) => r.bench === 'scale'));
    expect(p50.xTicks.map((t) => t.label)).toEqual(['0', '1,000', '10,000']);
    expect(p50.series.map((x) => [x.name, x.points.map((p) => [p.x, p.y])])).toEqual([
      ['commands · dev', [[0, 11], [1000, 12], [10000, 15]]],
      ['commands · cluster', [[0, 8], [1000, 9]]],
    ]);
    // x = 52 + 320 * log10(1 + n) / log10(10001): 0 -> 52, 1,000 -> 292, 10,000 -> 372; y 0..15.
    expect(paths(chartSvg(p50))).toEqual(['M52,58.8L292,47.6L372,14', 'M52,92.4L292,81.2']);
    expect(p99.series[0].points.map((p) => p.y)).toEqual([22, 30, 40]);
  });

  it('tables every figure of the latest result: latencies, ratios, the rest by path', () => {
    const rows = figureRows(fixture[1]);
    expect(rows.latency.map(([name, x]) => [name, x.p50, x.p99])).toEqual([['API commands', 20, 40], ['bare Updates', 10, 10]]);
    expect(rows.ratios).toEqual([['API request / bare Update', { p50: 2, p99: 4 }]]);
    expect(rows.other).toEqual([['throughput.stories/s', '3.5']]);
  });

  it('renders one self-contained page: a section per bench, both server kinds, nothing fetched', () => {
    const html = renderReport(fixture, { generatedAt: 'now' });
    expect([...html.matchAll(/<section class="bench" id="([^"]+)"/g)].map((m) => m[1])).toEqual(['bench-ticket-stories', 'bench-calendar', 'bench-scale']);
    // Headline: API / bare Update, open items p50 and p99; then the benches' own 4.
    expect([...html.matchAll(/<svg class="chart" id="([^"]+)"/g)].map((m) => m[1])).toEqual([
      'headline-ratio-ticket-stories-api-request-bare-update', 'headline-open-items-p50', 'headline-open-items-p99',
      'ratio-ticket-stories-api-request-bare-update', 'ratio-calendar-baseline-cached', 'open-items-p50', 'open-items-p99',
    ]);
    expect(html).toContain('Latest on <span class="kind">dev</span>');
    expect(html).toContain('Latest on <span class="kind">cluster</span>');
    expect(html).not.toMatch(/<script|<link|src="http|href="http/);
    expect(html).not.toContain('NaN');
  });

  it('reads the CPU line of process-cpu.ts as numbers', () => {
    expect(cpuFigures('CPU per request: this process 1.20 ms (main 0.80, SDK core 0.30), Temporal server 2.50 ms, PostgreSQL 0.40 ms')).toEqual({
      thisProcess: 1.2, threads: { main: 0.8, 'SDK core': 0.3 }, temporalServer: 2.5, postgres: 0.4,
    });
  });

  it('records a result with the commit, the server kind, the machine and the parameters', () => {
    const dir = tempDir();
    const saved = { dir: process.env.BENCH_RESULTS_DIR, kind: process.env.TEMPORAL_SERVER };
    process.env.BENCH_RESULTS_DIR = dir;
    process.env.TEMPORAL_SERVER = 'cluster';
    try {
      const file = recordResult('unit', { series: { x: s(1, 2) }, empty: NaN }, { N: 3 });
      const written = JSON.parse(readFileSync(file, 'utf8'));
      expect(file.startsWith(join(dir, 'unit-'))).toBe(true);
      expect(written).toMatchObject({ schema: 1, bench: 'unit', serverKind: 'cluster', params: { N: 3 }, figures: { series: { x: { p50: 1 } }, empty: null } });
      expect(written.commit.sha).toBe(execFileSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8' }).trim());
      expect(typeof written.commit.dirty).toBe('boolean');
      expect(written.machine.node).toBe(process.version);
      // startBenchServers()'s serverKind, when it gives one, wins.
      expect(JSON.parse(readFileSync(recordResult('unit', {}, {}, { serverKind: 'dev' }), 'utf8')).serverKind).toBe('dev');
    } finally {
      for (const [key, value] of [['BENCH_RESULTS_DIR', saved.dir], ['TEMPORAL_SERVER', saved.kind]] as const)
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
    }
  });
});

const skipReason = hasChromium() ? '' : ` (skipped: no Chromium at ${chromiumPath()}; apt-get install -y --no-install-recommends chromium, or set CHROMIUM_PATH)`;
if (skipReason) console.warn(`bench report in headless Chromium${skipReason}`);

describe('bench report in headless Chromium', () => {
  it.skipIf(!hasChromium())(`renders the page from result files: charts drawn, no console errors${skipReason}`, async () => {
    const dir = tempDir();
    for (const [i, r] of fixture.entries()) writeFileSync(join(dir, `${r.bench}-${i}.json`), JSON.stringify(r));
    // A file from before the format (bench:scale wrote its figures bare, named by Date.now()): read,
    // with an unknown commit; the latest scale run on dev, so its figures are tabled.
    writeFileSync(join(dir, 'scale-1767398400000.json'), JSON.stringify({ items: 10, empty: { commands: s(9, 19), bare: s(3, 6) } }));
    expect(readResults(dir)).toHaveLength(fixture.length + 1);
    const { out, results } = writeReport(dir);
    expect([results, readdirSync(dir).includes('report.html')]).toEqual([fixture.length + 1, true]);

    const page = await visit(pathToFileURL(out).href, {
      evaluate: `(() => {
        const charts = [...document.querySelectorAll('svg.chart')];
        const lines = [...document.querySelectorAll('svg.chart path.series')];
        const inside = (el, svg) => { const a = el.getBoundingClientRect(), b = svg.getBoundingClientRect(); return a.left >= b.left - 4 && a.right <= b.right + 4 && a.top >= b.top - 4 && a.bottom <= b.bottom + 4; };
        return {
          charts: charts.length,
          drawn: charts.filter((c) => { const r = c.getBoundingClientRect(); return r.width >= 300 && r.height >= 200; }).length,
          linesWithLength: lines.filter((p) => p.getTotalLength() > 0).length,
          points: charts.flatMap((c) => [...c.querySelectorAll('.point')].filter((p) => inside(p, c))).length,
          sections: [...document.querySelectorAll('section.bench h2')].map((h) => h.textContent),
          tables: document.querySelectorAll('table').length,
        };
      })()`,
    });
    expect(page.errors).toEqual([]);
    expect(page.value).toEqual({
      charts: 3 + 4,
      drawn: 3 + 4,
      linesWithLength: 2 * (2 + 2 + 2) + 0, // series of more than one point (ratio, open items p50, p99; twice), calendar none
      points: 2 * (6 + 5 + 5) + 1,
      sections: ['ticket-stories', 'calendar', 'scale'],
      tables: 1 + 1 + 2 + 2, // latest of ticket-stories on dev and cluster, of calendar, of scale (the bare file)
    });
  });
});
