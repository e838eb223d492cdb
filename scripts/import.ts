// `npm run import -- <export.jsonl>`: imports a v2020.1 export (one JSON item per line, as
// POST /v1/legacy/import takes them) through the API, in batches. A line that is not JSON is
// reported with its number and skipped; a batch the API refuses is reported with each bad
// item's line and problems, and the rest go on. Run again, it imports nothing new (each
// legacyRef is imported once). Prints progress, then items/s and what happened.
// It streams the file: what it holds is the batches in flight and the one being filled, and
// counts, whatever the size of the export.
//
// Environment: API_URL (http://127.0.0.1:3000), ADMIN_TOKEN (else .data/admin-token),
// IMPORT_BATCH (200 items a request, at most 500), IMPORT_CONCURRENCY (4 requests at once).
// A batch answered 503 or 409 (nothing of it imported) is sent again, up to 10 times.

import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';

const file = process.argv[2];
if (!file) {
  console.error('usage: npm run import -- <export.jsonl>');
  process.exit(2);
}
const apiUrl = (process.env.API_URL ?? 'http://127.0.0.1:3000').replace(/\/$/, '');
const token = process.env.ADMIN_TOKEN ?? (existsSync('.data/admin-token') ? readFileSync('.data/admin-token', 'utf8').trim() : '');
if (!token) {
  console.error('Set ADMIN_TOKEN (or run from the folder of `npm start`, which keeps .data/admin-token).');
  process.exit(2);
}
const BATCH = Number(process.env.IMPORT_BATCH ?? 200);
const CONCURRENCY = Number(process.env.IMPORT_CONCURRENCY ?? 4);

interface Line {
  number: number;
  item: { legacyRef?: string };
}

const counts = { lines: 0, broken: 0, imported: 0, existing: 0, refused: 0, sentAgain: 0 };
const started = performance.now();

async function send(batch: Line[]): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    const res = await fetch(`${apiUrl}/v1/legacy/import`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ items: batch.map((l) => l.item) }),
    });
    const body = (await res.json().catch(() => ({}))) as { items?: Array<{ legacyRef: string; ref: string; imported?: boolean; index?: number; problems?: string[] }>; message?: string };
    if (res.status === 201) {
      for (const i of body.items ?? []) {
        if (i.imported) counts.imported++;
        else counts.existing++;
      }
      return;
    }
    if (res.status === 422) {
      counts.refused += batch.length;
      console.error(`refused: the batch of lines ${batch[0].number}-${batch.at(-1)!.number} (nothing of it imported):`);
      for (const bad of body.items ?? []) console.error(`  line ${batch[bad.index!].number} (${bad.legacyRef}): ${bad.problems!.join('; ')}`);
      return;
    }
    if ((res.status === 503 || res.status === 409) && attempt < 10) {
      counts.sentAgain++;
      await new Promise((r) => setTimeout(r, 500 * (attempt + 1)));
      continue;
    }
    throw new Error(`POST /v1/legacy/import answered ${res.status}: ${body.message ?? ''}`);
  }
}

async function main(): Promise<void> {
  const lines = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  let batch: Line[] = [];
  const inFlight = new Set<Promise<void>>();
  const flush = async (b: Line[]) => {
    const p = send(b).finally(() => inFlight.delete(p));
    inFlight.add(p);
    if (inFlight.size >= CONCURRENCY) await Promise.race(inFlight);
  };
  let number = 0;
  for await (const text of lines) {
    number++;
    if (!text.trim()) continue;
    counts.lines++;
    try {
      batch.push({ number, item: JSON.parse(text) });
    } catch (error) {
      counts.broken++;
      console.error(`line ${number}: not JSON (${(error as Error).message}); skipped`);
      continue;
    }
    if (batch.length >= BATCH) {
      await flush(batch);
      batch = [];
      const seconds = (performance.now() - started) / 1000;
      process.stderr.write(`\r${counts.imported + counts.existing} items taken, ${(counts.imported / seconds).toFixed(1)} imported/s`);
    }
  }
  if (batch.length) await flush(batch);
  await Promise.all(inFlight);
  const seconds = (performance.now() - started) / 1000;
  console.error('');
  console.log(
    `${counts.lines} lines: ${counts.imported} imported, ${counts.existing} imported before, ${counts.refused} in refused batches, ${counts.broken} broken lines, ${counts.sentAgain} batches sent again; ` +
      `${seconds.toFixed(1)} s, ${(counts.imported / seconds).toFixed(1)} items/s; peak memory of this tool ${peakRssMb()} MB`,
  );
  if (counts.refused || counts.broken) process.exitCode = 1;
}

/**
 * Peak RSS of this process: VmHWM on Linux. getrusage's maxRSS is kept across exec, so under a
 * large parent (a bench that spawned this tool) it would report the parent's.
 */
function peakRssMb(): string {
  try {
    const kb = Number(/VmHWM:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1]);
    if (kb) return (kb / 1024).toFixed(0);
  } catch {
    // not Linux
  }
  return (process.resourceUsage().maxRSS / 1024).toFixed(0);
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
