// Registers the work items' custom search attributes on the namespace (R40) when they are
// missing, so the workflow can upsert them and operators can filter on them in the Temporal UI.

import type { Connection } from '@temporalio/client';
import proto from '@temporalio/proto';
import { WORK_ITEM_SEARCH_ATTRIBUTES } from '../workflows/search-attributes.js';

const { IndexedValueType } = proto.temporal.api.enums.v1;

const INDEXED_TYPE: Record<string, number> = {
  KEYWORD: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
  DATETIME: IndexedValueType.INDEXED_VALUE_TYPE_DATETIME,
  BOOL: IndexedValueType.INDEXED_VALUE_TYPE_BOOL,
};

export async function ensureSearchAttributes(connection: Connection, namespace: string): Promise<string[]> {
  const missing = await missingAttributes(connection, namespace);
  if (missing.length === 0) return [];
  try {
    await connection.operatorService.addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(missing.map((key) => [key.name, INDEXED_TYPE[key.type]])),
    });
  } catch (error) {
    // Another replica registered them at the same moment (ALREADY_EXISTS, or the server's refusal
    // of a concurrent change): what we wanted, if none is missing now.
    if ((error as { code?: number }).code !== 6 && (await missingAttributes(connection, namespace)).length > 0) throw error;
  }
  return missing.map((key) => key.name);
}

async function missingAttributes(connection: Connection, namespace: string) {
  let known = new Set<string>();
  try {
    const existing = await connection.operatorService.listSearchAttributes({ namespace });
    known = new Set(Object.keys(existing.customAttributes ?? {}));
  } catch (error) {
    // Temporal's Java test server has no ListSearchAttributes, but it does take additions.
    if ((error as { code?: number }).code !== 12) throw error;
  }
  return WORK_ITEM_SEARCH_ATTRIBUTES.filter((key) => !known.has(key.name));
}
