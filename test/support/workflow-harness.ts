// Runs work-item workflows on the time-skipping test server, with the real activities against a
// fresh PostgreSQL database. Keeps every started workflow so the replay test can check that
// their recorded histories replay without nondeterminism. Talks to the workflows as the API does
// (commands and inbound email as Updates, which answer with the item's state); a view is that
// state's, with every stored timeline entry before its tail, as of the test server's clock.

import { randomUUID } from 'node:crypto';
import type { WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker, type WorkflowBundle } from '@temporalio/worker';
import type pg from 'pg';
import { inject } from 'vitest';
import { migrate } from '../../store/db/migrate.js';
import { ItemStore } from '../../store/item-store.js';
import { createPool } from '../../store/db/pool.js';
import { bundleWorkItemWorkflows, createWorker } from '../../worker/create-worker.js';
import { ensureSearchAttributes } from '../../worker/search-attribute-registration.js';
import type { Command } from '../../workflows/domain/item/commands.js';
import type { Actor, CaseProcess, InboundEmail, WorkItem, WorkItemInput } from '../../workflows/domain/item/types.js';
import { toView, type WorkItemView } from '../../workflows/domain/item/view.js';
import { commandUpdates, inboundEmailUpdate, itemQuery, type EmailTaken } from '../../workflows/definitions.js';
import type { workItem } from '../../workflows/work-item.js';
import { freshDatabase, type FreshDatabase } from './db.js';
import { createTimeSkippingEnv } from './time-skipping-env.js';
import { SmtpRelay } from './smtp-relay.js';
import { dataConverterFor } from '../../worker/payload-codec.js';
import { testPayloadKeys } from './payload-keys.js';

export type ItemHandle = WorkflowHandleWithFirstExecutionRunId<typeof workItem>;

/** How long a view's Query may take (one the test server lost gets no answer). */
const QUERY_DEADLINE_MS = 5_000;

export const alice: Actor = { id: 'alice', kind: 'human', roles: [] };
export const bob: Actor = { id: 'bob', kind: 'human', roles: [] };
export const sam: Actor = { id: 'sam', kind: 'human', roles: ['supervisor'] };
export const robbie: Actor = { id: 'robbie', kind: 'robot', roles: [] };

/** A ticket's input (a draft unless `submit`), with sensible complete fields. */
export function ticketInput(ref: string, overrides: Partial<WorkItemInput> = {}): WorkItemInput {
  return {
    ref,
    kind: 'ticket',
    createdBy: alice,
    fields: { title: 'Invoice 42 missing', description: 'Supplier says invoice 42 was never paid.', primaryContact: 'ann@example.com', requester: 'ann@example.com' },
    category: { id: 'invoices', requireResolutionCommunication: false, feedbackWindowMs: 0 },
    submit: false,
    ...overrides,
  };
}

/** R48: the items' payloads are encrypted here as in the service. */
const DATA_CONVERTER = dataConverterFor(testPayloadKeys);

export class WorkflowHarness {
  readonly handles: ItemHandle[] = [];
  readonly items: ItemStore;
  private counter = 0;

  private constructor(
    readonly env: TestWorkflowEnvironment,
    readonly pool: pg.Pool,
    readonly bundle: WorkflowBundle,
    private readonly db: FreshDatabase,
    private readonly worker: Worker,
    private readonly workerRun: Promise<void>,
    readonly taskQueue: string,
    /** The SMTP relay the activities deliver outbound email to. */
    readonly relay: SmtpRelay,
  ) {
    this.items = new ItemStore(pool);
  }

  /** R48: the payload codec of its worker and client, for a replay of the histories it made. */
  get dataConverter() {
    return DATA_CONVERTER;
  }

  static async start(): Promise<WorkflowHarness> {
    const [env, db, bundle, relay] = await Promise.all([
      createTimeSkippingEnv(DATA_CONVERTER),
      freshDatabase(inject('databaseUrl')),
      bundleWorkItemWorkflows({ logger: quietLogger }),
      SmtpRelay.start(),
    ]);
    const pool = createPool(db.url);
    await migrate(pool);
    await ensureSearchAttributes(env.connection, env.namespace ?? 'default');
    const taskQueue = `wf-${randomUUID()}`;
    const worker = await createWorker({ connection: env.nativeConnection, pool, workflowBundle: bundle, taskQueue, email: { smtpUrl: relay.url }, dataConverter: DATA_CONVERTER });
    const workerRun = worker.run();
    return new WorkflowHarness(env, pool, bundle, db, worker, workerRun, taskQueue, relay);
  }

