// The work-item model shared by the workflow (deterministic code), the API and the tests.

import type { CaseFlow } from '../case/flow.js';
import type { ProcessDefinition } from '../case/process-definition.js';
import type { SlaClock, SlaRule } from '../sla/sla.js';
import type { ClockName, ResponseClocks, ResponseRules } from '../sla/response-clocks.js';

export { KINDS, STATES, WAIT_TYPES, RESOLUTION_METHODS, WAIT_END_REASONS } from './words.js';
export type { Kind, State, WaitType, ResolutionMethod, WaitEndReason } from './words.js';
import type { Kind, State, WaitType, ResolutionMethod, WaitEndReason } from './words.js';
import type { MappedStatus } from '../legacy/status-mapping.js';

/** Who performs a command: resolved by the API from the caller's token. */
export interface Actor {
  id: string;
  kind: 'human' | 'robot' | 'integration' | 'admin' | 'system';
  roles: string[];
  /** R46: the queues a resource is bounded to, when it names any: its supervisor role holds for these only. */
  queues?: string[];
}

export const SYSTEM: Actor = { id: 'system', kind: 'system', roles: [] };

/** The part of a category the workflow needs, copied in when the category is set (R21, R22). */
export interface CategorySnapshot {
  id: string;
  requireResolutionCommunication: boolean;
  feedbackWindowMs: number;
  /** The due-date rule (R36), with its calendar copied in. */
  sla?: SlaRule;
  /** R44: the rules of the response clocks, with their calendars copied in. */
  slas?: ResponseRules;
  /** R33: how a ticket resolves when the case it launched resolves (absent: customer_communication). */
  launchedCaseResolution?: 'customer_communication' | 'no_customer_response' | 'rejected';
}

export interface Wait {
  type: WaitType;
  days?: number;
  closeIfNoResponse?: boolean;
  until?: string;
  reason?: string;
  /** When the wait's durable timer fires, if it has one. */
  endsAt?: string;
  /** A `split` or `case_launched` wait imported from v2020.1: no work here ends it, so its owner does (R43). */
  imported?: boolean;
}

/** Why the last wait ended (the view's `waitEndedReason`). */

export interface EditableFields {
  title?: string;
  description?: string;
  shortDescription?: string;
  primaryContact?: string;
  requester?: string;
}

export interface InboundEmail {
  messageId: string;
  from: string;
  to: string[];
  subject: string;
  /** The new part of the message (earlier replies it quotes are cut off), as text. */
  body: string;
  receivedAt: string;
  /** The whole text, quoted replies included, when `body` is only its new part. */
  fullBody?: string;
  /** The HTML part as sent (the timeline shows `body`, its text). */
  html?: string;
  /** What was attached (the content is stored once, by its hash, outside the item). */
  attachments?: AttachmentMeta[];
}

export interface AttachmentMeta {
  name: string;
  type: string;
  size: number;
  sha256: string;
}

export interface OutboundEmail {
  messageId: string;
  ref: string;
  to: string[];
  subject: string;
  body: string;
  isResolution: boolean;
  /** The seq of its `email_out` entry (absent on emails queued before delivery existed). */
  seq?: number;
  /** The Message-ID of the latest email the item received, so the reply threads with it. */
  inReplyTo?: string;
}

/** Where an outbound email is: handed to the relay (`queued`), accepted by it, or given up on. */
export type EmailDelivery = 'queued' | 'sent' | 'failed';

/** A delivery outcome of an `email_out` entry already stored, to apply at the next store. */
export interface DeliveryUpdate {
  seq: number;
  delivery: EmailDelivery;
  error?: string;
}

export type InboundOutcome = 'attached' | 'filled_draft' | 'ended_wait' | 'reopened';

/** What a timeline entry can say happened. */
export const ENTRY_TYPES = [
  'created',
  'submitted',
  'edited',
  'state_changed',
  'assigned',
  'note',
  'email_in',
  'email_out',
  'wait_started',
  'wait_ended',
  'rejected_by_robot',
  'resolved',
  'reopened',
  'closed',
  'sla_started',
  'sla_stopped',
  'sla_changed',
  'sla_removed',
  'sla_at_risk',
  'sla_breached',
  'stage_started',
  'launch_requested',
  'action_launched',
  'action_closed',
  'needs_attention',
  'flow_complete',
  'reworked',
  'reset',
  'case_cancelled',
  'case_started',
  'child_changed',
  'case_launch_requested',
  'split',
  'split_part_started',
  'merged_in',
  'merged_into',
  'queue_changed',
  'imported',
] as const;
export type EntryType = (typeof ENTRY_TYPES)[number];

