// R34: an inbound email delivered twice has one effect. The item remembers the latest Message-IDs
// it took, a bounded number of them, long ones as a 64-bit hash, so what it carries stays small
// whatever its age. (The API also claims every Message-ID in PostgreSQL before it is processed;
// this is the workflow's own guard against a Signal sent twice.)

import type { WorkItem } from './types.js';

export const SEEN_MESSAGE_IDS_KEPT = 64;
const KEPT_AS_IS_CHARS = 80;

export function hasSeen(item: WorkItem, messageId: string): boolean {
  return item.seenMessageIds.includes(seenKey(messageId));
}

export function remember(item: WorkItem, messageId: string): WorkItem {
  return { ...item, seenMessageIds: [...item.seenMessageIds, seenKey(messageId)].slice(-SEEN_MESSAGE_IDS_KEPT) };
}

export function seenKey(messageId: string): string {
  return messageId.length <= KEPT_AS_IS_CHARS ? messageId : `#${fnv1a64(messageId)}`;
}

/** FNV-1a, 64 bits, as hex: deterministic and dependency-free (workflow code has no crypto). */
function fnv1a64(text: string): string {
  let hash = 0xcbf29ce484222325n;
  for (let i = 0; i < text.length; i++) {
    hash ^= BigInt(text.charCodeAt(i));
    hash = (hash * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return hash.toString(16).padStart(16, '0');
}
