// The bench report as one static HTML page (pure: results in, HTML out): per bench the latest
// figures of each server kind, its ratios over commits, and for bench:scale the command latency
// against the number of open items.

import type { BenchResult } from '../results.js';
import { chartFigure, esc, type ChartSpec, type Series } from './svg.js';

type Summary = { count?: number; p50: number; p99?: number; max?: number };

const ORDER = ['ticket-stories', 'case-stories', 'email-channel', 'calendar', 'command-profile', 'scale', 'timer-accuracy', 'item-growth'];
const COLORS: Record<string, string> = { p50: '#1f77b4', p99: '#d62728', value: '#2ca02c' };
const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#17becf', '#8c564b', '#e377c2'];
/** `dev` draws solid lines with round markers, any other kind dashed lines with squares. */
const dashedKind = (kind: string) => kind !== 'dev';
/** Server kinds, `dev` first. */
const kindsInOrder = (rs: Array<{ serverKind: string }>): string[] =>
  [...new Set(rs.map((r) => r.serverKind))].sort((a, b) => Number(b === 'dev') - Number(a === 'dev') || a.localeCompare(b));

const isSummary = (v: unknown): v is Summary => {
  const o = v as Summary | null;
  return !!o && typeof o === 'object' && typeof o.p50 === 'number' && (typeof o.p99 === 'number' || typeof o.max === 'number');
};
const slug = (s: string) => s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
const fmt = (v: unknown): string =>
  typeof v === 'number' ? (Number.isFinite(v) ? v.toLocaleString('en-US', { maximumFractionDigits: Math.abs(v) >= 100 ? 0 : 2 }) : '–') : v === null || v === undefined ? '–' : String(v);

export function commitKey(r: BenchResult): string {
  return r.commit.dirty ? `${r.commit.sha}+dirty` : r.commit.sha;
}
export function commitLabel(r: BenchResult): string {
  return r.commit.dirty ? `${r.commit.short}*` : r.commit.short;
}

/** Commits in time order (committer date; a dirty tree after its clean commit; then the first run). */
export function commitsInOrder(results: BenchResult[]): Array<{ key: string; label: string; subject: string }> {
  const first = new Map<string, BenchResult>();
  for (const r of [...results].sort((a, b) => a.time.localeCompare(b.time))) if (!first.has(commitKey(r))) first.set(commitKey(r), r);
  return [...first.values()]
    .sort((a, b) => Date.parse(a.commit.time) - Date.parse(b.commit.time) || Number(a.commit.dirty) - Number(b.commit.dirty) || a.time.localeCompare(b.time))
    .map((r) => ({ key: commitKey(r), label: commitLabel(r), subject: r.commit.subject }));
}

/** `figures.ratios` with every value as named parts: a bare number is `value`. */
export function ratiosOf(r: BenchResult): Map<string, Record<string, number>> {
  const out = new Map<string, Record<string, number>>();
  const ratios = r.figures.ratios;
  if (!ratios || typeof ratios !== 'object') return out;
  for (const [name, v] of Object.entries(ratios as Record<string, unknown>)) {
    if (typeof v === 'number') out.set(name, { value: v });
    else if (v && typeof v === 'object') {
      const parts = Object.entries(v as Record<string, unknown>).filter((e): e is [string, number] => typeof e[1] === 'number');
      if (parts.length) out.set(name, Object.fromEntries(parts));
    }
  }
  return out;
}

/** The latest result of each (commit, server kind): what a chart over commits shows. */
function latestPerCommitAndKind(results: BenchResult[]): Map<string, BenchResult> {
  const out = new Map<string, BenchResult>();
  for (const r of [...results].sort((a, b) => a.time.localeCompare(b.time))) out.set(`${commitKey(r)} ${r.serverKind}`, r);
  return out;
}

