// A command the item refuses. Pure code throws it; the workflow turns it into an Update
// validation failure, so a refused command never reaches history; the API turns it into HTTP.

export const REFUSAL_STATUS = {
  invalid_request: 400,
  forbidden: 403,
  not_found: 404,
  invalid_transition: 409,
  assigned_to_other: 409,
  validation_failed: 422,
  resolution_communication_required: 422,
  /** R43: a v2020.1 status the mapping does not list. */
  unknown_status: 422,
  /** R43: an import batch with a bad item, refused whole. */
  import_refused: 422,
} as const;

export type RefusalCode = keyof typeof REFUSAL_STATUS;

export class Refusal extends Error {
  constructor(
    readonly code: RefusalCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'Refusal';
  }
}

export function invalidTransition(from: string, command: string, why?: string): Refusal {
  const reason = why ? `: ${why}` : '';
  return new Refusal('invalid_transition', `Cannot ${command} an item that is ${from}${reason}.`, { from, command });
}
