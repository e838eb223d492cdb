// `npm run sla:simulate`: what a proposed SLA rule would have done to the items of a period (R45),
// from the command line, straight from PostgreSQL. The items are replayed one at a time by
// api/sla-simulator.ts's `simulate()` (a page of items and of each timeline at a time); this tool
// keeps only the totals and the per-week counts, so its memory does not grow with the period.
// It never writes: its sessions are read-only (default_transaction_read_only) and it runs no
// migrations. Progress goes to stderr (at most once a second), the table to stdout.
//
//   npm run sla:simulate -- --category billing --from 2026-01-01 --to 2026-03-31 --rule rule.yaml [--queue q] [--html report.html]
//
// rule.yaml names the clocks it changes, each a category's stored rule (R36, R37, R44):
//
//   resolution: { target: P4D, calendarId: office, addWaitingTime: true, stopOn: [more_info] }
//   first_response: { target: PT4H }
//
// A clock it does not name keeps each item's category rule as it is now. Dates: an ISO instant
// with an offset, or a day (YYYY-MM-DD, UTC): `--from` its start, `--to` its end (the day included).
// At most 366 days. `--as-of` takes the figures at another instant than now (a service in
// time-skipping mode runs on its own clock: GET /v1/test/clock). DATABASE_URL, or --database-url.
// Exit codes: 0 done (an empty period too), 2 bad input (the line names the field), 1 anything else.

import { readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ConfigStore } from '../api/config-store.js';
import { ApiError } from '../api/errors.js';
import { SIMULATION_MAX_DAYS, SlaRulePut } from '../api/schemas.js';
import { simulate, type SimulatedClock } from '../api/sla-simulator.js';
import { createPool } from '../store/db/pool.js';
import { NotStored } from '../store/config-store.js';
import { ItemStore } from '../store/item-store.js';
import { CLOCK_NAMES, type ClockName } from '../workflows/domain/sla/response-clocks.js';
import { Totals, type ClockRules, type Tally } from '../workflows/domain/sla/simulation.js';

const DAY_MS = 86_400_000;
const USAGE =
  'usage: npm run sla:simulate -- [--category <id>] [--queue <q>] --from <ISO instant or YYYY-MM-DD> --to <...> --rule <rule.yaml> [--html <report.html>] [--as-of <ISO instant>] [--database-url <url>]';

/** Input the tool refuses: one line naming the field, exit code 2. */
export class BadInput extends Error {}

export interface Options {
  categoryId?: string;
  queue?: string;
  from: Date;
  to: Date;
  ruleFile: string;
  html?: string;
  asOf: Date;
  /** --database-url, else DATABASE_URL. */
  databaseUrl?: string;
}

export function parseOptions(argv: string[], env: NodeJS.ProcessEnv = process.env): Options {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        category: { type: 'string' },
        queue: { type: 'string' },
        from: { type: 'string' },
        to: { type: 'string' },
        rule: { type: 'string' },
        html: { type: 'string' },
        'as-of': { type: 'string' },
        'database-url': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new BadInput(`${(error as Error).message} (--help for usage)`);
  }
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const need = (name: string): string => {
    const v = values[name];
    if (typeof v !== 'string' || !v.trim()) throw new BadInput(`--${name}: required (--help for usage)`);
    return v.trim();
  };
  const from = parseInstant(need('from'), '--from', 'start');
  const to = parseInstant(need('to'), '--to', 'end');
  const days = (to.getTime() - from.getTime()) / DAY_MS;
  if (days <= 0) throw new BadInput(`--to: must be after --from (${from.toISOString()} .. ${to.toISOString()})`);
  if (days > SIMULATION_MAX_DAYS) throw new BadInput(`--to: at most ${SIMULATION_MAX_DAYS} days after --from (the period is ${Math.ceil(days)} days)`);
  const asOf = typeof values['as-of'] === 'string' ? parseInstant(values['as-of'] as string, '--as-of', 'start') : new Date();
  const databaseUrl = (values['database-url'] as string | undefined)?.trim() || env.DATABASE_URL?.trim();
  const category = values.category as string | undefined;
  const queue = values.queue as string | undefined;
  return {
    ...(category ? { categoryId: category } : {}),
    ...(queue ? { queue } : {}),
    from,
    to,
    ruleFile: need('rule'),
    ...(typeof values.html === 'string' ? { html: values.html } : {}),
    asOf,
    ...(databaseUrl ? { databaseUrl } : {}),
  };
}

