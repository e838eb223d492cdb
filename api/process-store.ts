// Processes in PostgreSQL, by version (R26). Saving checks the whole definition against the
// other processes (their current versions) and the categories, and answers every problem at
// once; saves are serialised, so two saves cannot each pass the cycle check and together form
// a cycle.

import type pg from 'pg';
import type { z } from 'zod';
import { processProblems, type ProcessDefinition } from '../workflows/domain/case/process-definition.js';
import { ApiError } from './errors.js';
import type { ProcessPut } from './schemas.js';

export interface ProcessVersion extends ProcessDefinition {
  id: string;
  version: number;
}

const LATEST = `SELECT DISTINCT ON (id) id, version, definition FROM processes ORDER BY id, version DESC`;

export class ProcessStore {
  constructor(private readonly pool: pg.Pool) {}

  /** Saves a new version of process `id` (none when the definition is unchanged). */
  async put(id: string, body: z.output<typeof ProcessPut>): Promise<ProcessVersion> {
    const definition = normalised(body);
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
        throw new ApiError('invalid_request', `Process ${id} cannot be saved: ${problems.map((p) => p.message).join('; ')}.`, {
          issues: problems.map((p) => ({ path: ['body', ...p.path], message: p.message })),
        });
      }
      const current = rows.find((r) => r.id === id);
      if (current && canonical(current.definition) === canonical(definition)) {
        await client.query('COMMIT');
        return { id, version: current.version, ...definition };
      }
      const version = (current?.version ?? 0) + 1;
      await client.query('INSERT INTO processes (id, version, definition) VALUES ($1, $2, $3)', [id, version, JSON.stringify(definition)]);
      await client.query('COMMIT');
      return { id, version, ...definition };
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
}

/** The definition as stored: optional fields present only when given, in one key order. */
function normalised(body: z.output<typeof ProcessPut>): ProcessDefinition {
  return {
    name: body.name,
    ...(body.categoryId !== undefined ? { categoryId: body.categoryId } : {}),
    autoResolve: body.autoResolve ?? false,
    stages: body.stages.map((stage) => ({
      name: stage.name,
      actions: stage.actions.map((a) => ({
        type: a.type,
        name: a.name,
        ...(a.robot !== undefined ? { robot: a.robot } : {}),
        ...(a.processId !== undefined ? { processId: a.processId } : {}),
      })),
    })),
  };
}

/** JSON with every object's keys sorted (PostgreSQL's jsonb keeps its own key order). */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1))) : v,
  );
}
