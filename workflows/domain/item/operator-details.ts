// What operators read of an item in the Temporal UI (R40, R42), as pure functions:
// - the static summary, one line given when the item's workflow starts: `T-000123 · ticket · Invoice missing`;
// - the static details, given at start too: where the item came from (category, creator, process...);
// - the current details, Markdown the workflow keeps up to date with `setCurrentDetails`: its state,
//   its wait and when that ends, assignee and queue, the highlight, the SLA's due date (or R38's
//   banner while the clock is stopped) and breach, and the items it is linked to.
// They take the time as an argument and never read the clock. Nothing here goes into the item's
// state, its Update results or its continue-as-new input.

import { figures } from '../sla/sla.js';
import { responseFigures, shownClocks, type ResponseClock, type ResponseClockName } from '../sla/response-clocks.js';
import type { WorkItem, WorkItemInput } from './types.js';

/** Temporal keeps a summary's payload (a JSON string) to 400 bytes by default: stay well inside. */
const SUMMARY_MAX_CHARS = 200;
const SUMMARY_MAX_BYTES = 380;
/** User text (reasons) shown in the details is cut at this length. */
const TEXT_MAX_CHARS = 160;
/** A case with many actions lists this many refs, then says how many more. */
const REFS_MAX = 20;
/** How the API passes long texts through Temporal (api/item-store.ts, TEXT_REF_PREFIX). */
const TEXT_REF_MARK = '\uE000';

/** One line: `T-000123 · ticket · Invoice missing` (ref · kind · title or short description). */
export function operatorSummary(input: Pick<WorkItemInput, 'ref' | 'kind' | 'fields' | 'initialEmail'>): string {
  const title = oneLine(input.fields.title ?? input.fields.shortDescription ?? input.initialEmail?.subject ?? '') || '(no title yet)';
  return fitSummary(`${input.ref} · ${input.kind} · ${title}`);
}

/** Markdown fixed at start: what the item came from. */
export function operatorStaticDetails(input: WorkItemInput): string {
  const lines: string[] = [];
  if (input.category) lines.push(`**Category:** ${code(input.category.id)}`);
  const process = input.process ? `${input.process.id} v${input.process.version}` : input.processId;
  if (process) lines.push(`**Process:** ${code(process)}`);
  if (input.action) lines.push(`**Action:** ${code(input.action.type)}, stage ${input.action.stageIndex + 1}${input.action.robot ? ' (robot)' : ''}`);
  lines.push(`**Created by:** ${code(input.createdBy.id)} (${input.createdBy.kind})`);
  if (input.parentRef) lines.push(`**Started by:** ${input.parentRef}`);
  if (input.initialEmail) lines.push(`**From email of:** ${text(input.initialEmail.from)}`);
  if (input.linkedRefs?.length) lines.push(`**Follows up:** ${refs(input.linkedRefs)}`);
  if (input.imported) lines.push(`**Imported from v2020.1:** ${code(input.imported.legacyRef)}, status "${text(input.imported.legacyStatus)}"`);
  return lines.map((l) => `- ${l}`).join('\n');
}

/**
 * The item's current details as Markdown, as of `now` (the SLA's figures depend on it; every line
 * shown is fixed between two changes of the item: due dates and banners, not a running countdown).
 */
export function operatorDetails(item: WorkItem, now: Date): string {
  const lines: string[] = [`**State:** ${stateLine(item)}`];
  lines.push(`**Assignee:** ${item.assignee ? code(item.assignee) : 'none'} · **Queue:** ${item.queue ? code(item.queue) : 'none'}`);
  if (item.needsHuman) lines.push('**Needs a human** (a robot handed it back)');
  if (item.highlighted) lines.push('**Highlighted** (until its owner next acts on it)');
  if (item.waitEndedReason && item.state !== 'waiting') lines.push(`**Last wait ended:** ${item.waitEndedReason}`);
  const sla = slaLine(item, now);
  if (sla) lines.push(`**SLA:** ${sla}`);
  for (const [name, clock] of shownClocks(item.clocks)) lines.push(`**SLA ${name.replace('_', ' ')}:** ${responseLine(name, clock, now)}`);
  lines.push(...caseLines(item));
  if (item.parentRef) lines.push(`**Parent:** ${item.parentRef}`);
  if (item.childRefs.length) lines.push(`**Children:** ${refs(item.childRefs)}`);
  if (item.startedCase && !item.childRefs.includes(item.startedCase.ref)) lines.push(`**Started case:** ${item.startedCase.ref}`);
  if (item.linkedRefs.length) lines.push(`**Linked:** ${refs(item.linkedRefs)}`);
  return lines.map((l) => `- ${l}`).join('\n');
}

function stateLine(item: WorkItem): string {
  const state = item.state;
  switch (item.state) {
    case 'draft':
      return `${state} (not submitted)`;
    case 'waiting':
      return `${state}: ${waitLine(item)}`;
    case 'resolved': {
      const method = item.resolutionMethod ? ` as ${item.resolutionMethod}` : '';
      const window = item.feedbackWindowEndsAt ? `, feedback window ends ${at(item.feedbackWindowEndsAt)}` : '';
      return `${state}${method}${window}`;
    }
    case 'closed':
      return `${state}${item.resolutionMethod ? ` as ${item.resolutionMethod}` : ''}${item.closedAt ? ` at ${at(item.closedAt)}` : ''}${reason(item.resolutionReason)}`;
    default:
      return state;
  }
}