/** An ISO instant with an offset, or a UTC day: its start, or (for `--to`) its end. */
export function parseInstant(text: string, field: string, side: 'start' | 'end'): Date {
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) {
    const start = Date.parse(`${text}T00:00:00Z`);
    if (Number.isNaN(start) || new Date(start).toISOString().slice(0, 10) !== text) throw new BadInput(`${field}: ${text} is not a day (YYYY-MM-DD)`);
    return new Date(side === 'end' ? start + DAY_MS : start);
  }
  if (!z.iso.datetime({ offset: true }).safeParse(text).success) {
    throw new BadInput(`${field}: ${text} is neither an ISO instant with an offset (2026-03-01T09:00:00Z) nor a day (2026-03-01)`);
  }
  return new Date(text);
}

const RuleFile = z.object({ resolution: SlaRulePut.optional(), first_response: SlaRulePut.optional(), next_response: SlaRulePut.optional() }).strict();
export type StoredRules = z.output<typeof RuleFile>;

/** The rule file, checked clock by clock against the API's own schema of a stored rule. */
export function readRuleFile(file: string): StoredRules {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new BadInput(`--rule: cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (error) {
    throw new BadInput(`${file}: not YAML: ${(error as Error).message.split('\n')[0]}`);
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw new BadInput(`${file}: a mapping of clocks to rules, e.g. "resolution: { target: P4D }"`);
  const parsed = RuleFile.safeParse(doc);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    if (issue.code === 'unrecognized_keys') throw new BadInput(`${file}: ${[...issue.path, issue.keys[0]].join('.')}: unknown ${issue.path.length ? 'setting' : `clock (${CLOCK_NAMES.join(', ')})`}`);
    throw new BadInput(`${file}: ${issue.path.join('.') || '(top)'}: ${issue.message}`);
  }
  if (!CLOCK_NAMES.some((c) => parsed.data[c])) throw new BadInput(`${file}: names no clock (${CLOCK_NAMES.join(', ')})`);
  return parsed.data;
}

/** `2026-W10`: the ISO week (Monday to Sunday, UTC) of an instant. */
export function isoWeek(at: number): string {
  const d = new Date(at);
  const thursday = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() - ((d.getUTCDay() + 6) % 7) + 3);
  const year = new Date(thursday).getUTCFullYear();
  const week = 1 + Math.floor((thursday - Date.UTC(year, 0, 1)) / (7 * DAY_MS));
  return `${year}-W${String(week).padStart(2, '0')}`;
}

/** The ISO weeks the period touches, in order, each with its Monday. */
export function weeksOf(from: Date, to: Date): Array<{ week: string; monday: string }> {
  const d = new Date(from.getTime());
  let monday = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() - ((d.getUTCDay() + 6) % 7));
  const weeks: Array<{ week: string; monday: string }> = [];
  for (; monday < to.getTime(); monday += 7 * DAY_MS) weeks.push({ week: isoWeek(monday), monday: new Date(monday).toISOString().slice(0, 10) });
  return weeks;
}

/** What the tool keeps while it runs: the totals, by clock and queue, and per week. Bounded by the period, not by its items. */
export class Tallies {
  readonly totals = new Totals();
  /** clock -> queue -> tally. */
  readonly byClockQueue = new Map<ClockName, Map<string, Tally>>();
  /** week -> clock -> tally. */
  readonly byWeek = new Map<string, Map<ClockName, Tally>>();
  items = 0;

  add(row: SimulatedClock): void {
    this.totals.add(row.clock, row.queue, row.actual ?? undefined, row.simulated ?? undefined);
    const queues = this.byClockQueue.get(row.clock) ?? this.byClockQueue.set(row.clock, new Map()).get(row.clock)!;
    const week = isoWeek(Date.parse(row.createdAt));
    const clocks = this.byWeek.get(week) ?? this.byWeek.set(week, new Map()).get(week)!;
    for (const tally of [get(queues, row.queue ?? '(none)'), get(clocks, row.clock)]) {
      tally.items++;
      if (row.actual?.breached) tally.breachedNow++;
      if (row.simulated?.breached) tally.breachedProposed++;
    }
  }

  /** The table's rows: per clock, its total (queue `(all)`) then each queue. */
  rows(): TableRow[] {
    const rows: TableRow[] = [];
    for (const clock of CLOCK_NAMES) {
      const all = this.totals.byClock[clock];
      if (!all) continue;
      rows.push(row(clock, '(all)', all));
      const queues = [...(this.byClockQueue.get(clock) ?? new Map<string, Tally>())].sort(([a], [b]) => a.localeCompare(b));
      for (const [queue, tally] of queues) rows.push(row(clock, queue, tally));
    }
    return rows;
  }
}

const get = <K>(map: Map<K, Tally>, key: K): Tally => map.get(key) ?? map.set(key, { items: 0, breachedNow: 0, breachedProposed: 0 }).get(key)!;

export interface TableRow {
  clock: ClockName;
  queue: string;
  items: number;
  breachedNow: number;
  breachedProposed: number;
  change: number;
}
const row = (clock: ClockName, queue: string, t: Tally): TableRow => ({ clock, queue, ...t, change: t.breachedProposed - t.breachedNow });

const COLUMNS = ['clock', 'queue', 'items', 'breached now', 'breached proposed', 'change'] as const;
const signed = (n: number): string => (n > 0 ? `+${n}` : String(n));
const share = (n: number, of: number): string => (of ? ` (${((100 * n) / of).toFixed(1)}%)` : '');
const cells = (r: TableRow): string[] => [r.clock, r.queue, String(r.items), `${r.breachedNow}${share(r.breachedNow, r.items)}`, `${r.breachedProposed}${share(r.breachedProposed, r.items)}`, signed(r.change)];

/** The table as text: a header, a line per row (none for an empty period). */
export function tableText(rows: TableRow[]): string {
  const lines = [[...COLUMNS], ...rows.map(cells)];
  const widths = COLUMNS.map((_, c) => Math.max(...lines.map((l) => l[c]!.length)));
  const format = (l: string[]) => l.map((cell, c) => (c < 2 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ').trimEnd();
  return [format(lines[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...lines.slice(1).map(format)].join('\n');
}

const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** One clock's chart: per ISO week, its breaches now beside those under the proposed rule (inline SVG). */
export function weekChartSvg(clock: ClockName, weeks: Array<{ week: string; monday: string }>, byWeek: Map<string, Map<ClockName, Tally>>): string {
  const left = 60, right = 12, top = 12, bottom = 56, plotH = 180;
  const group = Math.max(14, Math.min(48, Math.floor(880 / Math.max(1, weeks.length))));
  const width = left + right + group * weeks.length;
  const height = top + plotH + bottom;
  const tallies = weeks.map((w) => byWeek.get(w.week)?.get(clock) ?? { items: 0, breachedNow: 0, breachedProposed: 0 });
  const max = Math.max(1, ...tallies.map((t) => Math.max(t.breachedNow, t.breachedProposed)));
  const step = Math.max(1, Math.ceil(max / 4));
  const top_ = step * Math.ceil(max / step);
  const y = (v: number) => top + plotH - (plotH * v) / top_;
  const parts: string[] = [];
  for (let v = 0; v <= top_; v += step) {
    parts.push(`<line class="grid" x1="${left}" x2="${width - right}" y1="${y(v)}" y2="${y(v)}"/>`, `<text class="tick" x="${left - 6}" y="${y(v) + 4}" text-anchor="end">${v}</text>`);
  }
  const bar = Math.max(4, Math.floor((group - 4) / 2));
  const labelEvery = Math.ceil(weeks.length / 16);
  weeks.forEach((w, i) => {
    const t = tallies[i]!;
    const x0 = left + i * group + (group - 2 * bar) / 2;
    for (const [kind, value, x] of [['now', t.breachedNow, x0], ['proposed', t.breachedProposed, x0 + bar]] as const) {
      const label = `${w.week} (from ${w.monday}): ${value} of ${t.items} breached ${kind === 'now' ? 'now' : 'under the proposed rule'}`;
      parts.push(`<rect class="bar ${kind}" data-week="${w.week}" data-value="${value}" x="${x}" y="${y(value)}" width="${bar}" height="${y(0) - y(value)}"><title>${escapeHtml(label)}</title></rect>`);
    }
    if (i % labelEvery === 0) {
      const cx = left + i * group + group / 2;
      parts.push(`<text class="week" x="${cx}" y="${top + plotH + 14}" text-anchor="end" transform="rotate(-40 ${cx} ${top + plotH + 14})">${w.week}</text>`);
    }
  });
  parts.push(`<line class="axis" x1="${left}" x2="${width - right}" y1="${y(0)}" y2="${y(0)}"/>`);
  return `<svg class="chart" data-clock="${clock}" xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${clock}: breaches per ISO week, now and proposed">${parts.join('')}</svg>`;
}

/** The report page: self-contained (inline CSS and SVG, no script, nothing fetched). */
export function reportHtml(o: { title: string; scope: string[]; rule: StoredRules; weeks: Array<{ week: string; monday: string }>; tallies: Tallies; asOf: Date }): string {
  const rows = o.tallies.rows();
  const clocks = CLOCK_NAMES.filter((c) => o.tallies.totals.byClock[c]);
  const table = rows.length
    ? `<table><thead><tr>${COLUMNS.map((c) => `<th>${c}</th>`).join('')}</tr></thead><tbody>${rows
        .map((r) => `<tr class="${r.queue === '(all)' ? 'total' : ''}">${cells(r).map((c, i) => `<td${i >= 2 ? ' class="n"' : ''}>${escapeHtml(c)}</td>`).join('')}</tr>`)
        .join('')}</tbody></table>`
    : '<p class="empty">No items were created in the period.</p>';
  const charts = clocks
    .map((c) => `<section><h2>${c}</h2><p class="legend"><span class="key now"></span>breached now <span class="key proposed"></span>breached under the proposed rule</p>${weekChartSvg(c, o.weeks, o.tallies.byWeek)}</section>`)
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(o.title)}</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222}
h1{font-size:20px}h2{font-size:16px;margin:24px 0 4px}
table{border-collapse:collapse;margin:12px 0}th,td{padding:3px 10px;border-bottom:1px solid #ddd;text-align:left}td.n{text-align:right;font-variant-numeric:tabular-nums}
tr.total td{font-weight:600}
.chart .bar.now{fill:#8a9bb0}.chart .bar.proposed{fill:#d9622b}.chart .grid{stroke:#eee}.chart .axis{stroke:#999}
.chart text{font-size:11px;fill:#555}
.legend{font-size:12px;color:#555}.key{display:inline-block;width:10px;height:10px;margin:0 4px 0 12px}.key.now{background:#8a9bb0}.key.proposed{background:#d9622b}
pre{background:#f6f6f6;padding:8px;display:inline-block}
</style></head><body>
<h1>${escapeHtml(o.title)}</h1>
<p>${o.scope.map(escapeHtml).join('<br>')}</p>
<pre>${escapeHtml(JSON.stringify(o.rule))}</pre>
${table}
${charts}
<p class="legend">Weeks are ISO weeks (Monday to Sunday, UTC) of each item's creation; figures taken at ${o.asOf.toISOString()}.</p>
</body></html>
`;
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const stored = readRuleFile(options.ruleFile);
  if (!options.databaseUrl) throw new BadInput('--database-url: not given, and DATABASE_URL is not set');
  const pool = createPool(readOnly(options.databaseUrl), 2);
  try {
    const config = new ConfigStore(pool);
    const rule: ClockRules = {};
    for (const clock of CLOCK_NAMES) {
      const r = stored[clock];
      if (r) rule[clock] = await config.slaRule(r, clock).catch(asBadInput(options.ruleFile));
    }
    if (options.categoryId) await config.categorySnapshot(options.categoryId).catch(asBadInput('--category'));
    const items = new ItemStore(pool);
    const deps = {
      items,
      category: (id: string) => config.categorySnapshot(id).catch((e) => (e instanceof ApiError || e instanceof NotStored ? undefined : Promise.reject(e))),
    };
    const scope = { ...(options.categoryId ? { categoryId: options.categoryId } : {}), ...(options.queue ? { queue: options.queue } : {}), from: options.from, to: options.to, rule };
    const tallies = new Tallies();
    const started = performance.now();
    let printed = started;
    const rate = () => tallies.items / Math.max(1e-3, (performance.now() - started) / 1000);
    for await (const rows of simulate(deps, scope, options.asOf)) {
      tallies.items++;
      for (const r of rows) tallies.add(r);
      if (performance.now() - printed >= 1000) {
        printed = performance.now();
        process.stderr.write(`sla:simulate: ${tallies.items} items replayed (${rate().toFixed(0)} items/s)\n`);
      }
    }
    const seconds = (performance.now() - started) / 1000;
    process.stderr.write(`sla:simulate: ${tallies.items} items replayed in ${seconds.toFixed(1)} s (${rate().toFixed(0)} items/s)\n`);
    const scopeLines = [
      `category ${options.categoryId ?? '(any)'}, queue ${options.queue ?? '(any)'}`,
      `items created from ${options.from.toISOString()} to ${options.to.toISOString()}; figures as of ${options.asOf.toISOString()}`,
    ];
    console.log(scopeLines.join('\n'));
    console.log(`proposed rule: ${JSON.stringify(stored)}`);
    console.log('');
    console.log(tableText(tallies.rows()));
    console.log('');
    console.log(`${tallies.items} items replayed`);
    if (options.html) {
      const title = `SLA simulation (R45): ${options.categoryId ?? 'all categories'}${options.queue ? `, queue ${options.queue}` : ''}`;
      writeFileSync(options.html, reportHtml({ title, scope: scopeLines, rule: stored, weeks: weeksOf(options.from, options.to), tallies, asOf: options.asOf }));
      process.stderr.write(`sla:simulate: report written to ${options.html}\n`);
    }
  } finally {
    await pool.end();
  }
}

/** The URL with its sessions read-only (PostgreSQL's startup `options`): this tool never writes. */
export function readOnly(databaseUrl: string): string {
  let url: URL;
  try {
    url = new URL(databaseUrl);
  } catch {
    throw new BadInput('--database-url: not a URL (postgres://user@host:port/database)');
  }
  const given = url.searchParams.get('options');
  url.searchParams.set('options', `${given ? `${given} ` : ''}-c default_transaction_read_only=on`);
  return url.toString();
}

/** A refusal of the API's configuration (unknown calendar or category) as this tool's bad input, naming the field. */
function asBadInput(where: string) {
  return (error: unknown): never => {
    if (error instanceof ApiError && error.status === 400) {
      const issue = (error.details.issues as Array<{ path: string[]; message: string }> | undefined)?.[0];
      const field = issue ? issue.path.filter((p) => p !== 'body').join('.') : '';
      if (where === '--category') throw new BadInput(`--category: ${error.message}`);
      throw new BadInput(`${where}: ${field ? `${field}: ` : ''}${issue?.message ?? ''} (${error.message})`);
    }
    throw error;
  };
}

if (process.argv[1] && realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url))) {
  try {
    await main();
  } catch (error) {
    if (error instanceof BadInput) {
      process.stderr.write(`sla:simulate: ${error.message}\n`);
      process.exitCode = 2;
    } else {
      process.stderr.write(`sla:simulate: failed: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    }
  }
}
