// `npm run payload-key`: prints a new payload key as PAYLOAD_KEYS lists it (R48). To rotate, put
// it first and keep the old keys after it: the first encrypts, all of them decrypt.

import { newPayloadKey } from '../worker/payload-codec.js';

console.log(newPayloadKey(process.argv[2]));
