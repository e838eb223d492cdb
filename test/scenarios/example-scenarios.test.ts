// Every example scenario of scenarios/ (docs/testing-sla-scenarios.md) runs through the API in
// time-skipping mode, each against a fresh service of its own (its own time-skipping test server
// and database), and every one of its expectations passes. A file with problems is refused, with
// each problem's line, before anything runs.

import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../../scripts/tool-paths.js';
import { parseScenario, ScenarioFileError, type Scenario } from '../../scripts/scenario/format.js';
import { runScenario, type ScenarioResult } from '../../scripts/scenario/run.js';
import { ApiHarness } from '../support/api-harness.js';

const dir = join(repoRoot, 'scenarios');
const files = readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort();
const timings: string[] = [];

afterAll(() => {
  if (timings.length) console.log(`[scenarios] wall time and simulated time of each example:\n  ${timings.join('\n  ')}`);
});

describe('the example scenarios', () => {
  it('scenarios/ holds the seven worked examples', () => {
    expect(files.length).toBeGreaterThanOrEqual(7);
  });

  for (const file of files) {
    const shown = relative(repoRoot, join(dir, file));
    let scenario: Scenario;
    try {
      scenario = parseScenario(readFileSync(join(dir, file), 'utf8'), shown);
    } catch (err) {
      it(`${shown} is a scenario that can run`, () => {
        throw err;
      });
      continue;
    }
    it(scenario.name, async () => {
      const api = await ApiHarness.start({ timeSkipping: true });
      let result: ScenarioResult;
      try {
        result = await runScenario(scenario, { url: api.url, adminToken: api.adminToken });
      } finally {
        await api.stop();
      }
      timings.push(`${shown}: ${result.passed}/${result.passed + result.failed} expectations, ${result.report.at(-1)}`);
      const failures = result.expectations.filter((e) => !e.pass).map((e) => `${shown}:${e.line}: ${e.label}; saw ${e.saw}`);
      if (!result.ok) console.log(result.report.join('\n'));
      expect(result.error, 'a step could not run (the report above says why)').toBeUndefined();
      expect(failures).toEqual([]);
      expect(result.expectations.length).toBeGreaterThan(0);
    }, 240_000);
  }
});

/** A scenario with four problems, on lines 8, 9, 12 and 15. */
const BROKEN = [
  'name: broken on purpose', //                                  1
  'start: { next: friday, at: "16:00", timezone: Europe/Paris }', // 2
  'steps:', //                                                   3
  '  - resource: { id: alice, kind: human }', //                 4
  '  - create: { kind: ticket, title: A, submit: true }', //     5
  '    as: ticket1', //                                          6
  '    by: alice', //                                            7
  '  - skip: three days', //                                     8
  '  - wiat: ticket1', //                                        9
  '    by: alice', //                                            10
  '  - expect: ticket1', //                                      11
  '    sla.bannr: "Waiting: Paused 3h 20m before due"', //       12
  '  - wait: ticket1', //                                        13
  '    by: alice', //                                            14
  '    with: { type: pause, reasn: holiday }', //                15
].join('\n');

describe('a scenario file with problems', () => {
  it('is refused with each problem\'s line and what was expected', () => {
    const text = BROKEN;
    let error: unknown;
    try {
      parseScenario(text, 'broken.yaml');
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ScenarioFileError);
    const problems = (error as ScenarioFileError).problems;
    expect(problems.map((p) => p.line)).toEqual([8, 9, 12, 15]);
    expect(problems[0].message).toMatch(/ISO-8601 duration/);
    expect(problems[1].message).toMatch(/unknown step `wiat`; expected one of: .*wait/);
    expect(problems[2].message).toMatch(/no field `bannr`; expected one of: .*banner/);
    expect(problems[3].message).toMatch(/unknown field `reasn`.*expected one of: type, reason/);
    expect((error as Error).message.split('\n')[0]).toMatch(/^broken\.yaml:8: /);
  });

  it('npm run scenario refuses it with exit code 2 and file:line messages, before a single request reaches the service', async () => {
    const requests: string[] = [];
    const server = createServer((req, res) => {
      requests.push(`${req.method} ${req.url}`);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ now: new Date().toISOString() }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const dir = mkdtempSync(join(tmpdir(), 'scenario-bad-'));
    const file = join(dir, 'broken.yaml');
    writeFileSync(file, BROKEN);
    try {
      const child = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'scripts/scenario.ts'), file], {
        cwd: repoRoot,
        env: { ...process.env, SCENARIO_API_URL: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, SCENARIO_ADMIN_TOKEN: 'x' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout.on('data', (d) => (output += d));
      child.stderr.on('data', (d) => (output += d));
      const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
      expect(code).toBe(2);
      expect(output).toContain(`${file}:8: skip: an ISO-8601 duration`);
      expect(output).toContain(`${file}:9: unknown step \`wiat\``);
      expect(output).toContain(`${file}:12: the work item view field sla has no field \`bannr\``);
      expect(output).toContain(`${file}:15: unknown field \`reasn\` in with`);
      expect(output).toContain('nothing was run');
      expect(requests).toEqual([]);
    } finally {
      server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
