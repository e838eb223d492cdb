// `npm run scenario -- file.yaml [more.yaml ...]`: runs SLA scenarios (docs/testing-sla-scenarios.md)
// through the API in time-skipping mode. Every file is checked first: a file with a problem is
// refused before anything runs (exit 2, `file.yaml:12: what was expected`). Then each scenario
// runs against SCENARIO_API_URL (with SCENARIO_ADMIN_TOKEN) when set, else against a service
// started here (`TIME_SKIPPING=1 npm start` on free ports, stopped at the end). Each step is
// printed with the clock, each expectation PASS or FAIL with what it saw, then each item's
// timeline and a summary line. Exit 1 when any expectation fails (or a step cannot run).

import { readFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { parseScenario, ScenarioFileError, type Scenario } from './scenario/format.js';
import { problemLines } from './scenario/report.js';
import { runScenario, type ScenarioResult } from './scenario/run.js';
import { connectOrStart, type ScenarioService } from './scenario/service.js';

const USAGE = `usage: npm run scenario -- <file.yaml> [more.yaml ...]

Runs each SLA scenario through the API in time-skipping mode (docs/testing-sla-scenarios.md).
With SCENARIO_API_URL and SCENARIO_ADMIN_TOKEN set, against that service (TIME_SKIPPING=1 npm start);
otherwise it starts one itself and stops it at the end.
Exit codes: 0 every expectation passed, 1 a failure, 2 a file that cannot run.`;

async function main(argv: string[]): Promise<number> {
  if (argv.length === 0 || argv.includes('--help') || argv.includes('-h')) {
    console.log(USAGE);
    return argv.length === 0 ? 2 : 0;
  }
  // Every file is read and checked before anything starts.
  const scenarios: Scenario[] = [];
  let invalid = false;
  // `npm run` runs in the package's folder; paths are the caller's, relative to where npm was run.
  const cwd = process.env.INIT_CWD ?? process.cwd();
  for (const arg of argv) {
    const path = resolve(cwd, arg);
    const fromHere = relative(cwd, path);
    const shown = fromHere && !fromHere.startsWith('..') ? fromHere : path;
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      console.error(`${shown}: cannot be read: ${(err as Error).message}`);
      invalid = true;
      continue;
    }
    try {
      scenarios.push(parseScenario(text, shown));
    } catch (err) {
      if (!(err instanceof ScenarioFileError)) throw err;
      for (const line of problemLines(err.file, err.problems)) console.error(line);
      invalid = true;
    }
  }
  if (invalid) {
    console.error('nothing was run: fix the file(s) above (docs/testing-sla-scenarios.md describes the format)');
    return 2;
  }

  let service: ScenarioService;
  try {
    service = await connectOrStart((line) => console.log(line));
  } catch (err) {
    console.error(`cannot run the scenarios: ${(err as Error).message}`);
    return 1;
  }
  const stopping = async () => {
    await service.stop({ keepLog: true });
    if (service.logFile) console.error(`interrupted; the service's log is in ${service.logFile}`);
    process.exit(130);
  };
  process.once('SIGINT', stopping);
  process.once('SIGTERM', stopping);

  const results: ScenarioResult[] = [];
  let crashed: unknown;
  try {
    for (const scenario of scenarios) {
      console.log('');
      results.push(await runScenario(scenario, { url: service.url, adminToken: service.adminToken, out: (line) => console.log(line) }));
    }
  } catch (err) {
    crashed = err;
  }
  const failed = crashed !== undefined || results.some((r) => !r.ok);
  await service.stop({ keepLog: failed });

  if (results.length > 1) {
    console.log('\nscenarios:');
    for (const r of results) console.log(`  ${r.ok ? 'PASS' : r.error ? 'ERROR' : 'FAIL'}  ${r.file}  ${r.passed}/${r.passed + r.failed} expectations  (${r.name})`);
  }
  if (crashed !== undefined) console.error(`\ncould not run the scenarios: ${crashed instanceof Error ? crashed.message : String(crashed)}`);
  if (failed && service.logFile) console.error(`the service's log: ${service.logFile}`);
  return failed ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
    process.exit(1);
  },
);
