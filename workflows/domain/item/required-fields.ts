// R5: what submitting needs, by kind. Every missing field is listed at once.

import type { EditableFields, Kind } from './types.js';

const REQUIRED: Record<Kind, Array<keyof EditableFields | 'categoryId'>> = {
  ticket: ['title', 'description', 'categoryId', 'primaryContact', 'requester'],
  case: ['shortDescription'],
  action: [],
};

export function missingForSubmit(kind: Kind, fields: EditableFields, categoryId: string | undefined): string[] {
  const present: Record<string, unknown> = { ...fields, categoryId };
  return REQUIRED[kind].filter((name) => {
    const value = present[name];
    return typeof value !== 'string' || value.trim() === '';
  });
}
