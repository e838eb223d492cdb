// Work items: create, read, edit, and one route per command. Each command is one Temporal
// Update, whose result (the item's state after the command) is stored before the reply: the
// reply is the view of that state, and reads come from PostgreSQL, never from a Query.

import type { z } from 'zod';
import type { Command } from '../../workflows/domain/item/commands.js';
import { missingForSubmit } from '../../workflows/domain/item/required-fields.js';
import type { WorkItem } from '../../workflows/domain/item/types.js';
import { toSummary, toView, type WorkItemView } from '../../workflows/domain/item/view.js';
import type { Access } from '../access.js';
import { toActor, type Caller } from '../caller.js';
import type { ConfigStore } from '../config-store.js';
import type { ItemStore } from '../../store/item-store.js';
import { ApiError, invalid, noSuchItem } from '../errors.js';
import type { ProcessStore } from '../process-store.js';
import type { ReadModelStore } from '../../store/read-model-store.js';
import { EVERYONE, RESOURCES, type Routes } from '../route.js';
import {
  AssignBody,
  CancelBody,
  EmailBody,
  EmptyBody,
  HistorySummary,
  LaunchActionBody,
  LaunchCaseBody,
  MergeBody,
  SplitBody,
  NoteBody,
  QueueBody,
  RejectBody,
  ResolveBody,
  ReworkBody,
  StateBody,
  TimelinePage,
  TimelineQuery,
  UnassignBody,
  ViewQuery,
  WaitBody,
  WorkItemCreate,
  WorkItemPatch,
  WorkItemView as ViewSchema,
} from '../schemas.js';
import type { WorkItemGateway } from '../work-item-gateway.js';

export interface WorkItemRouteDeps {
  gateway: WorkItemGateway;
  config: ConfigStore;
  readModel: ReadModelStore;
  items: ItemStore;
  processes: ProcessStore;
  access: Access;
}

