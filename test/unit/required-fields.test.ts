// R5: what submitting needs, by kind; every missing field is listed at once, in a fixed order.

import { describe, expect, it } from 'vitest';
import { missingForSubmit } from '../../workflows/domain/item/required-fields.js';
import type { EditableFields } from '../../workflows/domain/item/types.js';

const COMPLETE_TICKET: EditableFields = {
  title: 'Invoice 42 unpaid',
  description: 'Supplier says invoice 42 was never paid.',
  primaryContact: 'ann@example.com',
  requester: 'ann@example.com',
};

describe('missingForSubmit: ticket', () => {
  it('R5: a ticket with title, description, category, primary contact and requester misses nothing', () => {
    expect(missingForSubmit('ticket', COMPLETE_TICKET, 'invoices')).toEqual([]);
  });

  it('R5: an empty ticket misses all five fields, in the order title, description, categoryId, primaryContact, requester', () => {
    expect(missingForSubmit('ticket', {}, undefined)).toEqual(['title', 'description', 'categoryId', 'primaryContact', 'requester']);
  });

  it.each([
    ['title', { ...COMPLETE_TICKET, title: undefined }, 'invoices'],
    ['description', { ...COMPLETE_TICKET, description: undefined }, 'invoices'],
    ['categoryId', COMPLETE_TICKET, undefined],
    ['primaryContact', { ...COMPLETE_TICKET, primaryContact: undefined }, 'invoices'],
    ['requester', { ...COMPLETE_TICKET, requester: undefined }, 'invoices'],
  ] as Array<[string, EditableFields, string | undefined]>)('R5: a ticket without %s misses exactly that field', (name, fields, categoryId) => {
    expect(missingForSubmit('ticket', fields, categoryId)).toEqual([name]);
  });

  it('R5: whitespace-only and empty values count as missing', () => {
    const fields: EditableFields = { title: '   ', description: '\n\t ', primaryContact: '', requester: 'ann@example.com' };
    expect(missingForSubmit('ticket', fields, '  ')).toEqual(['title', 'description', 'categoryId', 'primaryContact']);
  });

  it('R5: the order of the list follows the rule, not the order of the fields given', () => {
    const fields: EditableFields = { requester: ' ', primaryContact: undefined, title: 'T' };
    expect(missingForSubmit('ticket', fields, undefined)).toEqual(['description', 'categoryId', 'primaryContact', 'requester']);
  });

  it('R5: a case field (shortDescription) does not stand in for a ticket field', () => {
    const fields: EditableFields = { ...COMPLETE_TICKET, title: undefined, shortDescription: 'Invoice 42' };
    expect(missingForSubmit('ticket', fields, 'invoices')).toEqual(['title']);
  });
});

describe('missingForSubmit: case', () => {
  it('R5: a case needs only a short description', () => {
    expect(missingForSubmit('case', { shortDescription: 'Onboard supplier' }, undefined)).toEqual([]);
  });

  it('R5: a case without a short description misses it, even with ticket fields filled in', () => {
    expect(missingForSubmit('case', COMPLETE_TICKET, 'invoices')).toEqual(['shortDescription']);
  });

  it('R5: a whitespace-only short description counts as missing', () => {
    expect(missingForSubmit('case', { shortDescription: '  \t' }, undefined)).toEqual(['shortDescription']);
  });
});

describe('missingForSubmit: action', () => {
  it('R4, R5: an action has no draft and so no required fields', () => {
    expect(missingForSubmit('action', {}, undefined)).toEqual([]);
  });
});