function waitLine(item: WorkItem): string {
  const wait = item.wait;
  if (!wait) return 'no wait type';
  const how: string[] = [];
  if (wait.type === 'more_info' && wait.days !== undefined) how.push(`${wait.days} day${wait.days === 1 ? '' : 's'}`);
  if (wait.closeIfNoResponse) how.push('closes if no response');
  if (wait.type === 'split' && item.split) how.push(`${item.split.resolved.length} of ${item.split.parts.length} new tickets resolved`);
  if (wait.type === 'case_launched' && item.startedCase) how.push(`until ${item.startedCase.ref} resolves`);
  const end = wait.endsAt ? `, ends ${at(wait.endsAt)}` : wait.type === 'more_info' ? ', ends when an email arrives' : '';
  return `${wait.type}${how.length ? ` (${how.join(', ')})` : ''}${end}${reason(wait.reason)}`;
}

/** R38-R40: the due date while the clock runs, the banner while it is stopped by a wait, the marks. */
function slaLine(item: WorkItem, now: Date): string | undefined {
  if (!item.sla) return item.category?.sla && item.state === 'draft' ? 'starts on submission' : undefined;
  const f = figures(item.sla, now);
  const parts: string[] = [];
  if (f.dueAt) parts.push(`due ${at(f.dueAt)}`);
  else if (f.banner) parts.push(f.banner);
  else parts.push(item.sla.frozenAt ? 'clock stopped at close' : `clock stopped (${item.sla.stops.at(-1)?.reason ?? item.state})`);
  if (f.breached) parts.push(`**BREACHED** at ${at(f.breachedAt!)}`);
  else if (f.atRisk) parts.push(`at risk since ${at(f.atRiskAt!)}`);
  return parts.join(' · ');
}

/** R44: a response clock's line: due or banner while it runs or waits, how it ended, its breach. */
function responseLine(name: ResponseClockName, clock: ResponseClock, now: Date): string {
  const f = responseFigures(name, clock, now);
  const parts: string[] = [];
  if (f.dueAt) parts.push(`due ${at(f.dueAt)}`);
  else if (f.banner) parts.push(f.banner);
  else if (clock.endedBy) parts.push(clock.endedBy === 'responded' ? `answered ${at(clock.frozenAt!)}` : 'ended at the resolution');
  else parts.push(`clock stopped (${clock.stops.at(-1)?.reason ?? ''})`);
  if (f.breached) parts.push(`**BREACHED** at ${at(f.breachedAt!)}`);
  else if (f.atRisk) parts.push(`at risk since ${at(f.atRiskAt!)}`);
  if (f.breaches) parts.push(`${f.breaches} breached in all`);
  return parts.join(' · ');
}

function caseLines(item: WorkItem): string[] {
  const lines: string[] = [];
  const flow = item.flow;
  if (item.stage) lines.push(`**Stage:** ${item.stage.index + 1} (${text(item.stage.name)})${flow?.complete ? ' (flow complete)' : ''}`);
  else if (flow?.complete) lines.push('**Stage:** flow complete');
  const attention = flow?.attention ?? item.importedAttention;
  if (attention) lines.push(`**Needs attention:** ${text(attention.reason)}${'actionRef' in attention ? ` (${attention.actionRef})` : ''}`);
  return lines;
}

/** `2026-03-05 09:03 UTC`, with seconds when the instant has them. */
function at(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return text(iso);
  const s = d.toISOString();
  const seconds = s.slice(17, 23) === '00.000' ? '' : s.slice(16, 19);
  return `${s.slice(0, 10)} ${s.slice(11, 16)}${seconds} UTC`;
}

function reason(r: string | undefined): string {
  return r ? `, because: ${text(r)}` : '';
}

function refs(list: readonly string[]): string {
  const shown = list.slice(0, REFS_MAX).join(', ');
  return list.length > REFS_MAX ? `${shown} and ${list.length - REFS_MAX} more` : shown;
}

/** An identifier, shown as code (no Markdown inside). */
function code(id: string): string {
  return `\`${oneLine(id).replace(/`/g, "'")}\``;
}

/** User text on one line, Markdown escaped, cut to a bounded length; a stored long text is named, not shown. */
function text(t: string): string {
  if (t.startsWith(TEXT_REF_MARK)) return '(long text, on the timeline)';
  const line = oneLine(t);
  const cut = line.length > TEXT_MAX_CHARS ? `${line.slice(0, TEXT_MAX_CHARS - 1)}…` : line;
  return cut.replace(/[\\`*_[\]<>#|~]/g, (c) => `\\${c}`);
}

function oneLine(t: string): string {
  return t.replace(/\s+/g, ' ').trim();
}

/** At most SUMMARY_MAX_CHARS characters, and its JSON form within SUMMARY_MAX_BYTES bytes of UTF-8. */
function fitSummary(s: string): string {
  let chars = Array.from(s);
  if (chars.length > SUMMARY_MAX_CHARS) chars = [...chars.slice(0, SUMMARY_MAX_CHARS - 1), '…'];
  while (utf8Bytes(JSON.stringify(chars.join(''))) > SUMMARY_MAX_BYTES) chars = [...chars.slice(0, -2), '…'];
  return chars.join('');
}

/** UTF-8 length without TextEncoder/Buffer (neither is assumed in the workflow sandbox). */
function utf8Bytes(s: string): number {
  let bytes = 0;
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    bytes += cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
  }
  return bytes;
}