export function registerWorkItemRoutes(routes: Routes, deps: WorkItemRouteDeps): void {
  const { gateway, config, readModel, items, processes, access } = deps;

  /** R27: a case shows each open action where it is now (its own row in the lists), and who has it. */
  const withActionStates = async (view: WorkItemView): Promise<WorkItemView> => {
    if (!view.actions?.length) return view;
    const now = await readModel.statesOf(view.actions.filter((a) => a.state !== 'closed').map((a) => a.ref));
    return {
      ...view,
      actions: view.actions.map((a) => {
        const row = now.get(a.ref);
        if (!row || a.state === 'closed') return a;
        return { ...a, state: row.state, ...(row.assignee ? { assignee: row.assignee } : {}) };
      }),
    };
  };

  /** The view as callers see it, with links recorded outside the workflow (follow-ups of a closed item, R32). */
  const present = async (view: WorkItemView, links?: string[]): Promise<WorkItemView> => {
    const extra = links ?? (await readModel.linksFrom(view.ref));
    return withActionStates(extra.length ? { ...view, linkedRefs: [...new Set([...view.linkedRefs, ...extra])] } : view);
  };

  /**
   * The state a command or a start answered with: its change is in history, so it is stored
   * (unless a newer version is there already) before the reply, which is its view. (No links to
   * read: links are recorded outside the workflow only for a closed item, which takes no command.)
   */
  const changed = async (item: WorkItem): Promise<WorkItemView> => {
    const now = gateway.now();
    const [, view] = await Promise.all([items.save(item, toSummary(item, now)), items.present(item, now)]);
    return withActionStates(view);
  };

  /** The item's current view, from PostgreSQL; `fromWorkflow` asks its workflow instead (diagnostics). */
  const readView = async (ref: string, fromWorkflow = false): Promise<WorkItemView> => {
    if (fromWorkflow) {
      const { resolutionTags: _, deliveryUpdates: __, ...view } = await gateway.workflowView(ref);
      const stored = await items.item(ref);
      // The workflow holds only the entries not stored yet: the rest come from PostgreSQL.
      return present(stored ? { ...view, timeline: (await items.present({ ...stored, timeline: view.timeline, timelineLength: view.timelineLength }, gateway.now())).timeline } : view);
    }
    // The stored view and the links recorded beside it, read at once.
    const [view, links] = await Promise.all([items.view(ref, gateway.now()), readModel.linksFrom(ref)]);
    if (view) return present(view, links);
    const row = await readModel.summary(ref);
    if (!row) throw noSuchItem(ref);
    throw new ApiError('not_found', `${ref} is ${row.state}, and only its list row is kept (its state was not stored, and Temporal no longer keeps its history past the namespace's retention); GET /v1/work-items still lists its summary.`);
  };

  /** The stored state of an item a request names, or 404. */
  const stateOf = async (ref: string): Promise<WorkItem> => {
    const item = await items.item(ref);
    if (!item) throw noSuchItem(ref);
    return item;
  };

  routes.add({
    method: 'post',
    path: '/work-items',
    summary: 'Create a work item',
    tag: 'work items',
    allow: EVERYONE,
    body: WorkItemCreate,
    status: 201,
    response: ViewSchema,
    yieldsItem: true,
    refusals: ['validation_failed'],
    handler: async ({ body, caller, idempotencyKey }) => {
      // R26: a case follows the current version of its process, to its end.
      const process = body.kind === 'case' ? await caseProcess(body.processId) : undefined;
      if (body.kind === 'ticket' && body.processId) throw invalid([{ path: ['body', 'processId'], message: 'only a case follows a process; leave processId out for a ticket' }]);
      const categoryId = body.categoryId ?? process?.categoryId;
      const category = categoryId ? await config.categorySnapshot(categoryId) : undefined;
      const fields = await items.stashLongTexts({
        title: body.title,
        description: body.description,
        shortDescription: body.shortDescription,
        primaryContact: body.primaryContact,
        requester: body.requester,
      });
      if (body.submit) {
        const missing = missingForSubmit(body.kind, fields, categoryId);
        if (missing.length) throw new ApiError('validation_failed', `Cannot submit: fill in ${missing.join(', ')}.`, { missing });
      }
      // With an Idempotency-Key, the ref is fixed by the key before the item starts: a creation
      // retried after a crash (its answer never stored) finds the item it started, never a second.
      const ref = idempotencyKey ? await readModel.refForCreation(body.kind, idempotencyKey) : await readModel.nextRef(body.kind);
      return access.shown(caller, await changed(
        await gateway.startOrFind({ ref, kind: body.kind, createdBy: toActor(caller), fields, category, queue: body.queue, ...(process ? { process, processId: process.id } : {}), submit: body.submit === true }),
      ));
    },
  });

  async function caseProcess(processId: string | undefined) {
    if (!processId) throw invalid([{ path: ['body', 'processId'], message: 'a case follows a process: name one (PUT /v1/processes/:id defines it)' }]);
    const process = await processes.get(processId);
    if (!process) throw invalid([{ path: ['body', 'processId'], message: `no process ${processId}; PUT /v1/processes/${processId} defines it` }]);
    return process;
  }

  routes.add({
    method: 'get',
    path: '/work-items/:ref',
    summary: 'Read a work item',
    tag: 'work items',
    allow: EVERYONE,
    query: ViewQuery,
    response: ViewSchema,
    handler: async ({ params, query, caller }) => access.shown(caller, await readView(params.ref, query.source === 'workflow')),
  });

  routes.add({
    method: 'get',
    path: '/work-items/:ref/timeline',
    summary: 'Page through the timeline of a work item',
    tag: 'work items',
    allow: EVERYONE,
    query: TimelineQuery,
    response: TimelinePage,
    handler: async ({ params, query }) => {
      const page = await items.page(params.ref, query.after ?? 0, query.limit ?? 100);
      if (!page) throw noSuchItem(params.ref);
      return page;
    },
  });

  routes.add({
    method: 'get',
    path: '/work-items/:ref/history',
    summary: 'Summarise the Temporal history of a work item',
    tag: 'work items',
    allow: EVERYONE,
    response: HistorySummary,
    handler: ({ params }) => gateway.history(params.ref),
  });

  /** Declares one command route: body schema -> Command -> Update. */
  const command = <B extends z.ZodType>(
    path: string,
    summary: string,
    body: B,
    toCommand: (body: z.output<B>, caller: Caller, request: { ref: string; idempotencyKey?: string }) => Command | Promise<Command>,
  ): void => {
    routes.add({
      method: path === '' ? 'patch' : 'post',
      path: `/work-items/:ref${path}`,
      summary,
      tag: 'commands',
      allow: RESOURCES,
      body,
      response: ViewSchema,
      refusals: ['invalid_transition', 'assigned_to_other', 'needs_operator', 'validation_failed', 'resolution_communication_required'],
      handler: async ({ params, body: parsed, caller, idempotencyKey }) => {
        const cmd = await items.stashLongTexts(await toCommand(parsed, caller, { ref: params.ref, idempotencyKey }));
        return access.shown(caller, await changed(await gateway.command(params.ref, toActor(caller), cmd, idempotencyKey)));
      },
    });
  };

  command('', 'Edit a work item', WorkItemPatch, async (b) => {
    const { categoryId, ...fields } = b;
    return { type: 'edit', fields, ...(categoryId ? { category: await config.categorySnapshot(categoryId) } : {}) };
  });
  command('/submit', 'Submit a draft', EmptyBody, () => ({ type: 'submit' }));
  command('/pick-up', 'Pick up a todo item', EmptyBody, () => ({ type: 'pickUp' }));
  command('/assign', 'Assign to a resource', AssignBody, async (b) => {
    const target = await config.assignable(b.resourceId, 'resourceId');
    return { type: 'assign', resourceId: target.id, resourceKind: target.kind };
  });
  command('/unassign', 'Unassign, to another resource or the queue', UnassignBody, async (b) => {
    if (!b.toResourceId) return { type: 'unassign' };
    const target = await config.assignable(b.toResourceId, 'toResourceId');
    return { type: 'unassign', toResourceId: target.id, toResourceKind: target.kind };
  });
  command('/state', 'Set the state by hand (todo <-> in_progress)', StateBody, (b) => ({ type: 'setState', state: b.state }));
  command('/reject', 'Reject as a robot, handing the item to humans', RejectBody, (b) => ({ type: 'reject', reason: b.reason }));
  command('/wait', 'Start waiting', WaitBody, (b) => ({ type: 'wait', wait: b }));
  command('/cancel-wait', 'Cancel the wait', EmptyBody, () => ({ type: 'cancelWait' }));
  command('/notes', 'Add a note', NoteBody, (b) => ({ type: 'addNote', text: b.text, isResolution: b.isResolution }));
  command('/emails', 'Send an email (and resolve, with resolve: true)', EmailBody, (b) => ({ type: 'sendEmail', ...b }));
  command('/resolve', 'Resolve', ResolveBody, (b) => ({ type: 'resolve', method: b.method, reason: b.reason }));
  command('/reopen', 'Reopen inside the feedback window', EmptyBody, () => ({ type: 'reopen' }));
  // Cases (R19, R28, R29)
  command('/cancel', 'Cancel a case: it closes at once, and so do its open actions', CancelBody, (b) => ({ type: 'cancel', reason: b.reason }));
  command('/rework', 'Rework a case from a stage, or chosen completed actions of its current stage', ReworkBody, (b) =>
    'fromStage' in b ? { type: 'rework', fromStage: b.fromStage } : { type: 'rework', actions: b.actions },
  );
  command('/reset', 'Reset a case that needs attention to in_progress', EmptyBody, () => ({ type: 'reset' }));
  command('/actions', 'Launch an action on a case by hand, or relaunch a closed one', LaunchActionBody, (b) =>
    'relaunch' in b ? { type: 'launchAction', relaunch: b.relaunch } : { type: 'launchAction', action: b },
  );
  command('/queue', 'Move to another queue (a supervisor of its queue)', QueueBody, (b) => ({ type: 'moveQueue', queue: b.queue }));
  // Tickets that become other work (R30, R31, R33)
  routes.add({
    method: 'post',
    path: '/work-items/:ref/merge',
    summary: 'Merge a ticket into an open ticket or case: its timeline goes with it, and it closes as merged',
    tag: 'commands',
    allow: RESOURCES,
    body: MergeBody,
    response: ViewSchema,
    refusals: ['invalid_transition', 'assigned_to_other', 'needs_operator'],
    handler: async ({ params, body, caller, idempotencyKey }) => {
      if (body.into === params.ref) throw invalid([{ path: ['body', 'into'], message: 'a ticket does not merge into itself' }]);
      await access.require(caller, body.into); // R46: a target out of reach is an unknown one
      const [ticket, target] = await Promise.all([stateOf(params.ref), stateOf(body.into)]);
      if (ticket.kind !== 'ticket') throw new ApiError('invalid_request', `Only a ticket merges; ${ticket.ref} is a ${ticket.kind}.`, { issues: [] });
      if (target.kind === 'action') throw invalid([{ path: ['body', 'into'], message: `${target.ref} is an action; a ticket merges into a ticket or a case` }]);
      if (target.state === 'closed') throw new ApiError('invalid_transition', `${target.ref} is closed; a ticket merges into an open ticket or case.`, { from: 'closed', command: 'merge' });
      const actor = toActor(caller);
      const key = (suffix: string) => (idempotencyKey ? `${idempotencyKey}:${suffix}` : undefined);
      // The ticket first: its rules may refuse, and then neither item has changed. A merge cut
      // short after it is completed by sending it again (the ticket says where it went).
      const merged = ticket.mergedInto === body.into ? await present(toView(ticket, gateway.now())) : await changed(await gateway.command(params.ref, actor, { type: 'merge', into: body.into }, key('ticket')));
      await readModel.link(params.ref, body.into, 'merged_into'); // later emails of its thread go to the target (R34)
      const closed = (await items.item(params.ref)) ?? ticket;
      const timeline = await items.allEntries(closed);
      const mergedTimeline = await items.stashJson(timeline);
      await changed(await gateway.command(body.into, actor, { type: 'takeMerged', ref: ticket.ref, mergedTimeline, entries: timeline.length }, key('target')));
      return access.shown(caller, merged);
    },
  });
  /**
   * R31, R33: refs for the items a command makes, fixed before it is sent so its answer names
   * them; with an Idempotency-Key a retry gets the same ones. (A refused command leaves its refs
   * unused: a gap in the numbering.)
   */
  const newRefs = (kind: 'ticket' | 'case', count: number, request: { ref: string; idempotencyKey?: string }): Promise<string[]> =>
    Promise.all(
      Array.from({ length: count }, (_, i) =>
        request.idempotencyKey ? readModel.refForCreation(kind, `${request.ref}:${request.idempotencyKey}:${i}`) : readModel.nextRef(kind),
      ),
    );
  command('/split', 'Split a ticket into new tickets: it waits until every one has resolved', SplitBody, async (b, _caller, request) => ({
    type: 'split',
    tickets: await Promise.all(
      b.tickets.map(async ({ categoryId, ...part }, i) => ({
        ...part,
        ...(categoryId ? { category: await config.categorySnapshot(categoryId, `tickets.${i}.categoryId`) } : {}),
      })),
    ),
    refs: await newRefs('ticket', b.tickets.length, request),
  }));
  command('/launch-case', 'Launch a case from a ticket: the ticket waits until the case resolves', LaunchCaseBody, async (b, _caller, request) => {
    await caseProcess(b.processId); // an unknown process is refused before the ticket hears of it
    const [ref] = await newRefs('case', 1, request);
    return { type: 'launchCase', processId: b.processId, shortDescription: b.shortDescription, ref: ref! };
  });
}
