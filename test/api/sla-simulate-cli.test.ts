// The SLA simulation tool (R45), `npm run sla:simulate`, as a child process against the service's
// PostgreSQL: the service (time-skipping mode) runs three tickets of a category with a resolution
// SLA and a first_response clock until two breach, then the tool replays them under a stricter and
// a looser rule and prints the table; bad input exits 2 naming the field; its --html page renders
// its charts in headless Chromium. The tool writes nothing to the database.

import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumPath, hasChromium, visit } from '../../bench/report/chromium.js';
import { ApiHarness } from '../support/api-harness.js';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const HOUR = 3_600_000;
let api: ApiHarness;
let dir: string;
let from: string;
let to: string;
let asOf: string;
const refs: Record<'a' | 'b' | 'c', string> = { a: '', b: '', c: '' };

const clock = async () => Date.parse((await api.request('GET', '/v1/test/clock')).body.now);
const skip = async (duration: string) => expect((await api.request('POST', '/v1/test/clock/skip', { body: { duration } })).status).toBe(200);

/** Runs the tool as `npm run sla:simulate` does; its exit code and output. */
function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', 'scripts/sla-simulate.ts', ...args], { cwd: repoRoot, env: { ...process.env, DATABASE_URL: api.databaseUrl, ...env }, timeout: 60_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}
const ruleFile = (name: string, yaml: string) => {
  const file = join(dir, name);
  writeFileSync(file, yaml);
  return file;
};
const period = () => ['--category', 'cli-sim', '--from', from, '--to', to, '--as-of', asOf];

