// Time-skipping mode (for testers): the clock of Temporal's time-skipping test server, which the
// whole service runs on. GET /v1/test/clock answers `{ now }`; POST /v1/test/clock/skip
// `{ duration }` moves it forward (every timer due on the way fires, in order: waits end,
// feedback windows close, SLAs reach at-risk and breach) and answers `{ now }` once every open
// item has caught up: no deadline of its stored state is overdue (an item stores what a timer
// changed at once).
// Outside this mode these routes are not mounted (404).

import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { parseDurationMs } from '../../workflows/domain/item/duration.js';
import { toView, type WorkItemView } from '../../workflows/domain/item/view.js';
import type { SkippingClock } from '../clock.js';
import { ApiError } from '../errors.js';
import type { ItemStore } from '../../store/item-store.js';
import { EVERYONE, type Routes } from '../route.js';
import { duration } from '../schemas.js';

const ClockNow = z.object({ now: z.string() }).openapi('TestClock');
const SkipBody = z.object({ duration }).strict().openapi('TestClockSkip');

/** How long a skip waits for the items to catch up before it says they have not. */
const CATCH_UP_MS = 60_000;

export interface TestClockDeps {
  clock: SkippingClock;
  items: ItemStore;
}

export function registerTestClockRoutes(routes: Routes, deps: TestClockDeps): void {
  routes.add({
    method: 'get',
    path: '/test/clock',
    summary: 'The clock of time-skipping mode (testers only; 404 outside that mode)',
    tag: 'test',
    allow: EVERYONE,
    response: ClockNow,
    handler: async () => ({ now: deps.clock.now().toISOString() }),
  });

  routes.add({
    method: 'post',
    path: '/test/clock/skip',
    summary: 'Move the clock of time-skipping mode forward; every timer due on the way fires',
    tag: 'test',
    allow: ['admin', 'integration'],
    body: SkipBody,
    response: ClockNow,
    handler: async ({ body }) => {
      const ms = parseDurationMs(body.duration)!;
      const now = await deps.clock.skip(ms);
      await caughtUp(deps);
      return { now: now.toISOString() };
    },
  });
}

/** Waits until every open item shows its latest change and has no deadline overdue. */
async function caughtUp({ clock, items }: TestClockDeps): Promise<void> {
  const deadline = Date.now() + CATCH_UP_MS;
  for (;;) {
    const now = clock.now();
    const lagging = (await items.openItems()).filter((item) => overdue(toView(item, now), now.getTime())).map((item) => item.ref);
    if (lagging.length === 0) return;
    if (Date.now() > deadline) throw new ApiError('unavailable', `The clock moved, but ${lagging.length} item(s) have not caught up yet (${lagging.slice(0, 5).join(', ')}); GET them again shortly.`);
    await sleep(50);
  }
}

function overdue(view: WorkItemView, nowMs: number): boolean {
  const past = (instant?: string) => instant !== undefined && Date.parse(instant) <= nowMs;
  if (view.state === 'waiting' && past(view.waitEndsAt)) return true;
  if (view.state === 'resolved' && past(view.feedbackWindowEndsAt)) return true;
  const clocks = [view.sla, view.slas?.first_response, view.slas?.next_response];
  return clocks.some((sla) => Boolean(sla?.clockRunning && !sla.breached && past(sla.dueAt)));
}
