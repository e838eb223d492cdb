// R26: what makes a process definition unusable, all of it found at once, without a database.

import { describe, expect, it } from 'vitest';
import { processProblems, type ProcessDefinition } from '../../workflows/domain/case/process-definition.js';

const action = (name: string, extra: Partial<ProcessDefinition['stages'][number]['actions'][number]> = {}) => ({ type: 'review', name, ...extra });
const stage = (name: string, ...actions: ReturnType<typeof action>[]) => ({ name, actions });
const context = (processes: Record<string, ProcessDefinition> = {}, categories: string[] = []) => ({
  processes: new Map(Object.entries(processes)),
  categoryExists: (id: string) => categories.includes(id),
});
const starts = (processId: string): ProcessDefinition => ({ name: processId, stages: [stage('Start', action('Start', { type: 'start_case', processId }))] });

describe('R26: a process definition', () => {
  it('R26: stages of named actions, one starting a case of another process, in a known category, has no problem', () => {
    const onboarding: ProcessDefinition = {
      name: 'Supplier onboarding',
      categoryId: 'finance',
      stages: [stage('Collect', action('Ask for documents'), action('Check VAT number', { robot: true })), stage('Set up', action('Open account', { type: 'start_case', processId: 'accounts' }))],
    };
    expect(processProblems('onboarding', onboarding, context({ accounts: starts('payroll') }, ['finance']))).toEqual([]);
  });

  it('R26: every problem is reported at once, each with where it is', () => {
    const broken: ProcessDefinition = {
      name: 'Broken',
      categoryId: 'nowhere',
      stages: [
        stage('Empty'),
        stage('Twice', action('Check'), action('check ')),
        stage('Starts', action('No process', { type: 'start_case' }), action('Unknown', { type: 'start_case', processId: 'ghost' }), action('Not a starter', { processId: 'accounts' })),
      ],
    };
    const problems = processProblems('broken', broken, context({ accounts: starts('x') }));
    expect(problems.map((p) => p.path.join('.'))).toEqual([
      'categoryId',
      'stages.0.actions',
      'stages.1.actions.1.name',
      'stages.2.actions.0.processId',
      'stages.2.actions.1.processId',
      'stages.2.actions.2.processId',
    ]);
    expect(problems.map((p) => p.message).join(' | ')).toMatch(/no category nowhere.*has no actions.*two actions named check.*names the process.*no process ghost.*only a start_case action/);
  });

  it('R26: a process without stages is refused', () => {
    expect(processProblems('none', { name: 'None', stages: [] }, context())).toEqual([{ path: ['stages'], message: 'a process needs at least one stage' }]);
  });

  it('R26: start_case actions that would start cases forever are refused, naming the cycle', () => {
    // a -> b -> c exist; saving c as starting a closes the loop.
    const existing = { a: starts('b'), b: starts('c') };
    expect(processProblems('c', starts('a'), context(existing)).map((p) => p.message)).toEqual(['start_case actions would start cases in a cycle: c -> a -> b -> c']);
    expect(processProblems('self', starts('self'), context()).map((p) => p.message)).toEqual(['start_case actions would start cases in a cycle: self -> self']);
    // The same chain without the closing edge is fine, and so is a diamond (two paths, no cycle).
    expect(processProblems('c', starts('d'), context({ ...existing, d: { name: 'd', stages: [stage('s', action('x'))] } }))).toEqual([]);
    const diamond: ProcessDefinition = { name: 'top', stages: [stage('s', action('l', { type: 'start_case', processId: 'left' }), action('r', { type: 'start_case', processId: 'right' }))] };
    expect(processProblems('top', diamond, context({ left: starts('bottom'), right: starts('bottom'), bottom: { name: 'b', stages: [stage('s', action('x'))] } }))).toEqual([]);
  });

  it('R26: a new version of a process is checked as it will be, not against its old self', () => {
    // b's current version starts a; a's new version no longer starts b, so no cycle.
    const existing = { a: starts('b'), b: starts('a') };
    expect(processProblems('a', { name: 'a', stages: [stage('s', action('x'))] }, context({ b: existing.b }))).toEqual([]);
  });
});
