// A stored text's reference (store/item-store.ts stores long texts by the hash of their content):
// a private-use character the API refuses in input, then `text:`, then the hash.

export const TEXT_REF_PREFIX = '\uE000text:';
