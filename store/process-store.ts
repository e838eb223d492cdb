// Processes in PostgreSQL, by version (R26): the one module that writes `processes`. A save
// checks the whole definition against the other processes (their current versions) and the
// categories, and returns every problem at once (the API answers them); saves are serialised, so
// two saves cannot each pass the cycle check and together form a cycle.

import type pg from 'pg';
import { processProblems, type DefinitionProblem, type ProcessDefinition } from '../workflows/domain/case/process-definition.js';
import type { CaseProcess, CategorySnapshot } from '../workflows/domain/item/types.js';
import { ConfigTables } from './config-store.js';

export interface ProcessVersion extends ProcessDefinition {
  id: string;
  version: number;
}

const LATEST = `SELECT DISTINCT ON (id) id, version, definition FROM processes ORDER BY id, version DESC`;

export class ProcessTable {
  constructor(private readonly pool: pg.Pool) {}

  /**
   * Saves `definition` as the next version of process `id` (no new version when it is unchanged),
   * or saves nothing and returns its problems.
   */
  async save(id: string, definition: ProcessDefinition): Promise<{ saved: ProcessVersion } | { problems: DefinitionProblem[] }> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query("SELECT pg_advisory_xact_lock(hashtext('processes'))");
      const { rows } = await client.query<{ id: string; version: number; definition: ProcessDefinition }>(LATEST);
      const processes = new Map(rows.filter((r) => r.id !== id).map((r) => [r.id, r.definition]));
      const categoryIds = definition.categoryId
        ? new Set((await client.query<{ id: string }>('SELECT id FROM categories WHERE id = $1', [definition.categoryId])).rows.map((r) => r.id))
        : new Set<string>();
      const problems = processProblems(id, definition, { processes, categoryExists: (c) => categoryIds.has(c) });
      if (problems.length) {
        await client.query('ROLLBACK');
        return { problems };
      }
      const current = rows.find((r) => r.id === id);
      if (current && canonical(current.definition) === canonical(definition)) {
        await client.query('COMMIT');
        return { saved: { id, version: current.version, ...definition } };
      }
      const version = (current?.version ?? 0) + 1;
      await client.query('INSERT INTO processes (id, version, definition) VALUES ($1, $2, $3)', [id, version, JSON.stringify(definition)]);
      await client.query('COMMIT');
      return { saved: { id, version, ...definition } };
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  /** The current version of a process, or (with `version`) that version; undefined when none. */
  async get(id: string, version?: number): Promise<ProcessVersion | undefined> {
    const { rows } = await this.pool.query<{ version: number; definition: ProcessDefinition }>(
      version === undefined
        ? 'SELECT version, definition FROM processes WHERE id = $1 ORDER BY version DESC LIMIT 1'
        : 'SELECT version, definition FROM processes WHERE id = $1 AND version = $2',
      version === undefined ? [id] : [id, version],
    );
    return rows[0] && { id, version: rows[0].version, ...rows[0].definition };
  }

  /** The current version of every process, by id. */
  async list(): Promise<ProcessVersion[]> {
    const { rows } = await this.pool.query<{ id: string; version: number; definition: ProcessDefinition }>(LATEST);
    return rows.map((r) => ({ id: r.id, version: r.version, ...r.definition }));
  }

  async exists(id: string): Promise<boolean> {
    return ((await this.pool.query('SELECT 1 FROM processes WHERE id = $1 LIMIT 1', [id])).rowCount ?? 0) > 0;
  }
}

/**
 * The current version of a process with its category, as a case started by a workflow copies
 * them in (R9, R21, R22, R26, R36); null when there is no such process. A category that is
 * missing (or whose calendar is) is left out.
 */
export async function loadCurrentProcess(pool: pg.Pool, id: string): Promise<{ process: CaseProcess; category?: CategorySnapshot } | null> {
  const process = await new ProcessTable(pool).get(id);
  if (!process) return null;
  const category = process.categoryId ? await new ConfigTables(pool).categorySnapshot(process.categoryId).catch(() => undefined) : undefined;
  return { process, ...(category ? { category } : {}) };
}

/** JSON with every object's keys sorted (PostgreSQL's jsonb keeps its own key order). */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1))) : v,
  );
}
