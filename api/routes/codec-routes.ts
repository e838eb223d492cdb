// R48: the codec server the Temporal UI calls to show an item's payloads decrypted
// (docs.temporal.io, "Codec Server"): `{ payloads: [...] }` in, the same shape out, each payload's
// metadata values and data in base64. Only the admin and supervisors bounded by no queue may use
// it: a request names no item, so a bounded caller could read other desks' payloads through it.

import express, { type RequestHandler, type Router } from 'express';
import type { z } from 'zod';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { CODEC_COOKIE } from '../auth.js';
import { reachOf, type Caller } from '../caller.js';
import { ApiError } from '../errors.js';
import { UnknownPayloadKeyError } from '../../worker/payload-codec.js';
import type { Routes } from '../route.js';
import { CodecBody } from '../schemas.js';

type Wire = z.output<typeof CodecBody>['payloads'][number];

const fromWire = (p: Wire): Payload => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
  data: Buffer.from(p.data ?? '', 'base64'),
});
const toWire = (p: Payload): Wire => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v ?? new Uint8Array()).toString('base64')])),
  data: Buffer.from(p.data ?? new Uint8Array()).toString('base64'),
});

function mayDecode(caller: Caller): void {
  if (caller.kind === 'admin' || (caller.roles.includes('supervisor') && !reachOf(caller))) return;
  throw new ApiError('forbidden', 'Only the admin, or a supervisor of every queue, may decode payloads: a payload names no item to check access by.');
}

/** The codec's two routes; `codec` absent (a bench without encryption) passes payloads through. */
export function registerCodecRoutes(routes: Routes, codec: PayloadCodec | undefined): void {
  for (const direction of ['decode', 'encode'] as const) {
    routes.add({
      method: 'post',
      path: `/codec/${direction}`,
      summary: `${direction === 'decode' ? 'Decode' : 'Encode'} payloads for the Temporal UI (codec server)`,
      tag: 'operators',
      allow: ['human', 'admin'],
      body: CodecBody,
      response: CodecBody,
      refusals: ['needs_operator'],
      handler: async ({ body, caller }) => {
        mayDecode(caller);
        if (!codec) return body;
        try {
          const payloads = await codec[direction](body.payloads.map(fromWire));
          return { payloads: payloads.map(toWire) };
        } catch (err) {
          if (err instanceof UnknownPayloadKeyError) throw new ApiError('needs_operator', `A payload is encrypted under key id ${err.keyId}, which this service's PAYLOAD_KEYS does not list.`, { keyId: err.keyId });
          throw new ApiError('invalid_request', `A payload could not be ${direction}d: ${(err as Error).message}.`, { issues: [] });
        }
      },
    });
  }
}

/**
 * CORS for the codec routes: the Temporal UI (its origin) calls them from the browser, with the
 * operator's token, and first asks with a preflight that carries no token.
 */
export function codecCors(uiOrigin: string | undefined): RequestHandler {
  return (req, res, next) => {
    const origin = req.header('origin');
    if (!uiOrigin || origin !== uiOrigin) return next();
    res.setHeader('Access-Control-Allow-Origin', uiOrigin);
    res.setHeader('Vary', 'Origin');
    res.setHeader('Access-Control-Allow-Credentials', 'true');
    if (req.method !== 'OPTIONS') return next();
    res.setHeader('Access-Control-Allow-Methods', 'POST, OPTIONS');
    res.setHeader('Access-Control-Allow-Headers', 'authorization, content-type, x-namespace');
    res.setHeader('Access-Control-Max-Age', '600');
    res.status(204).end();
  };
}

const page = (body: string) =>
  `<!doctype html><html><head><meta charset="utf-8"><title>Codec server: sign in</title></head><body style="font-family:sans-serif;max-width:40em;margin:3em auto">${body}</body></html>`;

/**
 * The operator's sign-in for the codec server: the Temporal UI sends no bearer token of its own,
 * so the token entered here is kept in an HttpOnly cookie for the codec routes, which the UI sends
 * once "Include cross-origin credentials" is on in its Codec Server settings (docs/operating.md).
 */
export function codecSignIn(authenticate: RequestHandler, uiUrl: string | undefined): Router {
  const router = express.Router();
  router.get('/codec/sign-in', (_req, res) => {
    res.type('html').send(
      page(`<h1>Codec server</h1><p>Enter an admin token (or a supervisor's of every queue) to read decoded payloads in the Temporal UI.</p>
        <form method="post"><input name="token" type="password" size="40" autofocus> <button>Sign in</button></form>`),
    );
  });
  router.post(
    '/codec/sign-in',
    express.urlencoded({ extended: false, limit: '4kb' }),
    (req, _res, next) => {
      req.headers.authorization = `Bearer ${String(req.body?.token ?? '').trim()}`;
      next();
    },
    authenticate,
    (req, res) => {
      mayDecode(res.locals.caller as Caller);
      const token = req.headers.authorization!.slice('Bearer '.length);
      res.cookie(CODEC_COOKIE, token, { httpOnly: true, sameSite: 'lax', path: '/v1/codec', maxAge: 8 * 3600_000 });
      const ui = uiUrl ? `<a href="${uiUrl}">the Temporal UI</a>` : 'the Temporal UI';
      res.type('html').send(page(`<h1>Signed in</h1><p>For eight hours, ${ui} shows this service's payloads decoded (its Codec Server settings: this endpoint, with "Include cross-origin credentials" on).</p>`));
    },
  );
  return router;
}