/** One line of the item's timeline (R42). `type` says what happened; the other fields depend on it. */
export interface TimelineEntry {
  /** The entry's place on the timeline: 1, 2, 3... */
  seq: number;
  at: string;
  by: string;
  type: EntryType;
  [field: string]: unknown;
}

/** What R22 needs to know of the current spell, without reading its entries back. */
export interface Spell {
  /** The seq of the entry that began the spell (0: the draft, from creation). */
  startSeq: number;
  /** The latest note (not the submitted description) or outbound email of the spell. */
  latestCommunicationSeq?: number;
  /** The note or outbound email of the spell tagged as the resolution communication. */
  resolutionSeq?: number;
}

/**
 * A message from one item to another (R32), sent by the sender's workflow as a Signal to the
 * other item's ref. The receiver ignores a repeat, so a resend after a crash is harmless.
 */
export type ItemNotice =
  /** An action tells its case it closed (R25, R29). */
  | { type: 'actionClosed'; to: string; ref: string; method: ResolutionMethod; reason?: string }
  /** A cancelled case tells each of its open actions to close (R19); a rework withdraws later stages' open actions (R29). */
  | { type: 'caseCancelled'; to: string; caseRef: string; reason: string; method?: 'withdrawn' }
  /** A case tells the item that started it (a start_case action) when it is submitted and when it resolves (R26, R32). */
  | { type: 'childChanged'; to: string; ref: string; state: State; resolutionMethod?: ResolutionMethod };

/** A new ticket a split ticket is to start (R31), as its `launchId`-th launch. */
export interface SplitPart {
  /** Its ref, fixed by the split command so the command's answer names it (R31, R32). */
  ref: string;
  title: string;
  description: string;
  category?: CategorySnapshot;
  primaryContact?: string;
  requester?: string;
  queue?: string;
  launchId: number;
}

/** A case an item is to start: of which process, described how, as its `launchId`-th launch. */
export interface CaseLaunch {
  /** Its ref, when the command that asked for it fixed one (R33: launch-case); else allocated at launch. */
  ref?: string;
  processId: string;
  shortDescription: string;
  launchId: number;
}

/** The process a case follows, in the version it started with (R26). */
export interface CaseProcess extends ProcessDefinition {
  id: string;
  version: number;
}

