// R48: every payload the service puts in Temporal's history (inputs, Update arguments and
// results, Signals, activity arguments and results, memos) is encrypted with AES-256-GCM before
// it leaves the process. The key id travels in each payload's metadata, so keys rotate without
// rewriting history: the first key of PAYLOAD_KEYS encrypts, and every key listed decrypts.
// Search attributes are not payloads of this kind and stay in clear (docs/operating.md says why
// that is safe).

import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { METADATA_ENCODING_KEY, type DataConverter, type Payload, type PayloadCodec } from '@temporalio/common';
import proto from '@temporalio/proto';

const { Payload: PayloadProto } = proto.temporal.api.common.v1;

export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const KEY_ID_METADATA = 'encryption-key-id';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;
const KEY_ID = /^[A-Za-z0-9._-]{1,64}$/;

export interface PayloadKey {
  id: string;
  key: Buffer;
}

/** The keys a process holds: `encryptWith` (the first listed) and every key by id. */
export interface PayloadKeys {
  encryptWith: PayloadKey;
  byId: ReadonlyMap<string, Buffer>;
}

const FORMAT = 'a comma-separated list of id:key pairs, each key 32 random bytes in base64 (npm run payload-key prints one); the first key encrypts, all of them decrypt';

/** Parses PAYLOAD_KEYS (`id:base64key,id:base64key`); throws a sentence saying what to set. */
export function parsePayloadKeys(text: string | undefined, name = 'PAYLOAD_KEYS'): PayloadKeys {
  const entries = (text ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  if (entries.length === 0) throw new Error(`${name} is ${text === undefined ? 'not set' : 'empty'}: set it to ${FORMAT}.`);
  const keys = entries.map((entry, i) => {
    const colon = entry.indexOf(':');
    const id = colon < 0 ? '' : entry.slice(0, colon);
    const encoded = colon < 0 ? '' : entry.slice(colon + 1);
    if (!KEY_ID.test(id)) throw new Error(`${name}: entry ${i + 1} has no valid key id before ':' (letters, digits, . _ -; at most 64). Set it to ${FORMAT}.`);
    const key = Buffer.from(encoded, 'base64');
    if (key.length !== KEY_BYTES || key.toString('base64') !== encoded) {
      throw new Error(`${name}: key ${id} is not 32 bytes in base64 (it decodes to ${key.length} bytes). Set it to ${FORMAT}.`);
    }
    return { id, key };
  });
  const byId = new Map<string, Buffer>();
  for (const { id, key } of keys) {
    if (byId.has(id)) throw new Error(`${name}: key id ${id} is listed twice; each key needs its own id.`);
    byId.set(id, key);
  }
  return { encryptWith: keys[0]!, byId };
}

/** A new key as PAYLOAD_KEYS lists it: `<id>:<32 random bytes in base64>`. */
export function newPayloadKey(id = `k${new Date().toISOString().slice(0, 10).replace(/-/g, '')}-${randomBytes(3).toString('hex')}`): string {
  return `${id}:${randomBytes(KEY_BYTES).toString('base64')}`;
}

/** A payload encrypted under a key this process does not hold: the item needs an operator (the key). */
export class UnknownPayloadKeyError extends Error {
  constructor(readonly keyId: string) {
    super(`a payload is encrypted under key id ${keyId}, which PAYLOAD_KEYS does not hold (unknown payload key ${keyId})`);
    this.name = 'UnknownPayloadKeyError';
  }
}

/** The key id named by an error's message, when it is (or wraps) an unknown-key failure. */
export function unknownKeyIn(message: string): string | undefined {
  return /unknown payload key ([A-Za-z0-9._-]+)/.exec(message)?.[1];
}

const utf8 = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array | null | undefined) => (b ? new TextDecoder().decode(b) : undefined);

export class AesGcmPayloadCodec implements PayloadCodec {
  constructor(private readonly keys: PayloadKeys) {}

  async encode(payloads: Payload[]): Promise<Payload[]> {
    const { id, key } = this.keys.encryptWith;
    return payloads.map((payload) => {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const plain = PayloadProto.encode(payload).finish();
      const data = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
      return { metadata: { [METADATA_ENCODING_KEY]: utf8(ENCRYPTED_ENCODING), [KEY_ID_METADATA]: utf8(id) }, data };
    });
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      if (text(payload.metadata?.[METADATA_ENCODING_KEY]) !== ENCRYPTED_ENCODING) return payload; // written before encryption
      const id = text(payload.metadata?.[KEY_ID_METADATA]) ?? '(none)';
      const key = this.keys.byId.get(id);
      if (!key) throw new UnknownPayloadKeyError(id);
      const data = Buffer.from(payload.data ?? new Uint8Array());
      const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, IV_BYTES));
      decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
      const plain = Buffer.concat([decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)), decipher.final()]);
      return PayloadProto.decode(plain);
    });
  }
}

/** The data converter of every client and worker of the service: no codec only where `keys` is null (a bench's baseline). */
export function dataConverterFor(keys: PayloadKeys | null): DataConverter {
  return keys ? { payloadCodecs: [new AesGcmPayloadCodec(keys)] } : {};
}
