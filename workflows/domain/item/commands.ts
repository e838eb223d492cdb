// The commands a caller can give a work item, as data. Each becomes one Temporal Update of the
// same name, so an item's history in the Temporal UI reads as the list of what was done to it.

import type { CategorySnapshot, EditableFields, ResolutionMethod } from './types.js';

export type WaitSpec =
  | { type: 'more_info'; days?: number; closeIfNoResponse?: boolean }
  | { type: 'until'; until: string }
  | { type: 'pause'; reason?: string };

export type Command =
  | { type: 'edit'; fields: EditableFields; category?: CategorySnapshot | null }
  | { type: 'submit' }
  | { type: 'pickUp' }
  | { type: 'assign'; resourceId: string; resourceKind: 'human' | 'robot' }
  | { type: 'unassign'; toResourceId?: string; toResourceKind?: 'human' | 'robot' }
  | { type: 'setState'; state: 'todo' | 'in_progress' }
  | { type: 'reject'; reason: string }
  | { type: 'wait'; wait: WaitSpec }
  | { type: 'cancelWait' }
  | { type: 'addNote'; text: string; isResolution?: boolean }
  | { type: 'sendEmail'; to: string[]; subject: string; body: string; resolve?: boolean; resolutionMethod?: ResolutionMethod }
  | { type: 'resolve'; method: ResolutionMethod; reason?: string }
  | { type: 'reopen' }
  // Cases (R19, R28, R29)
  | { type: 'cancel'; reason: string }
  | { type: 'rework'; fromStage: number }
  | { type: 'rework'; actions: string[] }
  | { type: 'reset' }
  | { type: 'launchAction'; action: LaunchSpec }
  | { type: 'launchAction'; relaunch: string }
  // Tickets that become other work (R33)
  // The new items' refs are fixed by the caller (the API allocates them), so the answer names them.
  | { type: 'launchCase'; processId: string; shortDescription: string; ref: string }
  | { type: 'split'; tickets: Array<Omit<import('./types.js').SplitPart, 'launchId' | 'ref'>>; refs: string[] }
  | { type: 'merge'; into: string }
  /** The target of a merge takes the merged ticket's timeline (stored by the API, by reference). */
  | { type: 'takeMerged'; ref: string; mergedTimeline: string; entries: number }
  /** R46: a supervisor of its queue moves the item to another queue. */
  | { type: 'moveQueue'; queue: string };

/** An action launched by hand on a case (R28). */
export interface LaunchSpec {
  type: string;
  name: string;
  robot?: boolean;
  processId?: string;
}

export type CommandType = Command['type'];

export const COMMAND_TYPES: CommandType[] = [
  'edit',
  'submit',
  'pickUp',
  'assign',
  'unassign',
  'setState',
  'reject',
  'wait',
  'cancelWait',
  'addNote',
  'sendEmail',
  'resolve',
  'reopen',
  'cancel',
  'rework',
  'reset',
  'launchAction',
  'launchCase',
  'split',
  'merge',
  'takeMerged',
  'moveQueue',
];

/** What travels in each Update: the command and who gives it. */
export interface CommandRequest<C extends Command = Command> {
  actor: import('./types.js').Actor;
  command: C;
}
