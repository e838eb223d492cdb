// Work items: create, read, edit, and one route per command. Each command is one Temporal
// Update; its reply is the item's full view after the command.

import type { z } from 'zod';
import type { Command } from '../../workflows/domain/item/commands.js';
import { missingForSubmit } from '../../workflows/domain/item/required-fields.js';
import type { WorkItemView } from '../../workflows/domain/item/view.js';
import { toActor, type Caller } from '../caller.js';
import type { ConfigStore } from '../config-store.js';
import type { ItemStore } from '../item-store.js';
import { ApiError } from '../errors.js';
import { notYet } from './not-built-routes.js';
import type { ReadModelStore } from '../read-model-store.js';
import { EVERYONE, RESOURCES, type Routes } from '../route.js';
import {
  AssignBody,
  EmailBody,
  EmptyBody,
  HistorySummary,
  NoteBody,
  RejectBody,
  ResolveBody,
  StateBody,
  TimelinePage,
  TimelineQuery,
  UnassignBody,
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
}

export function registerWorkItemRoutes(routes: Routes, deps: WorkItemRouteDeps): void {
  const { gateway, config, readModel, items } = deps;

  /**
   * The view as callers see it: the whole timeline (stored entries and the workflow's tail), and
   * links recorded outside the workflow (follow-ups of a closed item, R32).
   */
  const present = async (view: WorkItemView): Promise<WorkItemView> => {
    const [full, extra] = await Promise.all([items.compose(view), readModel.linksFrom(view.ref)]);
    return extra.length ? { ...full, linkedRefs: [...new Set([...full.linkedRefs, ...extra])] } : full;
  };

  /**
   * A view a command or a start returned: its change is in history, so the lists may show it.
   * (No links to read: links are recorded outside the workflow only for a closed item, and a
   * closed item takes no command.)
   */
  const changed = async (view: WorkItemView): Promise<WorkItemView> => {
    const [full] = await Promise.all([items.compose(view), items.mirror(view)]);
    return full;
  };

  /** The item's current view; an item past Temporal's retention says so. */
  const readView = async (ref: string): Promise<WorkItemView> => {
    try {
      return await present(await gateway.view(ref));
    } catch (error) {
      const row = error instanceof ApiError && error.code === 'not_found' ? await readModel.summary(ref) : undefined;
      if (!row) throw error;
      throw new ApiError('not_found', `${ref} is ${row.state}, and Temporal no longer keeps its history (past the namespace's retention); GET /v1/work-items still lists its summary.`);
    }
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
    refusals: ['validation_failed', 'not_implemented'], // 501: kind "case" is not built yet
    handler: async ({ body, caller }) => {
      if (body.kind !== 'ticket') throw notYet('Cases');
      const category = body.categoryId ? await config.categorySnapshot(body.categoryId) : undefined;
      const fields = await items.stashLongTexts({
        title: body.title,
        description: body.description,
        shortDescription: body.shortDescription,
        primaryContact: body.primaryContact,
        requester: body.requester,
      });
      if (body.submit) {
        const missing = missingForSubmit(body.kind, fields, body.categoryId);
        if (missing.length) throw new ApiError('validation_failed', `Cannot submit: fill in ${missing.join(', ')}.`, { missing });
      }
      const ref = await readModel.nextRef(body.kind);
      return changed(await gateway.start({ ref, kind: body.kind, createdBy: toActor(caller), fields, category, queue: body.queue, processId: body.processId, submit: body.submit === true }));
    },
  });

  routes.add({
    method: 'get',
    path: '/work-items/:ref',
    summary: 'Read a work item',
    tag: 'work items',
    allow: EVERYONE,
    response: ViewSchema,
    handler: ({ params }) => readView(params.ref),
  });

  routes.add({
    method: 'get',
    path: '/work-items/:ref/timeline',
    summary: 'Page through the timeline of a work item',
    tag: 'work items',
    allow: EVERYONE,
    query: TimelineQuery,
    response: TimelinePage,
    handler: async ({ params, query }) => items.page(await gateway.view(params.ref), query.after ?? 0, query.limit ?? 100),
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
    toCommand: (body: z.output<B>, caller: Caller) => Command | Promise<Command>,
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
        const cmd = await items.stashLongTexts(await toCommand(parsed, caller));
        return changed(await gateway.command(params.ref, toActor(caller), cmd, idempotencyKey));
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
}
