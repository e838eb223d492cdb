// What time it is for the API: the wall clock, or in time-skipping mode (for testers) the
// time-skipping test server's clock, which runs with the wall clock and jumps when a tester
// skips. Views (an SLA's remaining time), creation instants and inbound email's default
// receipt time read it, so everything the API shows is on the same clock as the workflows.

import type { TestWorkflowEnvironment } from '@temporalio/testing';

export interface Clock {
  now(): Date;
}

export const wallClock: Clock = { now: () => new Date() };

/** The test server's clock: the wall clock plus what the skips so far added. */
export class SkippingClock implements Clock {
  private offsetMs = 0;

  private constructor(private readonly env: Pick<TestWorkflowEnvironment, 'sleep' | 'currentTimeMs'>) {}

  static async of(env: Pick<TestWorkflowEnvironment, 'sleep' | 'currentTimeMs'>): Promise<SkippingClock> {
    const clock = new SkippingClock(env);
    await clock.sync();
    return clock;
  }

  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }

  /** Moves the server's clock `ms` forward; every timer due on the way fires, in order. */
  async skip(ms: number): Promise<Date> {
    await this.env.sleep(ms);
    await this.sync();
    return this.now();
  }

  private async sync(): Promise<void> {
    const before = Date.now();
    const server = await this.env.currentTimeMs();
    this.offsetMs = server - Math.round((before + Date.now()) / 2);
  }
}