  /**
   * Starts a ticket (a draft unless `submit`), with sensible complete fields. `addressable`: its
   * workflow id is its ref, from the service's sequence, so items it starts can notify it.
   */
  async ticket(overrides: Partial<WorkItemInput> = {}, addressable = false): Promise<ItemHandle> {
    const ref = addressable ? await this.nextRef('ticket') : `T-${String(++this.counter).padStart(6, '0')}`;
    const input = ticketInput(ref, overrides);
    const handle = await this.env.client.workflow.start<typeof workItem>('workItem', {
      workflowId: addressable ? ref : `${ref}-${randomUUID().slice(0, 8)}`,
      taskQueue: this.taskQueue,
      args: [input],
    });
    this.handles.push(handle);
    return handle;
  }

  /**
   * Starts a case of `process`, submitted: its workflow id is its ref, as the API's are, since its
   * actions address their notices to it by ref.
   */
  async kase(process: CaseProcess, overrides: Partial<WorkItemInput> = {}): Promise<ItemHandle> {
    const ref = await this.nextRef('case');
    const input: WorkItemInput = {
      ref,
      kind: 'case',
      createdBy: alice,
      fields: { shortDescription: 'Onboard supplier Acme' },
      process,
      processId: process.id,
      submit: true,
      ...overrides,
    };
    const handle = await this.env.client.workflow.start<typeof workItem>('workItem', { workflowId: ref, taskQueue: this.taskQueue, args: [input] });
    this.handles.push(handle);
    return handle;
  }

  /**
   * A ref from the sequence the service allocates refs from, as the API does: items started by
   * other items (a start_case action's case, a ticket's case) take theirs from it too.
   */
  async nextRef(kind: 'ticket' | 'case'): Promise<string> {
    const { rows } = await this.pool.query<{ n: string }>(`SELECT nextval('${kind}_ref_seq') AS n`);
    return `${kind === 'ticket' ? 'T' : 'C'}-${rows[0].n.padStart(6, '0')}`;
  }

  /** The handle of an item started by another (an action of a case), by its ref. */
  handleOf(ref: string): ItemHandle {
    return this.env.client.workflow.getHandle(ref) as ItemHandle;
  }

  /** Sends a command; the reply is the view of the item's state it answered with. */
  async command(handle: ItemHandle, actor: Actor, command: Command): Promise<WorkItemView> {
    return this.viewOf(await this.rawCommand(handle, actor, command));
  }

  /** Sends a command; the reply is the workflow's own answer, the item's state (its timeline is the unstored tail). */
  rawCommand(handle: ItemHandle, actor: Actor, command: Command): Promise<WorkItem> {
    return handle.executeUpdate(commandUpdates[command.type], { args: [{ actor, command }] });
  }

  /** The view of the workflow's result, the closed item. */
  async result(handle: ItemHandle): Promise<WorkItemView> {
    return this.viewOf(await handle.result());
  }

  /** The view of the item as its workflow holds it now (the diagnostics Query). */
  async view(handle: ItemHandle): Promise<WorkItemView> {
    return this.viewOf(await this.itemOf(handle));
  }

  /** The item as its workflow holds it (the diagnostics Query), within a deadline. */
  private itemOf(handle: ItemHandle): Promise<WorkItem> {
    return this.env.client.connection.withDeadline(Date.now() + QUERY_DEADLINE_MS, () => handle.query(itemQuery));
  }

  /** The same, asked again while the test server leaves the Query unanswered (see `until`), for up to 30 s. */
  private async settledItemOf(handle: ItemHandle): Promise<WorkItem> {
    for (const deadline = Date.now() + 30_000; ; ) {
      try {
        return await this.itemOf(handle);
      } catch (error) {
        if (!unanswered(error) || Date.now() > deadline) throw error;
      }
    }
  }