/** One chart per ratio of one bench: x the commits in time order, a series per part (p50, p99) and server kind. */
export function ratioCharts(bench: string, results: BenchResult[]): ChartSpec[] {
  const withRatios = results.filter((r) => ratiosOf(r).size > 0);
  if (withRatios.length === 0) return [];
  const commits = commitsInOrder(withRatios);
  const index = new Map(commits.map((c, i) => [c.key, i]));
  const kinds = kindsInOrder(withRatios);
  const latest = latestPerCommitAndKind(withRatios);
  // Ratio names: the newest result's order first, then any only older runs had.
  const names = [...new Set([...withRatios].reverse().flatMap((r) => [...ratiosOf(r).keys()]))];
  return names.map((name) => {
    const series: Series[] = [];
    const parts = [...new Set(withRatios.flatMap((r) => Object.keys(ratiosOf(r).get(name) ?? {})))];
    for (const part of parts) {
      for (const kind of kinds) {
        const points = commits.flatMap((c) => {
          const r = latest.get(`${c.key} ${kind}`);
          const y = r && ratiosOf(r).get(name)?.[part];
          return typeof y === 'number' ? [{ x: index.get(c.key)!, y, label: `${name} ${part} on ${kind}, ${c.label}: ${y.toFixed(2)}x (${r!.time})` }] : [];
        });
        if (points.length) series.push({ name: `${part} · ${kind}`, color: COLORS[part] ?? PALETTE[parts.indexOf(part) % PALETTE.length], dashed: dashedKind(kind), points });
      }
    }
    return {
      id: `ratio-${slug(bench)}-${slug(name)}`,
      title: name,
      yLabel: 'ratio (x)',
      xLabel: 'commit (time order; * = uncommitted changes)',
      xTicks: commits.map((c, i) => ({ x: i, label: c.label })),
      series,
      refY: 1,
    };
  });
}

/** bench:scale: command latency (p50, then p99) against the open items, the latest run at each size per server kind. */
export function openItemsCharts(results: BenchResult[]): ChartSpec[] {
  type Row = { openItems: number; [series: string]: unknown };
  const latest = new Map<string, { y: Summary; r: BenchResult }>(); // `${kind}\t${series}\t${items}`
  for (const r of [...results].sort((a, b) => a.time.localeCompare(b.time))) {
    const rows = r.figures.openItems;
    if (!Array.isArray(rows)) continue;
    for (const row of rows as Row[]) {
      if (typeof row?.openItems !== 'number') continue;
      for (const [series, y] of Object.entries(row)) if (isSummary(y)) latest.set(`${r.serverKind}\t${series}\t${row.openItems}`, { y, r });
    }
  }
  if (latest.size === 0) return [];
  const keys = [...latest.keys()].map((k) => k.split('\t'));
  const kinds = kindsInOrder(keys.map((k) => ({ serverKind: k[0] })));
  const names = [...new Set(keys.map((k) => k[1]))];
  const sizes = [...new Set(keys.map((k) => Number(k[2])))].sort((a, b) => a - b);
  return (['p50', 'p99'] as const).map((q) => ({
    id: `open-items-${q}`,
    title: `Latency against open items, ${q}`,
    yLabel: `${q} (ms)`,
    xLabel: 'open items (log scale)',
    xScale: 'log1p' as const,
    xTicks: sizes.map((n) => ({ x: n, label: n.toLocaleString('en-US') })),
    series: kinds.flatMap((kind) =>
      names.map((name, i) => ({
        name: `${name} · ${kind}`,
        color: PALETTE[i % PALETTE.length],
        dashed: dashedKind(kind),
        points: sizes.flatMap((n) => {
          const hit = latest.get(`${kind}\t${name}\t${n}`);
          const y = hit?.y[q];
          return typeof y === 'number' ? [{ x: n, y, label: `${name} ${q} on ${kind} with ${n} open: ${y.toFixed(1)} ms (${commitLabel(hit!.r)}, ${hit!.r.time})` }] : [];
        }),
      })),
    ),
  }));
}

/** The charts the page opens with: the API's ratios to the bare Update and to its floor, and latency against open items. */
const HEADLINE: Array<[string, string]> = [['ticket-stories', 'API request / bare Update'], ['ticket-stories', 'API request / Temporal work alone (floor)']];
export function headlineCharts(results: BenchResult[]): ChartSpec[] {
  const of = (bench: string) => results.filter((r) => r.bench === bench);
  return [
    ...HEADLINE.flatMap(([bench, name]) => ratioCharts(bench, of(bench)).filter((c) => c.title === name).map((c) => ({ ...c, title: `${bench}: ${name}` }))),
    ...openItemsCharts(of('scale')).map((c) => ({ ...c, title: `scale: ${c.title}` })),
  ].map((c) => ({ ...c, id: `headline-${c.id}` }));
}