/** The whole state of one work item, held by its workflow. */
export interface WorkItem {
  ref: string;
  kind: Kind;
  state: State;
  wait?: Wait;
  waitEndedReason?: WaitEndReason;
  highlighted: boolean;
  assignee?: string;
  queue?: string;
  needsHuman: boolean;
  fields: EditableFields;
  category?: CategorySnapshot;
  processId?: string;
  resolutionMethod?: ResolutionMethod;
  resolutionReason?: string;
  submittedAt?: string;
  /** The SLA clock, from submission, when the category has a due-date rule (R36-R40). */
  sla?: SlaClock;
  /** R44: the response clocks, when the category has rules for them. */
  clocks?: ResponseClocks;
  /** When the item last received and last sent an email: what the response clocks follow (R44). */
  lastEmailInAt?: string;
  lastEmailOutAt?: string;
  resolvedAt?: string;
  /** The resource (human or robot) who resolved it, if one did. */
  resolvedBy?: string;
  feedbackWindowEndsAt?: string;
  closedAt?: string;
  parentRef?: string;
  childRefs: string[];
  linkedRefs: string[];
  /**
   * Timeline entries not yet stored outside the workflow. The pure functions only append; the
   * workflow drops entries once PostgreSQL holds them, so the item carries a short tail only.
   */
  timeline: TimelineEntry[];
  /** The seq of the item's last timeline entry (how many entries it has ever had). */
  timelineLength: number;
  /** Seqs of stored entries tagged as the resolution communication since the last store (R22). */
  resolutionTags: number[];
  /** The current in_progress spell (or the draft): where it began and its communications (R22). */
  spell: Spell;
  /** The latest inbound Message-IDs taken (long ones as a hash), so a redelivery has no effect (R34). */
  seenMessageIds: string[];
  /** Outbound emails recorded on the timeline but not yet stored (the relay hears of them after). */
  outbox: OutboundEmail[];
  /** Outbound emails stored and handed to the relay, whose outcome has not come back yet. */
  delivering?: OutboundEmail[];
  /** Delivery outcomes of stored `email_out` entries, applied at the next store. */
  deliveryUpdates?: DeliveryUpdate[];
  /** The Message-ID of the latest email the item received: the next outbound email replies to it. */
  replyTo?: string;
  /** Cases: the version of the process followed (R26), its flow, and the stage running (R27). */
  processVersion?: number;
  flow?: CaseFlow;
  stage?: { index: number; name: string };
  /** Actions: what kind of action this is, and the stage of its case it belongs to. */
  action?: { type: string; stageIndex: number; robot?: boolean; processId?: string };
  /** A split ticket (R31): the new tickets asked for and not started yet, and how many of its parts have resolved. */
  partsToStart?: SplitPart[];
  split?: { parts: string[]; resolved: string[] };
  /** A ticket that launches a case (R33): the case asked for, until it is started. */
  caseToLaunch?: CaseLaunch;
  /** A start_case action (R26) or a ticket that launched a case (R33): the case it started. */
  startedCase?: { ref: string };
  /** Messages to other items not sent yet (R32). */
  notices?: ItemNotice[];
  /** R30: the item this ticket merged into, and the tickets merged into this one. */
  mergedInto?: string;
  mergedFrom?: string[];
  /** R8: the resource (human or robot) who created the item: a reopened draft goes back to them when no resource reopened it. */
  createdBy?: string;
  /** R39: when the item's SLA clock breached, kept across a removal of its rule so a breach is recorded once. */
  slaBreachedAt?: string;
  /** Imported from v2020.1 (R43): its old reference and status, and the attention it needed there. */
  legacy?: { ref: string; status: string };
  importedAttention?: { reason: string };
  createdAt: string;
  updatedAt: string;
  version: number;
}

/** What starts a work-item workflow. */
export interface WorkItemInput {
  ref: string;
  kind: Kind;
  createdBy: Actor;
  fields: EditableFields;
  category?: CategorySnapshot;
  queue?: string;
  processId?: string;
  /** A case: its process, in the version it follows to its end (R26). */
  process?: CaseProcess;
  /** An action: what its case launched it as. */
  action?: WorkItem['action'];
  /** Imported from v2020.1 (R43): the item starts directly in its mapped state. */
  imported?: LegacyImport;
  /** Submit at once (hand-created items that passed R5's check, or items born from email). */
  submit: boolean;
  parentRef?: string;
  linkedRefs?: string[];
  /** The email this item was born from, recorded as the first timeline entry (R35). */
  initialEmail?: InboundEmail;
  /** Close at once with this system method (an email to an unknown address, R35). */
  closeAs?: 'rejected_unknown_address';
  /**
   * When the item was created: the API sets it, so the view it answers with is the one the
   * workflow computes from the same input (absent: the workflow's first task's time).
   */
  createdAt?: string;
  /** The item as the previous run left it, carried over continue-as-new (what it had not stored, Updates answered with); absent on the first run. */
  carried?: WorkItem;
  /** How long a change may wait to be stored in PostgreSQL by the workflow itself (tests lower it). */
  storeAfterMs?: number;
  /** History length after which the run continues as new (tests lower it). */
  continueAsNewAfterEvents?: number;
}

/** The read-model row for the lists (R41). */
export interface WorkItemSummary {
  ref: string;
  kind: Kind;
  state: State;
  waitType: WaitType | null;
  highlighted: boolean;
  assignee: string | null;
  queue: string | null;
  needsHuman: boolean;
  title: string | null;
  categoryId: string | null;
  parentRef: string | null;
  /** The earliest due date of any running clock (R44). */
  dueAt: string | null;
  /** Any clock breached; which ones (R44). */
  breached: boolean;
  breachedClocks: ClockName[];
  createdAt: string;
  updatedAt: string;
  version: number;
}

/** An item imported from v2020.1 (R43): what the workflow starts it from. */
export interface LegacyImport {
  legacyRef: string;
  legacyStatus: string;
  mapped: MappedStatus;
  assignee?: string;
  waitUntil?: string;
  resolvedAt?: string;
  attentionReason?: string;
  /** Earlier notes, oldest first. */
  timeline: Array<{ at: string; by: string; text: string }>;
}