/** The table's rows, by `clock/queue`: [items, breached now, breached proposed, change] as numbers. */
function table(stdout: string): Record<string, number[]> {
  const lines = stdout.split('\n');
  const start = lines.findIndex((l) => /^-+\s+-+/.test(l));
  expect(start, `no table in:\n${stdout}`).toBeGreaterThan(0);
  expect(lines[start - 1]).toMatch(/^clock\s+queue\s+items\s+breached now\s+breached proposed\s+change$/);
  const rows: Record<string, number[]> = {};
  for (const line of lines.slice(start + 1)) {
    if (!line.trim()) break;
    const [clock, queue, ...n] = line.split(/\s{2,}/);
    rows[`${clock}/${queue}`] = n.map((cell) => Number.parseInt(cell, 10));
  }
  return rows;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sla-simulate-cli-'));
  api = await ApiHarness.start({ timeSkipping: true });
  await api.resource('alice', 'human');
  const category = await api.request('PUT', '/v1/categories/cli-sim', { body: { name: 'Simulated', sla: { target: 'P2D' }, slas: { first_response: { target: 'PT4H' } } } });
  expect(category.status).toBe(200);
  const t0 = await clock();
  for (const [key, queue] of [['a', 'billing'], ['b', 'billing'], ['c', 'desk']] as const) {
    const created = await api.request('POST', '/v1/work-items', {
      as: 'alice',
      body: { kind: 'ticket', title: `Invoice ${key}`, description: 'Unpaid invoice', categoryId: 'cli-sim', queue, primaryContact: 'ann@acme.example', requester: 'ann@acme.example', submit: true },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    refs[key] = created.body.ref;
  }
  // A answers within the hour and is resolved after a day; B and C are left to breach both clocks.
  await api.act(refs.a, '/pick-up', {}, 'alice');
  await skip('PT1H');
  await api.act(refs.a, '/emails', { to: ['ann@acme.example'], subject: 'Your invoice', body: 'Looking into it.' }, 'alice');
  await skip('P1D');
  await api.act(refs.a, '/resolve', { method: 'customer_communication' }, 'alice');
  await skip('P2D');
  await api.eventually('B and C breached both clocks in the read model', async () => {
    const { rows } = await api.pool.query('SELECT ref, breached_clocks FROM work_items WHERE ref = ANY($1) AND breached ORDER BY ref', [[refs.b, refs.c]]);
    return rows.length === 2 && rows.every((r) => r.breached_clocks.includes('resolution') && r.breached_clocks.includes('first_response'));
  });
  asOf = new Date(await clock()).toISOString();
  from = new Date(t0 - HOUR).toISOString();
  to = new Date(Date.parse(asOf) + HOUR).toISOString();
}, 180_000);

afterAll(async () => {
  await api?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const skipReason = hasChromium() ? '' : ` (page not opened: no Chromium at ${chromiumPath()}; set CHROMIUM_PATH)`;

describe('npm run sla:simulate (R45)', () => {
  it(`R45: a stricter rule (resolution PT12H, first_response PT30M) breaches every item: the table per clock and queue, and its --html page draws the weeks' bars${skipReason}`, async () => {
    const before = (await api.pool.query('SELECT ref, version, item FROM work_items ORDER BY ref')).rows;
    const html = join(dir, 'strict.html');
    const run = await cli([...period(), '--rule', ruleFile('strict.yaml', 'resolution:\n  target: PT12H\nfirst_response: { target: PT30M }\n'), '--html', html]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/3 items replayed in [\d.]+ s \(\d+ items\/s\)/);
    expect(table(run.stdout)).toEqual({
      'resolution/(all)': [3, 2, 3, 1],
      'resolution/billing': [2, 1, 2, 1],
      'resolution/desk': [1, 1, 1, 0],
      'first_response/(all)': [3, 2, 3, 1],
      'first_response/billing': [2, 1, 2, 1],
      'first_response/desk': [1, 1, 1, 0],
    });
    expect(run.stdout).toMatch(/^3 items replayed$/m);
    // It never writes.
    expect((await api.pool.query('SELECT ref, version, item FROM work_items ORDER BY ref')).rows).toEqual(before);

    const page = readFileSync(html, 'utf8');
    expect(page).not.toMatch(/<script|<link|\bsrc=|@import|url\(/); // self-contained: nothing fetched
    expect(page).toContain('<td>resolution</td><td>(all)</td>');
    if (!hasChromium()) return;
    const visited = await visit(pathToFileURL(html).href, {
      evaluate: `JSON.stringify({
        charts: [...document.querySelectorAll('svg.chart')].map((s) => s.dataset.clock),
        drawn: [...document.querySelectorAll('svg.chart rect.bar')].filter((r) => r.getBBox().height > 0).map((r) => r.closest('svg').dataset.clock + ' ' + r.classList[1] + ' ' + r.dataset.value),
        rows: document.querySelectorAll('table tbody tr').length,
      })`,
    });
    expect(visited.errors).toEqual([]);
    const seen = JSON.parse(visited.value as string);
    expect(seen.charts).toEqual(['resolution', 'first_response']);
    expect(seen.rows).toBe(6);
    // All three items were created in one week: per chart, one bar of 2 now and one of 3 proposed.
    expect(seen.drawn.sort()).toEqual(['first_response now 2', 'first_response proposed 3', 'resolution now 2', 'resolution proposed 3']);
  }, 90_000);

  it('R45: a looser rule (resolution P5D) breaches none; first_response, which it does not name, keeps the category rule (PT4H)', async () => {
    const run = await cli([...period(), '--rule', ruleFile('loose.yaml', 'resolution: { target: P5D }\n')]);
    expect(run.code, run.stderr).toBe(0);
    expect(table(run.stdout)).toEqual({
      'resolution/(all)': [3, 2, 0, -2],
      'resolution/billing': [2, 1, 0, -1],
      'resolution/desk': [1, 1, 0, -1],
      'first_response/(all)': [3, 2, 2, 0],
      'first_response/billing': [2, 1, 1, 0],
      'first_response/desk': [1, 1, 1, 0],
    });
    const billing = await cli([...period(), '--queue', 'billing', '--rule', join(dir, 'loose.yaml')]);
    expect(billing.code, billing.stderr).toBe(0);
    expect(table(billing.stdout)['resolution/(all)']).toEqual([2, 1, 0, -1]);
  }, 60_000);

  it('R45: a category with no items in the period prints an empty table and exits 0', async () => {
    const run = await cli(['--category', 'cli-sim', '--from', '2020-01-01', '--to', '2020-01-31', '--rule', join(dir, 'loose.yaml')]);
    expect(run.code, run.stderr).toBe(0);
    expect(table(run.stdout)).toEqual({});
    expect(run.stdout).toMatch(/^0 items replayed$/m);
  }, 60_000);

  it('R45: bad input exits 2 with one line naming the field (zero target, period over 366 days, to before from, unknown calendar, unknown category)', async () => {
    const zero = ruleFile('zero.yaml', 'resolution:\n  target: P0D\n');
    const cases: Array<[string[], RegExp]> = [
      [[...period(), '--rule', zero], /zero\.yaml: resolution\.target: a target longer than zero/],
      [['--category', 'cli-sim', '--from', '2025-01-01', '--to', '2026-01-05', '--rule', join(dir, 'loose.yaml')], /--to: at most 366 days after --from/],
      [['--category', 'cli-sim', '--from', '2026-02-01', '--to', '2026-01-01', '--rule', join(dir, 'loose.yaml')], /--to: must be after --from/],
      [[...period(), '--rule', ruleFile('calendar.yaml', 'first_response: { target: PT2H, calendarId: nowhere }\n')], /calendar\.yaml: first_response\.calendarId: unknown calendar/],
      [['--category', 'no-such', '--from', from, '--to', to, '--rule', join(dir, 'loose.yaml')], /--category: No category no-such/],
    ];
    for (const [args, message] of cases) {
      const run = await cli(args);
      expect(run.code, run.stderr).toBe(2);
      expect(run.stderr.trim().split('\n'), run.stderr).toHaveLength(1);
      expect(run.stderr).toMatch(message);
      expect(run.stdout).toBe('');
    }
  }, 90_000);
});