/** Every figure of a result as table rows: latency summaries, ratios, and everything else. */
export function figureRows(r: BenchResult): { latency: Array<[string, Summary]>; ratios: Array<[string, Record<string, number>]>; other: Array<[string, string]> } {
  const latency: Array<[string, Summary]> = [];
  const other: Array<[string, string]> = [];
  const walk = (v: unknown, path: string): void => {
    if (isSummary(v)) latency.push([path, v]);
    else if (Array.isArray(v)) {
      if (v.length > 12 || v.every((x) => x === null || typeof x !== 'object')) other.push([path, v.length > 12 ? `${v.length} entries` : v.map(fmt).join(', ')]);
      else v.forEach((x, i) => walk(x, `${path}[${i}]`));
    } else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, path ? `${path}.${k}` : k);
    else {
      const text = fmt(v);
      other.push([path, text.length > 160 ? `${text.slice(0, 157)}...` : text]);
    }
  };
  for (const [k, v] of Object.entries(r.figures)) {
    if (k === 'ratios' || k === 'openItems') continue;
    walk(v, k === 'series' ? '' : k);
  }
  return { latency, ratios: [...ratiosOf(r)], other };
}

function latestTables(r: BenchResult): string {
  const { latency, ratios, other } = figureRows(r);
  const params = Object.entries(r.params).map(([k, v]) => `${esc(k)}=${esc(fmt(v))}`).join(' ') || 'defaults';
  const m = r.machine;
  const head = [
    `<h3>Latest on <span class="kind">${esc(r.serverKind)}</span></h3>`,
    `<p class="meta">${esc(r.time)} · commit <code title="${esc(r.commit.sha)}">${esc(commitLabel(r))}</code> ${esc(r.commit.subject.slice(0, 90))}${r.commit.dirty ? ' (uncommitted changes)' : ''}` +
      ` · ${m.cpus} cpus ${esc(m.cpuModel)}, Node ${esc(m.node)} · ${params}</p>`,
  ];
  const parts: string[] = [];
  if (latency.length) {
    const max = latency.some(([, s]) => s.max !== undefined); // a max column only when some series has one
    parts.push(`<table class="latency"><thead><tr><th>series</th><th>n</th><th>p50 ms</th><th>p99 ms</th>${max ? '<th>max ms</th>' : ''}</tr></thead><tbody>`);
    for (const [name, s] of latency)
      parts.push(`<tr><td>${esc(name)}</td><td>${fmt(s.count)}</td><td>${fmt(s.p50)}</td><td>${fmt(s.p99)}</td>${max ? `<td>${fmt(s.max)}</td>` : ''}</tr>`);
    parts.push('</tbody></table>');
  }
  if (ratios.length) {
    parts.push('<table class="ratios"><thead><tr><th>ratio</th><th>value</th></tr></thead><tbody>');
    for (const [name, v] of ratios) parts.push(`<tr><td>${esc(name)}</td><td>${Object.entries(v).map(([k, x]) => `${k === 'value' ? '' : `${esc(k)} `}${x.toFixed(2)}x`).join(' · ')}</td></tr>`);
    parts.push('</tbody></table>');
  }
  // The other figures, a table per top-level key (`cpuPerRequest`, `history`, ...); lone values together.
  const groups = new Map<string, Array<[string, string]>>();
  for (const [path, v] of other) {
    const [, first, rest] = /^([^.[]*)[.]?(.*)$/.exec(path)!;
    const group = rest ? first : '';
    groups.set(group, [...(groups.get(group) ?? []), [rest || first, v]]);
  }
  for (const [group, rows] of [...groups].sort(([a], [b]) => Number(a !== '') - Number(b !== ''))) {
    parts.push(`<table class="other"><thead><tr><th>${esc(group || 'figure')}</th><th>value</th></tr></thead><tbody>`);
    for (const [name, v] of rows) parts.push(`<tr><td>${esc(name)}</td><td>${esc(v)}</td></tr>`);
    parts.push('</tbody></table>');
  }
  return `<div class="latest">${head.join('')}<div class="tables">${parts.join('')}</div></div>`;
}

const STYLE = `
body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222;max-width:1320px}
h1{margin:0 0 4px}h2{margin:28px 0 4px;border-bottom:1px solid #ccc}h3{margin:14px 0 4px;font-size:15px}
.meta{color:#555;margin:2px 0 8px}code{background:#f3f3f3;padding:0 3px}
.kind{background:#eef;padding:0 5px;border-radius:3px}
table{border-collapse:collapse;margin:4px 0 10px;font-size:13px}td,th{border:1px solid #ddd;padding:2px 8px;text-align:right}
td:first-child,th:first-child{text-align:left}th{background:#f6f6f6}
.tables{display:flex;flex-wrap:wrap;gap:0 16px;align-items:flex-start}
.charts{display:flex;flex-wrap:wrap;gap:8px}
figure.chart-box{margin:0;border:1px solid #e3e3e3;padding:6px;width:400px}
figcaption{font-weight:600;font-size:13px}
svg.chart .grid{stroke:#eee}svg.chart .axis{stroke:#888}svg.chart .ref{stroke:#999;stroke-dasharray:2 3}
svg.chart .tick{font-size:10px;fill:#555}svg.chart .label{font-size:11px;fill:#333}
svg.chart path.series{fill:none;stroke-width:2}
ul.legend{list-style:none;margin:2px 0 0;padding:0;font-size:12px;display:flex;flex-wrap:wrap;gap:2px 12px}
ul.legend svg{vertical-align:middle;margin-right:4px}
`;

export interface ReportOptions {
  generatedAt?: string;
  source?: string;
}

export function renderReport(results: BenchResult[], options: ReportOptions = {}): string {
  const benches = [...new Set(results.map((r) => r.bench))].sort((a, b) => {
    const [i, j] = [ORDER.indexOf(a), ORDER.indexOf(b)].map((k) => (k < 0 ? ORDER.length : k));
    return i - j || a.localeCompare(b);
  });
  const kinds = kindsInOrder(results);
  const sections = benches.map((bench) => {
    const of = results.filter((r) => r.bench === bench);
    const latest = kinds.flatMap((k) => of.filter((r) => r.serverKind === k).slice(-1));
    const ratio = ratioCharts(bench, of);
    const open = bench === 'scale' ? openItemsCharts(of) : [];
    return [
      `<section class="bench" id="bench-${slug(bench)}"><h2>${esc(bench)}</h2>`,
      `<p class="meta">${of.length} run${of.length === 1 ? '' : 's'} over ${commitsInOrder(of).length} commit${commitsInOrder(of).length === 1 ? '' : 's'}</p>`,
      open.length ? `<h3>Latency against open items</h3><div class="charts">${open.map(chartFigure).join('')}</div>` : '',
      ratio.length ? `<h3>Ratios over commits</h3><div class="charts">${ratio.map(chartFigure).join('')}</div>` : '',
      latest.map(latestTables).join(''),
      '</section>',
    ].join('');
  });
  const headline = headlineCharts(results);
  const nav = benches.map((b) => `<a href="#bench-${slug(b)}">${esc(b)}</a>`).join(' · ');
  const body = results.length
    ? `<p class="meta">${results.length} results of ${benches.length} benches over ${commitsInOrder(results).length} commits; server kinds: ${kinds.map(esc).join(', ')} ` +
      `(${kinds.length > 1 ? 'solid lines and round markers: dev; dashed lines and squares: other kinds' : 'one kind'}). Generated ${esc(options.generatedAt ?? new Date().toISOString())}` +
      `${options.source ? ` from ${esc(options.source)}` : ''}.</p><nav>${nav}</nav>` +
      (headline.length ? `<section id="headline"><h2>Headline</h2><div class="charts">${headline.map(chartFigure).join('')}</div></section>` : '') +
      sections.join('')
    : `<p class="meta">No results${options.source ? ` in ${esc(options.source)}` : ''}: run a bench first (each writes bench/results/&lt;bench&gt;-&lt;time&gt;.json).</p>`;
  return `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>Benchmark results</title><style>${STYLE}</style></head><body><h1>Benchmark results</h1>${body}</body></html>\n`;
}
