// Fault: one inbound email delivered more than once (R34). The same email posted twice at once
// has one effect: one ticket, `created` once and `duplicate` for the other. Then, with emails
// in flight (a repeat of that email and five new ones, claimed by their Message-ID and not yet
// answered), the service is killed with SIGKILL and started again; the poster sends each again
// until it is answered. Each email still has one effect: one ticket, whose timeline holds it
// once; it is created once (its inbound_emails row says `created`, no answer says so twice) and
// duplicate after; no email is lost.
//
// The emails are posted as JSON without an Idempotency-Key: a mail relay has none, and the
// Message-ID is the email's own key (a key would answer the repeat with the first answer).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { figure, history } from './support/story-checks.js';
import { formatMs, pollUntil, sleep, type Answer } from './support/story-client.js';
import { inFaultSuite, startFaultWorld, type FaultWorld } from './support/fault-world.js';

const NEW_EMAILS = Number(process.env.FAULT_EMAILS ?? 5);

interface Email {
  messageId: string;
  from: string;
  to: string[];
  subject: string;
  body: string;
}

describe.skipIf(!inFaultSuite)('inbound email duplicates (npm run test:faults)', () => {
  let world: FaultWorld;
  beforeAll(async () => {
    world = await startFaultWorld({ categories: { desk: { name: 'Desk', feedbackWindow: 'P5D' } } });
    const put = await world.http.send('PUT', '/v1/mailboxes/desk@example.com', { token: world.adminToken, body: { starts: 'ticket', categoryId: 'desk' }, label: 'setup', deadline: Date.now() + 30_000 });
    expect(put.status).toBe(200);
  });
  afterAll(async () => {
    await world?.stop();
  });

  it('R34: the same inbound email posted twice at once, and again while the service is killed and restarted (retried), has one effect: one ticket, created once and duplicate after', async () => {
    const { http, adminToken, pool } = world;
    const email = (name: string): Email => ({
      messageId: `<${name}-${world.runId}@acme.example>`,
      from: 'ann@acme.example',
      to: ['desk@example.com'],
      subject: `Email ${name} ${world.runId}`,
      body: `Please look at ${name}.`,
    });
    const answers = new Map<string, Array<Answer & { sentAt: number }>>();
    const postEmail = async (e: Email) => {
      const sentAt = Date.now();
      const answer = await http.send('POST', '/v1/inbound-emails', { token: adminToken, body: e, label: `email ${e.messageId}`, deadline: Date.now() + 5 * 60_000 });
      answers.set(e.messageId, [...(answers.get(e.messageId) ?? []), { ...answer, sentAt }]);
      if (answer.status !== 200) throw new Error(`POST /v1/inbound-emails ${e.messageId}: ${answer.status} ${JSON.stringify(answer.body)}`);
      return answer.body as { outcome: string; ref: string };
    };

    // Twice at once.
    const a = email('twice');
    const both = await Promise.all([postEmail(a), postEmail(a)]);
    expect(both.map((x) => x.outcome).sort()).toEqual(['created', 'duplicate']);
    expect(both[0]!.ref).toBe(both[1]!.ref);
    const refA = both[0]!.ref;
    expect(await postEmail(a)).toEqual({ outcome: 'duplicate', ref: refA });

    // In flight when the service is killed: new emails, a few milliseconds apart so that they
    // are at different points of being taken in (killed once one has its ticket's ref reserved,
    // else once one is claimed), and the first email once more.
    const fresh = Array.from({ length: NEW_EMAILS }, (_, i) => email(`restart-${i + 1}`));
    const posting = fresh.map((e, i) => sleep(i * 15).then(() => postEmail(e).catch((err: Error) => err)));
    const claims = async () => (await pool.query('SELECT message_id, ref, outcome FROM inbound_emails WHERE message_id = ANY($1)', [fresh.map((e) => e.messageId)])).rows;
    const claimedAtKill = await pollUntil('a new email to have its ref reserved', async () => {
      const rows = await claims();
      return rows.some((r) => r.ref) && rows;
    }, 10_000, 1).catch(claims);
    const again = postEmail(a).catch((err: Error) => err);
    await sleep(5); // the repeat on the wire
    const killedAt = Date.now();
    await world.service.kill();
    const answeredBeforeKill = fresh.filter((e) => (answers.get(e.messageId) ?? []).some((x) => x.answeredAt < killedAt)).length;
    await world.service.start();
    const readyAt = Date.now();
    const results = await Promise.all(posting);
    const againResult = await again;
    const doneAt = Date.now();

    const problems: string[] = [];
    let lost = 0;
    let doubled = 0;
    if (againResult instanceof Error) problems.push(`the first email, posted again during the restart: ${againResult.message}`);
    else if (againResult.outcome !== 'duplicate' || againResult.ref !== refA) problems.push(`the first email, posted again during the restart, answered ${JSON.stringify(againResult)}`);

    // One ticket per email, holding it once; created at most once, duplicate after.
    const perEmail: string[] = [];
    for (const [i, e] of [a, ...fresh].entries()) {
      const result = i === 0 ? { outcome: 'created', ref: refA } : results[i - 1]!;
      if (result instanceof Error) {
        problems.push(`${e.messageId}: ${result.message}`);
        continue;
      }
      const outcomes = (answers.get(e.messageId) ?? []).map((x) => x.body?.outcome);
      const created = outcomes.filter((o) => o === 'created').length;
      if (created > 1) (doubled++, problems.push(`${e.messageId}: answered created ${created} times`));
      const firstCreated = outcomes.indexOf('created');
      if (firstCreated > 0) problems.push(`${e.messageId}: answered ${outcomes.join(', ')} (duplicate before created)`);
      const tickets = await pollUntil(
        `${e.messageId}: its ticket in the lists`,
        async () => {
          const { rows } = await pool.query('SELECT ref FROM work_items WHERE title = $1 ORDER BY ref', [e.subject]);
          return rows.length > 0 && rows.map((r) => r.ref as string);
        },
        60_000,
        200,
      ).catch(() => [] as string[]);
      let gone = false;
      if (tickets.length === 0) (gone = true, problems.push(`${e.messageId}: no ticket (answered ${JSON.stringify(result)})`));
      if (tickets.length > 1) (doubled++, problems.push(`${e.messageId}: ${tickets.length} tickets: ${tickets.join(', ')}`));
      if (tickets.length && !tickets.includes(result.ref)) problems.push(`${e.messageId}: answered ${result.ref}, its ticket is ${tickets.join(', ')}`);
      const view = await http.send('GET', `/v1/work-items/${result.ref}`, { token: adminToken, label: 'check', deadline: Date.now() + 60_000 });
      if (view.status !== 200) {
        gone = true;
        problems.push(`${e.messageId}: answered ${JSON.stringify(result)}, and GET ${result.ref} answers ${view.status} ${JSON.stringify(view.body)}`);
      } else {
        const held = (view.body.timeline as Array<{ type: string; messageId?: string }>).filter((x) => x.type === 'email_in' && x.messageId === e.messageId).length;
        if (held !== 1) problems.push(`${e.messageId}: ${result.ref}'s timeline holds it ${held} times`);
      }
      if (gone) lost++;
      const row = (await pool.query('SELECT ref, outcome FROM inbound_emails WHERE message_id = $1', [e.messageId])).rows[0];
      if (!row || row.ref !== result.ref) problems.push(`${e.messageId}: inbound_emails says ${JSON.stringify(row)}, answered ${JSON.stringify(result)}`);
      // The delivery that made the ticket is the email's `created`; every other one is a duplicate
      // (a poster whose answer the kill cut gets `duplicate` when it sends again: the row says created).
      else if (row.outcome !== 'created') problems.push(`${e.messageId}: made ${row.ref}, yet no delivery of it is recorded as created: inbound_emails says ${row.outcome}, the answers were ${outcomes.join(', ')}`);
      perEmail.push(`${e.messageId.slice(1, e.messageId.indexOf('-' + world.runId))} ${outcomes.join('/')}${row ? ` (row ${row.outcome})` : ''}`);
    }

    // No workflow beyond one ticket per email.
    const workflows: string[] = [];
    for await (const wf of world.temporalClient.workflow.list({ query: `WorkflowType = 'workItem' AND TaskQueue = '${world.taskQueue}'` })) workflows.push(wf.workflowId);
    const distinct = [...new Set(workflows)];
    if (distinct.length !== 1 + fresh.length) (doubled += Math.max(0, distinct.length - 1 - fresh.length), problems.push(`Temporal holds ${distinct.length} workItem workflows (${distinct.join(', ')}) for ${1 + fresh.length} emails`));

    const posts = [...answers.values()].reduce((n, list) => n + list.length, 0);
    const retries = http.attempts.filter((x) => x.path === '/v1/inbound-emails' && x.startedAt + x.durationMs >= killedAt);
    console.log(
      figure('inbound-email-duplicates', { stories: 1 + fresh.length, acknowledged: posts, lost, doubled, problems, views: new Map() }, {
        'tickets': distinct.length,
        'at the kill': `${claimedAtKill.length}/${fresh.length} claimed (${claimedAtKill.map((r) => `${r.outcome}${r.ref ? ` ${r.ref}` : ''}`).join(', ')}), ${answeredBeforeKill} answered`,
        'down (kill to ready)': formatMs(readyAt - killedAt),
        recovery: formatMs(doneAt - readyAt),
        'retries after the kill': `${retries.filter((x) => x.status === undefined).length} network errors, ${retries.filter((x) => x.status === 409).length} 409, ${retries.filter((x) => (x.status ?? 0) >= 500).length} 5xx`,
        answers: perEmail.join('; '),
      }, { stories: 'emails', acknowledged: 'posts answered' }),
    );
    if (problems.length) console.log(`problems:\n  ${problems.join('\n  ')}`);
    for (const e of fresh) console.log(`${e.messageId} (killed at ${new Date(killedAt).toISOString().slice(11, 23)}): ${history(http, `email ${e.messageId}`)}`);
    const errors = world.serviceErrors();
    if (errors.length) console.log(`service errors (${errors.length}):\n  ${errors.slice(0, 20).join('\n  ')}`);
    expect(http.attempts.filter((x) => x.status === 500).map((x) => `${x.label}: ${JSON.stringify(x.body)}`)).toEqual([]);
    expect(problems).toEqual([]);
    expect(lost).toBe(0);
    expect(doubled).toBe(0);
  });
});
