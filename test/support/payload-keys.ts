// R48: the payload key of this test run. Every service a test starts, in this process or as
// `npm run serve` in a child, encrypts with it, so a restarted service reads its items back; and
// every test file has the same one (test/global-setup.ts), as their items share one dev server,
// whose lists a test may read. (The fault suite, with a Temporal per file, makes its own.)

import { inject } from 'vitest';
import { newPayloadKey, parsePayloadKeys } from '../../worker/payload-codec.js';

/** As PAYLOAD_KEYS lists it, for a child process's environment. */
export const TEST_PAYLOAD_KEYS = inject('payloadKeys') ?? newPayloadKey('test');
export const testPayloadKeys = parsePayloadKeys(TEST_PAYLOAD_KEYS);
