// The one writer of legacy_imports: which v2020.1 item became which work item (R43), claimed
// before its workflow starts so that two imports of the same item make one.

import type pg from 'pg';

export class LegacyImportTable {
  constructor(private readonly pool: pg.Pool) {}

  /** The work items these v2020.1 items were imported as, by legacy ref. */
  async importedAs(legacyRefs: string[]): Promise<Map<string, string>> {
    const { rows } = await this.pool.query<{ legacy_ref: string; ref: string }>('SELECT legacy_ref, ref FROM legacy_imports WHERE legacy_ref = ANY($1)', [legacyRefs]);
    return new Map(rows.map((r) => [r.legacy_ref, r.ref]));
  }

  /**
   * Claims v2020.1 items for their refs in one statement; answers the legacy refs claimed (those
   * another import holds are left out). Rows go in in legacy-ref order, so that two batches
   * claiming some of the same items wait for each other rather than deadlock.
   */
  async claimAll(claims: Array<{ legacyRef: string; ref: string }>): Promise<Set<string>> {
    const sorted = [...claims].sort((a, b) => (a.legacyRef < b.legacyRef ? -1 : a.legacyRef > b.legacyRef ? 1 : 0));
    const { rows } = await this.pool.query<{ legacy_ref: string }>(
      `INSERT INTO legacy_imports (legacy_ref, ref) SELECT * FROM unnest($1::text[], $2::text[])
       ON CONFLICT (legacy_ref) DO NOTHING RETURNING legacy_ref`,
      [sorted.map((c) => c.legacyRef), sorted.map((c) => c.ref)],
    );
    return new Set(rows.map((r) => r.legacy_ref));
  }

  /** Gives claims back (their import batch failed). */
  async release(legacyRefs: string[]): Promise<void> {
    await this.pool.query('DELETE FROM legacy_imports WHERE legacy_ref = ANY($1)', [legacyRefs]);
  }
}
