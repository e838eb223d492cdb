// R48: the payload codec on its own: what it writes, what it reads back, rotation, and the keys
// it refuses. The service-level proof (a raw history with no personal data in clear, rotation in
// the middle of a story) is test/api/payload-encryption.test.ts.

import { defaultPayloadConverter } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { AesGcmPayloadCodec, newPayloadKey, parsePayloadKeys, UnknownPayloadKeyError } from '../../worker/payload-codec.js';

const note = { text: 'Ann Popescu, ann@acme.example, asks about invoice 42' };
const k1 = newPayloadKey('k1');
const k2 = newPayloadKey('k2');

describe('R48: the payload codec', () => {
  it('R48: encrypts under the first key, with its id in the metadata and no byte of the value in clear, and reads it back', async () => {
    const codec = new AesGcmPayloadCodec(parsePayloadKeys(k1));
    const [encoded] = await codec.encode([defaultPayloadConverter.toPayload(note)]);
    expect(new TextDecoder().decode(encoded!.metadata!['encryption-key-id'])).toBe('k1');
    expect(new TextDecoder().decode(encoded!.metadata!.encoding)).toBe('binary/encrypted');
    expect(Buffer.from(encoded!.data!).toString('latin1')).not.toContain('Popescu');
    const [decoded] = await codec.decode([encoded!]);
    expect(defaultPayloadConverter.fromPayload(decoded!)).toEqual(note);
  });

  it('R48: after a rotation the new first key encrypts and the old payloads still decrypt; without the old key they fail, naming it', async () => {
    const [old] = await new AesGcmPayloadCodec(parsePayloadKeys(k1)).encode([defaultPayloadConverter.toPayload(note)]);
    const rotated = new AesGcmPayloadCodec(parsePayloadKeys(`${k2},${k1}`));
    const [fresh] = await rotated.encode([defaultPayloadConverter.toPayload(note)]);
    expect(new TextDecoder().decode(fresh!.metadata!['encryption-key-id'])).toBe('k2');
    for (const payload of await rotated.decode([old!, fresh!])) expect(defaultPayloadConverter.fromPayload(payload)).toEqual(note);
    const onlyNew = new AesGcmPayloadCodec(parsePayloadKeys(k2));
    await expect(onlyNew.decode([old!])).rejects.toThrow(UnknownPayloadKeyError);
    await expect(onlyNew.decode([old!])).rejects.toThrow(/unknown payload key k1/);
  });

  it('R48: a payload changed in history fails its authentication instead of decoding to something else', async () => {
    const codec = new AesGcmPayloadCodec(parsePayloadKeys(k1));
    const [encoded] = await codec.encode([defaultPayloadConverter.toPayload(note)]);
    const data = Buffer.from(encoded!.data!);
    data[20] ^= 1;
    await expect(codec.decode([{ ...encoded!, data }])).rejects.toThrow();
  });

  it('R48: payloads written before encryption pass through unchanged', async () => {
    const clear = defaultPayloadConverter.toPayload(note);
    expect(await new AesGcmPayloadCodec(parsePayloadKeys(k1)).decode([clear])).toEqual([clear]);
  });

  it('R48: PAYLOAD_KEYS that is unset, empty or malformed is refused with a sentence saying what to set', () => {
    expect(() => parsePayloadKeys(undefined)).toThrow(/PAYLOAD_KEYS is not set: set it to a comma-separated list of id:key pairs/);
    expect(() => parsePayloadKeys(' , ')).toThrow(/PAYLOAD_KEYS is empty/);
    expect(() => parsePayloadKeys('no-colon')).toThrow(/entry 1 has no valid key id/);
    expect(() => parsePayloadKeys('k1:c2hvcnQ=')).toThrow(/key k1 is not 32 bytes in base64 \(it decodes to 5 bytes\)/);
    expect(() => parsePayloadKeys(`${k1},${k1}`)).toThrow(/key id k1 is listed twice/);
  });
});
