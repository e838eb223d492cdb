// R43: every row of the three tables in docs/work-items.md maps as the table says. The tables
// are read from the document itself, so the mapping cannot drift from the rule.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { LEGACY_STATUSES, mapLegacyStatus } from '../../workflows/domain/legacy/status-mapping.js';
import type { Kind } from '../../workflows/domain/item/types.js';
import { refusalOf } from './fixtures.js';

/** The rows of the table under `heading` ("Tickets:", "Actions:", "Cases:") after R43. */
function specRows(heading: string): Array<{ status: string; state: string; detail: string }> {
  const text = readFileSync(new URL('../../docs/work-items.md', import.meta.url), 'utf8');
  const after = text.slice(text.indexOf('R43.'));
  const table = after.slice(after.indexOf(heading)).split('\n').slice(1);
  const rows: Array<{ status: string; state: string; detail: string }> = [];
  for (const line of table) {
    if (!line.trim()) {
      if (rows.length) break;
      continue;
    }
    const cells = line.split('|').slice(1, -1).map((c) => c.trim());
    if (cells[0] === 'v2020.1 status' || /^-+$/.test(cells[0])) continue;
    rows.push({ status: cells[0], state: cells[1], detail: cells[2] });
  }
  return rows;
}

const TABLES: Array<[Kind, string, number]> = [
  ['ticket', 'Tickets:', 16],
  ['action', 'Actions:', 7],
  ['case', 'Cases:', 9],
];

describe('R43: v2020.1 statuses', () => {
  for (const [kind, heading, count] of TABLES) {
    const rows = specRows(heading);

    it(`R43: the ${kind} table of the rule has ${count} rows, and the mapping lists exactly those statuses`, () => {
      expect(rows).toHaveLength(count);
      expect(LEGACY_STATUSES[kind].map(([status]) => status)).toEqual(rows.map((r) => r.status));
    });

    it.each(rows.map((r) => [r.status, r] as const))(`R43: ${kind} "%s" maps as the table says`, (_, row) => {
      const mapped = mapLegacyStatus(kind, row.status);
      // "resolved (or closed)" is resolved; an action's "resolved (closed)" is closed (R25).
      const state = row.state === 'resolved (closed)' ? 'closed' : row.state.replace(' (or closed)', '');
      expect(mapped.state).toBe(state);
      const detail = row.detail.replace(/ \(third party\)$/, '');
      if (detail === '(attention flag set)') expect(mapped.attention).toBe(true);
      else if (detail === '') expect([mapped.waitType, mapped.resolutionMethod, mapped.attention]).toEqual([undefined, undefined, undefined]);
      else expect(mapped.state === 'waiting' ? mapped.waitType : mapped.resolutionMethod).toBe(detail);
    });
  }

  it('R43: case, spaces and the kind of dash do not matter; an empty status is the draft', () => {
    expect(mapLegacyStatus('ticket', '  paused - AWAITING more   information ')).toEqual({ state: 'waiting', waitType: 'more_info' });
    expect(mapLegacyStatus('case', '')).toEqual({ state: 'draft' });
  });

  it('R43: a status not listed for the kind is refused, naming the status and the kind', () => {
    const r = refusalOf(() => mapLegacyStatus('action', 'Paused'));
    expect(r).toMatchObject({ code: 'unknown_status', details: { kind: 'action', status: 'Paused' } });
    expect(r.message).toMatch(/"Paused" is not a v2020.1 status of an action/);
    expect(refusalOf(() => mapLegacyStatus('ticket', 'Archived')).code).toBe('unknown_status');
  });
});
