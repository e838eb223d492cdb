// R48 through the service, with the worker, Temporal and PostgreSQL for real: what Temporal's
// history holds of an item (read raw, as anyone with the Temporal UI or CLI reads it), a key
// rotation in the middle of a story, a key the service no longer holds, and the codec server the
// Temporal UI calls.

import { Connection } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import proto from '@temporalio/proto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ApiHarness } from '../support/api-harness.js';
import { TEST_PAYLOAD_KEYS } from '../support/payload-keys.js';
import { newPayloadKey, parsePayloadKeys } from '../../worker/payload-codec.js';

let api: ApiHarness;
let connection: Connection;

const SECRET = {
  title: 'Salary advance for Ann Popescu',
  contact: 'ann.popescu@acme.example',
  note: 'Ann said her IBAN is RO49AAAA1B31007593840000',
  subject: 'Your salary advance request',
  body: 'Dear Ann, we approved the advance.',
};

beforeAll(async () => {
  api = await ApiHarness.start();
  await api.resource('alice', 'human');
  expect((await api.request('PUT', '/v1/categories/hr', { body: { name: 'HR' } })).status).toBe(200);
  connection = await Connection.connect({ address: inject('temporalAddress') });
});
afterAll(async () => {
  await connection?.close();
  await api?.stop();
});

/** The item's whole history as Temporal stores and serves it, with no codec: every run's events, as bytes. */
async function rawHistory(ref: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let nextPageToken: Uint8Array | undefined;
  do {
    const page = await connection.workflowService.getWorkflowExecutionHistory({ namespace: 'default', execution: { workflowId: ref }, nextPageToken });
    chunks.push(Buffer.from(proto.temporal.api.history.v1.History.encode(page.history ?? {}).finish()));
    nextPageToken = page.nextPageToken?.length ? page.nextPageToken : undefined;
  } while (nextPageToken);
  return Buffer.concat(chunks);
}

/** The key ids of the encrypted payloads in a history's bytes. */
const keyIdsIn = (history: Buffer) => [...new Set([...history.toString('latin1').matchAll(/encryption-key-id\x12.([A-Za-z0-9._-]+)/g)].map((m) => m[1]))];

async function storyStart(): Promise<string> {
  const created = await api.request('POST', '/v1/work-items', {
    body: { kind: 'ticket', title: SECRET.title, description: 'Needs an advance', categoryId: 'hr', primaryContact: SECRET.contact, requester: SECRET.contact, submit: true },
  });
  expect(created.status).toBe(201);
  const ref = created.body.ref as string;
  await api.act(ref, '/notes', { text: SECRET.note }, 'alice');
  return ref;
}

describe('R48: personal data in Temporal\'s history', () => {
  it('R48: a raw history holds no note text, address, subject, body or title in clear, while its search attributes stay readable', async () => {
    const ref = await storyStart();
    await api.act(ref, '/emails', { to: [SECRET.contact], subject: SECRET.subject, body: SECRET.body }, 'alice');
    const history = await rawHistory(ref);
    const text = history.toString('latin1');
    for (const [what, value] of Object.entries(SECRET)) expect(text.includes(value), `${what} in clear`).toBe(false);
    expect(text).toContain('binary/encrypted');
    expect(keyIdsIn(history)).toEqual(['test']);
    expect(text).toContain('in_progress'); // WorkItemState, a search attribute: states, ids and dates only
    // Decoded by the service's codec server, the same history reads as before.
    const decoded = await api.request('GET', `/v1/work-items/${ref}`);
    expect(decoded.body.timeline.some((e: { text?: string }) => e.text === SECRET.note)).toBe(true);
  });

  it('R48: keys rotate in the middle of a story: new payloads take the new key, the old ones keep replaying; without the old key the item needs an operator, naming it', async () => {
    const ref = await storyStart();
    const rotated = `${newPayloadKey('rotated')},${TEST_PAYLOAD_KEYS}`;
    await api.restart({ payloadKeys: parsePayloadKeys(rotated) }); // a new worker: the item replays from history
    await api.act(ref, '/wait', { type: 'more_info' }, 'alice');
    await api.act(ref, '/cancel-wait', {}, 'alice');
    expect((await api.act(ref, '/notes', { text: 'After the rotation' }, 'alice')).timeline.at(-1)).toMatchObject({ type: 'note', text: 'After the rotation' });
    expect(keyIdsIn(await rawHistory(ref)).sort()).toEqual(['rotated', 'test']);

    await api.restart({ payloadKeys: parsePayloadKeys(rotated.split(',')[0]) }); // the old key dropped too soon
    const refused = await api.request('POST', `/v1/work-items/${ref}/notes`, { as: 'alice', body: { text: 'Lost?' } });
    expect(refused.status, JSON.stringify(refused.body)).toBe(409);
    expect(refused.body, JSON.stringify(refused.body)).toMatchObject({ error: 'needs_operator', keyId: 'test' });
    expect(refused.body.message).toContain('key id test');

    await api.restart({ payloadKeys: parsePayloadKeys(rotated) }); // the operator puts the key back
    await api.eventually('the item to take commands again', async () => (await api.request('POST', `/v1/work-items/${ref}/notes`, { as: 'alice', body: { text: 'Back' } })).status === 200, 60_000);
  });
});

