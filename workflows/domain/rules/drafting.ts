// Creating an item and its draft (R1-R8): the item is born (R4: a draft, or todo for an action),
// edited, and submitted once what its kind requires is filled in (R5); the description becomes
// the first note (R6). A draft may also be resolved as it is (R8, in resolution.ts).

import type { Command } from '../item/commands.js';
import { missingForSubmit } from '../item/required-fields.js';
import { invalidTransition, Refusal } from '../item/refusal.js';
import { remember } from '../item/seen-messages.js';
import { reconcileSla } from '../sla/sla-transitions.js';
import { record } from '../item/timeline.js';
import { SYSTEM, type Actor, type WorkItem, type WorkItemInput } from '../item/types.js';
import type { ProcessDefinition } from '../case/process-definition.js';
import { blankItem } from '../item/blank-item.js';
import { importedItem } from '../legacy/imported-item.js';
import { beginFlow, noticesOf } from './cases.js';
import { emailInEntry } from './email.js';
import { initialState } from './kinds.js';
import { close } from './resolution.js';
import { clearHighlightFor, definedOnly, setState, touch } from './steps.js';

export function createWorkItem(input: WorkItemInput, now: Date): WorkItem {
  if (input.imported) return importedItem(input, input.imported, now); // R43
  const at = now.toISOString();
  let item: WorkItem = {
    ...blankItem(input, initialState(input.kind), at), // R4
    // An action is born ready to work (R4): its SLA clock, if it has one, starts with it (R36).
    ...(input.kind === 'action' ? { submittedAt: at } : {}),
  };
  item = record(item, input.createdBy, at, { type: 'created', kind: input.kind, linkedRefs: item.linkedRefs });
  if (input.initialEmail) {
    item = { ...remember(item, input.initialEmail.messageId), replyTo: input.initialEmail.messageId };
    item = record(item, { ...SYSTEM, id: input.initialEmail.from }, at, emailInEntry(input.initialEmail, 'attached'));
  }
  if (input.closeAs) {
    item = { ...item, resolutionMethod: input.closeAs, resolvedAt: at };
    item = record(item, SYSTEM, at, { type: 'resolved', method: input.closeAs });
    return close(item, SYSTEM, at);
  }
  if (input.submit && item.state === 'draft') item = submitted(item, input.createdBy, at, input.process);
  return { ...reconcileSla(noticesOf(undefined, item), at), version: 1 };
}

/** `edit`: changes the fields given (at least one); an update, so R10 applies. */
export function edit(item: WorkItem, actor: Actor, command: Extract<Command, { type: 'edit' }>, at: string): WorkItem {
  const touched = touch(item, actor, command.type, at);
  const changed = Object.keys(command.fields).filter((k) => command.fields[k as keyof typeof command.fields] !== undefined);
  let next: WorkItem = { ...touched, fields: { ...touched.fields, ...definedOnly(command.fields) } };
  if (command.category !== undefined) {
    next = { ...next, category: command.category ?? undefined };
    changed.push('categoryId');
  }
  if (changed.length === 0) throw new Refusal('invalid_request', 'Nothing to change: name at least one field.');
  // R5: a submitted item keeps what its submission needed; an edit changes those fields, never empties them.
  if (item.state !== 'draft') {
    const had = new Set(missingForSubmit(item.kind, item.fields, item.category?.id));
    const emptied = missingForSubmit(next.kind, next.fields, next.category?.id).filter((f) => !had.has(f));
    if (emptied.length) throw new Refusal('validation_failed', `A submitted ${item.kind} keeps ${emptied.join(', ')}: give a new value instead.`, { missing: emptied });
  }
  return record(next, actor, at, { type: 'edited', fields: changed });
}

/** R5: a draft is submitted once what its kind requires is filled in. */
export function submit(item: WorkItem, actor: Actor, at: string, process?: ProcessDefinition): WorkItem {
  if (item.state !== 'draft') throw invalidTransition(item.state, 'submit', 'only a draft is submitted');
  const missing = missingForSubmit(item.kind, item.fields, item.category?.id);
  if (missing.length > 0) {
    throw new Refusal('validation_failed', `Cannot submit: fill in ${missing.join(', ')}.`, { missing });
  }
  return submitted(clearHighlightFor(item, actor), actor, at, process); // R15: its owner acted
}

function submitted(item: WorkItem, actor: Actor, at: string, process: ProcessDefinition | undefined): WorkItem {
  let next = setState({ ...item, submittedAt: at }, actor, at, 'todo');
  next = record(next, actor, at, { type: 'submitted' });
  if (next.fields.description) {
    // R6: the description becomes the first note of the timeline.
    next = record(next, actor, at, { type: 'note', text: next.fields.description, isResolution: false, initialSubmission: true });
  }
  return beginFlow(next, process, at); // R26: a case's first stage starts
}
