// `npm run bench:report`: reads bench/results/*.json (each bench writes one per run, see
// bench/results.ts) and writes bench/results/report.html, one static page with inline SVG charts.
//   BENCH_RESULTS_DIR   another results folder
//   OUT                 another page path (default <results folder>/report.html)
//   SCREENSHOT          also save a PNG of the page there (headless Chromium, CHROMIUM_PATH);
//                       SCREENSHOT_WIDTH (1320) and SCREENSHOT_HEIGHT (the whole page) size it

import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { renderReport } from './report/page.js';
import { readResults, resultsDir } from './results.js';

export function writeReport(dir = resultsDir(), out = join(dir, 'report.html')): { out: string; results: number } {
  const results = readResults(dir);
  mkdirSync(dirname(out), { recursive: true });
  const shown = relative(process.cwd(), dir);
  writeFileSync(out, renderReport(results, { source: shown && !shown.startsWith('..') ? shown : dir }));
  return { out, results: results.length };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { out, results } = writeReport(resultsDir(), process.env.OUT ? resolve(process.env.OUT) : undefined);
  console.log(`report of ${results} results: ${out}`);
  if (process.env.SCREENSHOT) {
    const { visit } = await import('./report/chromium.js');
    const height = process.env.SCREENSHOT_HEIGHT ? Number(process.env.SCREENSHOT_HEIGHT) : undefined;
    const page = await visit(pathToFileURL(out).href, { screenshot: { height }, width: Number(process.env.SCREENSHOT_WIDTH ?? 1320) });
    for (const e of page.errors) console.error(`page error: ${e}`);
    writeFileSync(resolve(process.env.SCREENSHOT), page.screenshot!);
    console.log(`screenshot: ${resolve(process.env.SCREENSHOT)}`);
  }
}