  /**
   * The view of an item's state at the test server's time: its figures, and its whole timeline
   * (the stored entries, with the tags and delivery outcomes the state has not stored yet, then its
   * tail), every text in place.
   */
  async viewOf(item: WorkItem): Promise<WorkItemView> {
    const [timeline, now] = await Promise.all([this.items.allEntries(item), this.env.currentTimeMs()]);
    const { resolutionTags: _, deliveryUpdates: __, ...view } = toView(item, new Date(now));
    return { ...view, timeline };
  }

  /** Hands an inbound email to the item as the API does (the takeEmail Update); the answer says what it did. */
  email(handle: ItemHandle, email: Partial<InboundEmail> = {}): Promise<EmailTaken> {
    return handle.executeUpdate(inboundEmailUpdate, { args: [{
      messageId: `<${randomUUID()}@mail.example.com>`,
      from: 'ann@example.com',
      to: ['desk@example.com'],
      subject: 'Re: invoice',
      body: 'Here is the missing information.',
      receivedAt: new Date().toISOString(),
      ...email,
    }] });
  }

  /** Polls the view until `predicate` holds (notices, timers and launches are asynchronous). */
  /** Waits until each of these items started by another (a split's tickets, a launched case) has its workflow. */
  async started(...refs: string[]): Promise<void> {
    for (const ref of refs) {
      for (const deadline = Date.now() + 15_000; ; ) {
        try {
          await this.handleOf(ref).describe();
          break;
        } catch (error) {
          if (Date.now() > deadline) throw new Error(`timed out waiting for ${ref} to start: ${(error as Error).message}`);
          await new Promise((r) => setTimeout(r, 50));
        }
      }
    }
  }

  async until(handle: ItemHandle, predicate: (v: WorkItemView) => boolean, what: string, timeoutMs = 15_000): Promise<WorkItemView> {
    let last: WorkItemView | undefined;
    for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; ) {
      try {
        last = await this.view(handle);
      } catch (error) {
        if (!unanswered(error)) throw error;
        continue;
      }
      if (predicate(last)) return last;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`timed out waiting for ${what}; last state ${last?.state}`);
  }

  /**
   * Replays the history of every item this harness started, and of every item those started (a
   * case's actions, a split's tickets), on the bundle's code. Answers how many replayed, how many
   * of them were started by other items, and each replay error.
   */
  async replayAll(): Promise<{ replayed: number; children: number; errors: string[] }> {
    const started = [...this.handles];
    const items = await Promise.all(started.map((handle) => this.settledItemOf(handle)));
    const children = items.flatMap((item) => item.childRefs.map((ref) => this.handleOf(ref)));
    const histories = await Promise.all([...started, ...children].map(async (handle) => ({ workflowId: handle.workflowId, history: await handle.fetchHistory() })));
    const errors: string[] = [];
    let replayed = 0;
    for await (const result of Worker.runReplayHistories({ workflowBundle: this.bundle, dataConverter: DATA_CONVERTER }, histories)) {
      if (result.error) errors.push(`${result.workflowId}: ${result.error.message}`);
      replayed++;
    }
    return { replayed, children: children.length, errors };
  }

  /** Skips time on the test server (a month passes in milliseconds). */
  skip(ms: number): Promise<void> {
    return this.env.sleep(ms);
  }

  async stop(): Promise<void> {
    this.worker.shutdown();
    await this.workerRun;
    await this.relay.stop();
    await this.pool.end();
    await this.env.teardown();
    await this.db.drop();
  }
}

export const quietLogger = {
  log: () => undefined,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: (message: string, meta?: Record<string, unknown>) => console.error(message, meta),
};

/**
 * The test server can lose a Query sent while a run continues as new (it gets no answer, and the
 * deadline passes), and a worker refuses one whose history took its run past it: ask again.
 */
function unanswered(error: unknown): boolean {
  const e = error as Error & { code?: number; cause?: Error & { code?: number } };
  return e.code === 4 || e.cause?.code === 4 || /deadline|went past its history/i.test(`${e.message} ${e.cause?.message ?? ''}`);
}
