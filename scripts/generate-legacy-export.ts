// Writes a generated v2020.1 export (JSON lines, one item each, as `npm run import` reads them):
// N items cycling through every status of R43's three tables, with the fields each needs, a
// note or two each, and a broken line when asked (to see it reported).
//
//   node --import tsx scripts/generate-legacy-export.ts 10000 > export.jsonl
//   BROKEN_LINE=1 node --import tsx scripts/generate-legacy-export.ts 100 > export.jsonl
//
// The items name category `legacy-import`, process `legacy-import` and the human resource
// `legacy-agent`: create them first (README, "Moving over from v2020.1"). bench/import.ts
// imports `legacyExportLines` and `writeLegacyExport`.

import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { pathToFileURL } from 'node:url';
import type { Writable } from 'node:stream';
import { LEGACY_STATUSES } from '../workflows/domain/legacy/status-mapping.js';
import type { Kind } from '../workflows/domain/item/types.js';

const rows = (Object.entries(LEGACY_STATUSES) as Array<[Kind, typeof LEGACY_STATUSES.ticket]>).flatMap(([kind, statuses]) => statuses.map(([status, mapped]) => ({ kind, status, mapped })));
const DAY = 86_400_000;

/** The export's lines, one at a time (no line holds its newline). */
export function* legacyExportLines(total: number, options: { brokenLine?: boolean; now?: number } = {}): Generator<string> {
  const now = options.now ?? Date.now();
  for (let i = 0; i < total; i++) {
    const { kind, status, mapped } = rows[i % rows.length];
    const item: Record<string, unknown> = {
      legacyRef: `V2020-${String(i + 1).padStart(7, '0')}`,
      kind,
      status,
      timeline: [{ at: new Date(now - 30 * DAY + i * 1000).toISOString(), by: 'v2020.agent', text: `Note ${i + 1} from v2020.1` }],
    };
    if (kind === 'ticket') Object.assign(item, { title: `Imported request ${i + 1}`, description: 'Carried over from v2020.1', categoryId: 'legacy-import', primaryContact: 'customer@example.com', requester: 'customer@example.com' });
    if (kind === 'case') Object.assign(item, { shortDescription: `Imported case ${i + 1}`, processId: 'legacy-import', categoryId: 'legacy-import' });
    if (kind === 'action') Object.assign(item, { title: `Imported action ${i + 1}` });
    if (mapped.state === 'in_progress' || mapped.state === 'waiting') item.assignee = 'legacy-agent';
    // Half the follow-ups are due in the past (they end at once), half next week.
    if (mapped.waitType === 'until') item.waitUntil = new Date(now + (i % 2 ? 7 * DAY : -DAY)).toISOString();
    if (mapped.state === 'resolved' || mapped.state === 'closed') item.resolvedAt = new Date(now - (i % 2 ? 1 : 10) * DAY).toISOString();
    if (mapped.attention) item.attentionReason = 'An action could not be completed in v2020.1';
    yield JSON.stringify(item);
    if (options.brokenLine && i === Math.floor(total / 2)) yield '{"legacyRef": "broken", ';
  }
}

/** Writes the export to `out`, line by line, heeding back-pressure (memory stays flat). */
export async function writeLegacyExport(out: Writable, total: number, options: { brokenLine?: boolean } = {}): Promise<void> {
  for (const line of legacyExportLines(total, options)) {
    if (!out.write(`${line}\n`)) await once(out, 'drain');
  }
}

/** Writes the export to a file. */
export async function writeLegacyExportFile(path: string, total: number, options: { brokenLine?: boolean } = {}): Promise<void> {
  const out = createWriteStream(path);
  await writeLegacyExport(out, total, options);
  out.end();
  await once(out, 'finish');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await writeLegacyExport(process.stdout, Number(process.argv[2] ?? 1000), { brokenLine: Boolean(process.env.BROKEN_LINE) });
}
