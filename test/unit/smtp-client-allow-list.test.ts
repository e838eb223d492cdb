// Who may hand mail to the inbound SMTP listener (R34): loopback, and the allow-list only.

import { describe, expect, it } from 'vitest';
import { clientAllowed, inboundSmtpOptionsFromEnv } from '../../api/smtp-listener.js';

describe('R34: inbound SMTP clients', () => {
  it('takes loopback (IPv4, IPv6, IPv4-mapped) and refuses everyone else by default', () => {
    for (const address of ['127.0.0.1', '127.8.9.10', '::1', '::ffff:127.0.0.1']) expect(clientAllowed(address, [])).toBe(true);
    for (const address of ['10.0.0.5', '192.168.1.20', '::ffff:10.0.0.5', '2001:db8::1']) expect(clientAllowed(address, [])).toBe(false);
  });

  it('takes addresses and CIDR ranges of SMTP_ALLOWED_CLIENTS', () => {
    const allowed = ['10.0.0.0/8', '192.168.1.20', '2001:db8::/32'];
    for (const address of ['10.1.2.3', '::ffff:10.0.0.5', '192.168.1.20', '2001:db8::1']) expect(clientAllowed(address, allowed)).toBe(true);
    expect(clientAllowed('192.168.1.21', allowed)).toBe(false);
  });

  it('refuses a malformed SMTP_ALLOWED_CLIENTS or SMTP_MAX_BYTES at start, naming it', () => {
    expect(() => inboundSmtpOptionsFromEnv({ SMTP_ALLOWED_CLIENTS: '10.0.0.0/8, everyone' })).toThrow(/SMTP_ALLOWED_CLIENTS: everyone/);
    expect(() => inboundSmtpOptionsFromEnv({ SMTP_MAX_BYTES: '10MB' })).toThrow(/SMTP_MAX_BYTES=10MB/);
    expect(inboundSmtpOptionsFromEnv({ SMTP_MAX_BYTES: '5000', SMTP_ALLOWED_CLIENTS: '10.0.0.0/8' })).toEqual({ maxBytes: 5000, allowedClients: ['10.0.0.0/8'] });
  });
});