describe('R48: the codec server for the Temporal UI', () => {
  const payload = () => {
    const p = defaultPayloadConverter.toPayload({ text: SECRET.note });
    return { metadata: Object.fromEntries(Object.entries(p.metadata!).map(([k, v]) => [k, Buffer.from(v).toString('base64')])), data: Buffer.from(p.data!).toString('base64') };
  };

  it('R48: encode then decode gives the payload back; the encoded one names its key and hides its text', async () => {
    const encoded = await api.request('POST', '/v1/codec/encode', { body: { payloads: [payload()] } });
    expect(encoded.status).toBe(200);
    const [sealed] = encoded.body.payloads;
    expect(Buffer.from(sealed.metadata['encryption-key-id'], 'base64').toString()).toMatch(/^(test|rotated)$/); // the first key the service holds
    expect(Buffer.from(sealed.data, 'base64').toString('latin1')).not.toContain('IBAN');
    const decoded = await api.request('POST', '/v1/codec/decode', { body: { payloads: [sealed] } });
    expect(decoded.body.payloads).toEqual([payload()]);
  });

  it('R48: without a valid token 401; a human who is no supervisor 403; a preflight from the UI\'s origin gets CORS, another origin none', async () => {
    expect((await api.request('POST', '/v1/codec/decode', { token: null, body: { payloads: [] } })).status).toBe(401);
    expect((await api.request('POST', '/v1/codec/decode', { token: 'not-a-token-at-all', body: { payloads: [] } })).status).toBe(401);
    expect((await api.request('POST', '/v1/codec/decode', { as: 'alice', body: { payloads: [] } })).status).toBe(403);
    const preflight = await fetch(`${api.url}/v1/codec/decode`, { method: 'OPTIONS', headers: { origin: 'http://127.0.0.1:8233', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type,x-namespace' } });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('http://127.0.0.1:8233');
    expect(preflight.headers.get('access-control-allow-headers')).toContain('authorization');
    const elsewhere = await fetch(`${api.url}/v1/codec/decode`, { method: 'OPTIONS', headers: { origin: 'http://evil.example', 'access-control-request-method': 'POST' } });
    expect(elsewhere.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('R48: an operator signs in with a token; the UI\'s calls then carry it as a cookie, good for the codec routes only', async () => {
    const form = (token: string) => fetch(`${api.url}/v1/codec/sign-in`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ token }), redirect: 'manual' });
    expect((await form('wrong-token-wrong-token')).status).toBe(401);
    expect((await form(api.tokens.alice!)).status).toBe(403); // no supervisor
    const signedIn = await form(api.adminToken);
    expect(signedIn.status).toBe(200);
    const cookie = signedIn.headers.get('set-cookie')!;
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toContain('Path=/v1/codec');
    const jar = cookie.split(';')[0]!;
    const decoded = await fetch(`${api.url}/v1/codec/decode`, { method: 'POST', headers: { cookie: jar, 'content-type': 'application/json', origin: 'http://127.0.0.1:8233' }, body: JSON.stringify({ payloads: [payload()] }) });
    expect(decoded.status).toBe(200);
    expect(decoded.headers.get('access-control-allow-credentials')).toBe('true');
    expect((await fetch(`${api.url}/v1/inbox`, { headers: { cookie: jar } })).status).toBe(401);
  });

  it('R48: a payload under a key the service does not hold is refused, naming the key id, never passed on undecoded', async () => {
    const other = parsePayloadKeys(newPayloadKey('gone'));
    const { AesGcmPayloadCodec } = await import('../../worker/payload-codec.js');
    const [sealed] = await new AesGcmPayloadCodec(other).encode([defaultPayloadConverter.toPayload('secret')]);
    const wire = { metadata: Object.fromEntries(Object.entries(sealed!.metadata!).map(([k, v]) => [k, Buffer.from(v).toString('base64')])), data: Buffer.from(sealed!.data!).toString('base64') };
    const refused = await api.request('POST', '/v1/codec/decode', { body: { payloads: [wire] } });
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ error: 'needs_operator', keyId: 'gone' });
  });
});
