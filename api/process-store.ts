// Processes as the API saves them, by version (R26): the body in its stored form, saved by
// store/process-store.ts, which checks the whole definition against the other processes and the
// categories (saves serialised); every problem is answered at once, as one 400.

import type pg from 'pg';
import type { z } from 'zod';
import type { ProcessDefinition } from '../workflows/domain/case/process-definition.js';
import { ProcessTable, type ProcessVersion } from '../store/process-store.js';
import { ApiError } from './errors.js';
import type { ProcessPut } from './schemas.js';

export type { ProcessVersion };

export class ProcessStore {
  private readonly table: ProcessTable;

  constructor(pool: pg.Pool) {
    this.table = new ProcessTable(pool);
  }

  /** Saves a new version of process `id` (none when the definition is unchanged), or answers every problem with a 400. */
  async put(id: string, body: z.output<typeof ProcessPut>): Promise<ProcessVersion> {
    const outcome = await this.table.save(id, normalised(body));
    if ('saved' in outcome) return outcome.saved;
    const { problems } = outcome;
    throw new ApiError('invalid_request', `Process ${id} cannot be saved: ${problems.map((p) => p.message).join('; ')}.`, {
      issues: problems.map((p) => ({ path: ['body', ...p.path], message: p.message })),
    });
  }

  /** The current version of a process, or (with `version`) that version; undefined when none. */
  async get(id: string, version?: number): Promise<ProcessVersion | undefined> {
    return this.table.get(id, version);
  }

  /** The current version of every process, by id. */
  async list(): Promise<ProcessVersion[]> {
    return this.table.list();
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
