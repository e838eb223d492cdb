// POST /v1/inbound-emails: an inbound email as JSON, or as raw RFC 822 (message/rfc822, read by
// raw-email.ts in the app's body parser), taken as inbound-email.ts says.

import type { Routes } from '../route.js';
import { InboundEmailBody, InboundOutcome } from '../schemas.js';
import { takeEmail, type InboundEmailDeps } from '../inbound-email.js';

export function registerInboundEmailRoutes(routes: Routes, deps: InboundEmailDeps): void {
  routes.add({
    method: 'post',
    path: '/inbound-emails',
    summary: 'Take an inbound email (JSON, or raw RFC 822 as message/rfc822)',
    tag: 'email',
    allow: ['admin', 'integration'],
    body: InboundEmailBody,
    response: InboundOutcome,
    yieldsItem: true,
    handler: ({ body, caller }) => takeEmail(deps, body, caller),
  });
}
