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

  /** Claims a v2020.1 item for `ref`; false when another import holds it. */
  async claim(legacyRef: string, ref: string): Promise<boolean> {
    const { rowCount } = await this.pool.query('INSERT INTO legacy_imports (legacy_ref, ref) VALUES ($1, $2) ON CONFLICT (legacy_ref) DO NOTHING', [legacyRef, ref]);
    return rowCount !== 0;
  }

  /** Gives claims back (their import batch failed). */
  async release(legacyRefs: string[]): Promise<void> {
    await this.pool.query('DELETE FROM legacy_imports WHERE legacy_ref = ANY($1)', [legacyRefs]);
  }
}
