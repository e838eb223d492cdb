// R26: a process is a case's flow: ordered stages, each with actions. This module holds what a
// definition is and every way one can be wrong, as a pure function, so the API answers all of a
// definition's problems at once and the rules are testable without a database.
//
// Versions: every change to a process is a new version; a case keeps the version it started with
// (docs/api.md, "Processes"), so editing a process never changes the flow of a running case.

/** The action type that starts another case, of the process it names (R26). */
export const START_CASE = 'start_case';

export interface ProcessAction {
  type: string;
  name: string;
  /** Done by a robot: launched into the robots' queue (R13). */
  robot?: boolean;
  /** For `start_case` only: the process of the case it starts. */
  processId?: string;
}

export interface ProcessStage {
  name: string;
  actions: ProcessAction[];
}

export interface ProcessDefinition {
  name: string;
  categoryId?: string;
  /** The case resolves itself when its last stage completes (R26). */
  autoResolve?: boolean;
  stages: ProcessStage[];
}

export interface DefinitionProblem {
  /** Where in the definition, e.g. ['stages', 1, 'actions', 0, 'processId']. */
  path: Array<string | number>;
  message: string;
}

export interface DefinitionContext {
  /** The current version of every other process, by id. */
  processes: ReadonlyMap<string, ProcessDefinition>;
  categoryExists: (id: string) => boolean;
}

/** Every problem of `definition`, to be saved as process `id`; empty when it can be saved. */
export function processProblems(id: string, definition: ProcessDefinition, context: DefinitionContext): DefinitionProblem[] {
  const problems: DefinitionProblem[] = [];
  if (definition.categoryId !== undefined && !context.categoryExists(definition.categoryId)) {
    problems.push({ path: ['categoryId'], message: `no category ${definition.categoryId}` });
  }
  if (definition.stages.length === 0) problems.push({ path: ['stages'], message: 'a process needs at least one stage' });
  definition.stages.forEach((stage, s) => {
    if (stage.actions.length === 0) problems.push({ path: ['stages', s, 'actions'], message: `stage ${s} (${stage.name}) has no actions` });
    const seen = new Set<string>();
    stage.actions.forEach((action, a) => {
      const at = ['stages', s, 'actions', a];
      const key = actionKey(action.name);
      if (seen.has(key)) problems.push({ path: [...at, 'name'], message: `stage ${s} (${stage.name}) has two actions named ${action.name}` });
      seen.add(key);
      if (action.type === START_CASE) {
        if (action.processId === undefined) problems.push({ path: [...at, 'processId'], message: 'a start_case action names the process of the case it starts' });
        else if (action.processId !== id && !context.processes.has(action.processId)) {
          problems.push({ path: [...at, 'processId'], message: `no process ${action.processId}` });
        }
      } else if (action.processId !== undefined) {
        problems.push({ path: [...at, 'processId'], message: `only a start_case action names a process (this one is ${action.type})` });
      }
    });
  });
  const cycle = startCaseCycle(id, definition, context.processes);
  if (cycle) problems.push({ path: ['stages'], message: `start_case actions would start cases in a cycle: ${cycle.join(' -> ')}` });
  return problems;
}

/** Two actions of one stage are the same action when their names match without case and spaces around. */
export function actionKey(name: string): string {
  return name.trim().toLowerCase();
}

/** The processes a definition's `start_case` actions start. */
export function startedProcesses(definition: ProcessDefinition): string[] {
  return definition.stages.flatMap((s) => s.actions.flatMap((a) => (a.type === START_CASE && a.processId ? [a.processId] : [])));
}

/**
 * A cycle through `id` once it has `definition` (a case of `id` would, through start_case
 * actions, start a case of `id` again, forever), as the ids along it; undefined when none. The
 * other processes were checked when they were saved, so only cycles through `id` can be new.
 */
function startCaseCycle(id: string, definition: ProcessDefinition, processes: ReadonlyMap<string, ProcessDefinition>): string[] | undefined {
  const next = (p: string): string[] => {
    const d = p === id ? definition : processes.get(p);
    return d ? startedProcesses(d) : [];
  };
  const visited = new Set<string>();
  const walk = (p: string, path: string[]): string[] | undefined => {
    for (const q of next(p)) {
      if (q === id) return [...path, q];
      if (visited.has(q)) continue;
      visited.add(q);
      const found = walk(q, [...path, q]);
      if (found) return found;
    }
    return undefined;
  };
  return walk(id, [id]);
}
