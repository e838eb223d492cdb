// The new part of a reply (R35: the timeline shows what the sender wrote, the whole text is kept).

import { describe, expect, it } from 'vitest';
import { newPartOf } from '../../api/quoted-reply.js';

describe('R35: the new part of a reply', () => {
  it('cuts at a Gmail-style attribution line and the quote below it', () => {
    expect(newPartOf('Order 7.\n\nOn Sun, 29 Nov 2026 at 09:00, Desk <desk@example.com> wrote:\n> Which order?\n')).toBe('Order 7.');
  });

  it('cuts at an attribution wrapped onto two lines', () => {
    expect(newPartOf('Yes.\nOn Sun, 29 Nov 2026 at 09:00, Desk\n<desk@example.com> wrote:\n> Paid?')).toBe('Yes.');
  });

  it('cuts at an Outlook "Original Message" separator and at a From:/Sent: header block', () => {
    expect(newPartOf('Thanks.\n-----Original Message-----\nFrom: Desk\nSent: Monday\n\nWhich order?')).toBe('Thanks.');
    expect(newPartOf('Thanks.\n\nFrom: Desk <desk@example.com>\nSent: Monday, 30 November 2026 10:00\nTo: Ann\nSubject: Which order?\n\nWhich order?')).toBe('Thanks.');
  });

  it('cuts a trailing block of > lines, and keeps quotes followed by new text', () => {
    expect(newPartOf('Fine.\n\n> earlier\n> text\n')).toBe('Fine.');
    const interleaved = '> Which order?\nOrder 7.\n> And the date?\nMonday.';
    expect(newPartOf(interleaved)).toBe(interleaved);
  });

  it('keeps text with nothing recognised, and text that is nothing but quote, whole', () => {
    expect(newPartOf('Plain message.\nSecond line.')).toBe('Plain message.\nSecond line.');
    expect(newPartOf('> only quote\n> here')).toBe('> only quote\n> here');
    expect(newPartOf('From: Ann, with no header block after it.')).toBe('From: Ann, with no header block after it.');
  });
});
