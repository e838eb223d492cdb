// What a scenario run prints: each step on one line with the clock
// (`[Fri 2026-12-04 16:00 +01:00] skip P3D -> Mon 2026-12-07 16:00 +01:00`), each expectation
// as PASS or FAIL with what it saw, a readable timeline per item at the end (time, entry type,
// who, short details), and one summary line (`PASS 7/7 expectations · 33d 4h simulated in 3.1 s`).

import type { ScenarioProblem } from './format.js';
import { formatClock, formatLocalShort, humanDuration } from './time.js';

export function clockText(ms: number, zone: string): string {
  return formatClock(ms, zone);
}

export function stepLine(ms: number, zone: string, text: string): string {
  return `[${formatClock(ms, zone)}] ${text}`;
}

export function expectationLine(file: string, r: { line: number; label: string; pass: boolean; saw?: string }): string {
  if (r.pass) return `    PASS ${r.label}`;
  return `    FAIL ${r.label} -- saw ${r.saw ?? '(nothing)'} (${file}:${r.line})`;
}

export function summaryLine(r: { passed: number; failed: number; error?: { line: number; message: string }; simulatedMs: number; wallMs: number }): string {
  const total = r.passed + r.failed;
  const verdict = r.error ? 'ERROR' : r.failed ? 'FAIL' : 'PASS';
  const stopped = r.error ? ` (stopped at line ${r.error.line})` : '';
  return `${verdict} ${r.passed}/${total} expectations${stopped} · ${humanDuration(r.simulatedMs)} simulated in ${(r.wallMs / 1000).toFixed(1)} s`;
}

/** `file.yaml:12: what was expected`, one per problem (exit code 2). */
export function problemLines(file: string, problems: ScenarioProblem[]): string[] {
  return problems.map((p) => `${file}:${p.line}: ${p.message}`);
}

type Entry = Record<string, unknown> & { seq?: number; at?: string; by?: string; type?: string };

/** An item's timeline, one entry a line: time, type, who, the details that matter. */
export function timelineBlock(name: string, ref: string, entries: Entry[] | Error, zone: string, refs: ReadonlyMap<string, string>, unmap: <T>(v: T) => T = (v) => v): string[] {
  const lines = [``, `timeline of ${name} (${ref})`];
  if (entries instanceof Error) return [...lines, `  (could not be read: ${entries.message})`];
  const names = new Map([...refs].map(([n, r]) => [r, n]));
  const withName = (text: string) => text.replace(/\b[TCA]-\d{6,12}\b/g, (r) => (names.has(r) && names.get(r) !== name ? `${r} (${names.get(r)})` : r));
  const typeWidth = Math.max(12, ...entries.map((e) => String(e.type ?? '').length));
  const byWidth = Math.max(6, ...entries.map((e) => String(unmap(e.by) ?? '').length));
  for (const raw of entries) {
    const e = unmap(raw);
    const at = e.at ? formatLocalShort(Date.parse(e.at), zone) : '?';
    lines.push(`  ${at}  ${String(e.type).padEnd(typeWidth)}  ${String(e.by ?? '').padEnd(byWidth)}  ${withName(details(e, zone))}`.trimEnd());
  }
  return lines;
}

/** The few details of an entry a reader wants, by its type. */
export function details(e: Entry, zone: string): string {
  const when = (v: unknown) => (typeof v === 'string' && !Number.isNaN(Date.parse(v)) ? formatLocalShort(Date.parse(v), zone) : String(v));
  const short = (v: unknown, max = 60) => {
    const s = String(v ?? '').replace(/\s+/g, ' ').trim();
    return s.length > max ? `${s.slice(0, max - 1)}…` : s;
  };
  switch (e.type) {
    case 'created':
      return String(e.kind ?? '');
    case 'state_changed':
      return `${e.from} -> ${e.to}`;
    case 'assigned':
      return `${e.from ?? '(queue)'} -> ${e.to ?? '(queue)'}`;
    case 'note':
      return `"${short(e.text)}"${e.isResolution ? ' (resolution)' : ''}${e.initialSubmission ? ' (submitted description)' : ''}`;
    case 'email_in':
      return `from ${e.from}: "${short(e.subject, 50)}"`;
    case 'email_out':
      return `to ${Array.isArray(e.to) ? e.to.join(', ') : e.to}: "${short(e.subject, 50)}"${e.isResolution ? ' (resolution)' : ''}${e.delivery ? ` [${e.delivery}]` : ''}`;
    case 'wait_started': {
      const parts = [String(e.waitType)];
      if (e.days !== undefined) parts.push(`${e.days} day(s)`);
      if (e.closeIfNoResponse) parts.push('closes if no response');
      if (e.until) parts.push(`until ${when(e.until)}`);
      else if (e.endsAt) parts.push(`ends ${when(e.endsAt)}`);
      if (e.reason) parts.push(`"${short(e.reason)}"`);
      return parts.join(', ');
    }
    case 'wait_ended':
      return `${e.waitType}: ${e.reason}`;
    case 'resolved':
      return `${e.method}${e.reason ? `: "${short(e.reason)}"` : ''}`;
    case 'sla_started':
    case 'sla_changed':
      return `due ${e.dueAt ? when(e.dueAt) : '(none)'}${e.stoppedMs ? `, stopped ${humanDuration(Number(e.stoppedMs))} so far` : ''}${e.breached ? ', breached' : ''}`;
    case 'sla_stopped':
      return `${e.reason}: ${e.banner ?? `${humanDuration(Number(e.remainingMs))} left`}`;
    case 'sla_at_risk':
    case 'sla_breached':
      return `due ${when(e.dueAt)}`;
    case 'stage_started':
      return `stage ${e.index}: ${e.name}${e.again ? ' (again)' : ''}`;
    case 'action_launched':
      return `${e.ref} "${e.name}"${e.byHand ? ' (by hand)' : ''}`;
    case 'action_closed':
      return `${e.ref} ${e.method}${e.reason ? `: "${short(e.reason)}"` : ''}`;
    case 'needs_attention':
      return `${e.actionRef}: "${short(e.reason)}"`;
    case 'rejected_by_robot':
      return `"${short(e.reason)}"`;
    case 'case_cancelled':
      return `"${short(e.reason)}"`;
    default: {
      const rest = Object.entries(e).filter(([k, v]) => !['seq', 'at', 'by', 'type'].includes(k) && v !== undefined && !(Array.isArray(v) && v.length === 0));
      return short(rest.map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(' '), 100);
    }
  }
}
