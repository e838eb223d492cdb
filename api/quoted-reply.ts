// The new part of a reply: what the sender wrote above the earlier messages their mail client
// quoted. The timeline shows the new part; the whole text is kept beside it. Recognised: an
// attribution line ("On <date>, <name> wrote:", possibly wrapped onto two lines) followed by the
// quote, an Outlook "-----Original Message-----" or "From: ... / Sent: ..." header block, and a
// trailing block of "> " lines. Text with nothing recognised, or nothing but quote, is kept whole.

const ATTRIBUTION = /^On\b.{0,300}\bwrote:\s*$/;
const ORIGINAL_MESSAGE = /^-{2,}\s*Original Message\s*-{2,}\s*$/i;
const OUTLOOK_HEADER = /^(Sent|Date|To|Subject|Cc):\s/;

export function newPartOf(text: string): string {
  const lines = text.split(/\r?\n/);
  const cut = lines.findIndex((line, i) => startsQuote(lines, i));
  if (cut < 0) return text;
  const part = lines.slice(0, cut).join('\n').trimEnd();
  return part.trim() ? part : text;
}

function startsQuote(lines: string[], i: number): boolean {
  const line = lines[i];
  if (ATTRIBUTION.test(line)) return true;
  if (/^On\b/.test(line) && i + 1 < lines.length && /\bwrote:\s*$/.test(lines[i + 1]) && !/^On\b/.test(lines[i + 1])) return true;
  if (ORIGINAL_MESSAGE.test(line)) return true;
  if (/^From:\s/.test(line) && (i === 0 || lines[i - 1].trim() === '') && lines.slice(i + 1, i + 5).some((l) => OUTLOOK_HEADER.test(l))) return true;
  // A block of "> " lines that runs to the end (blank lines aside).
  return line.startsWith('>') && lines.slice(i).every((l) => l.trim() === '' || l.startsWith('>'));
}
