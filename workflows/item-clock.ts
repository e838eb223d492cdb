// The item's clock: workflow time that never reads earlier than a deadline whose durable timer
// has fired.
//
// Workflow code sees the time of the workflow task it runs in. A worker that answers a Query from
// a history ending in a fired timer (no workflow task after it yet) runs the code through that
// timer with the time of the task *before* it: seen with SDK 1.24 when a Query reached a worker
// that did not own the item (test/workflows/query-across-a-fired-timer.test.ts). Code asking "is
// this deadline past?" then says no and arms the same timer again, and the worker sends that
// command in the next real task, where a replay, which reads that task's time, stores the change
// instead: a history the code cannot replay. Read through this clock, a fired timer's deadline is
// always past. In a history as Temporal records it the next workflow task starts after the timer
// fired, so this clock reads the same as `Date.now()` there, and recorded histories replay as before.

export class ItemClock {
  private firedUpTo = 0;

  /** A durable timer armed for `at` (epoch ms) has fired. */
  timerFired(at: number): void {
    if (at > this.firedUpTo) this.firedUpTo = at;
  }

  /** Now, in epoch ms. */
  ms(): number {
    return Math.max(Date.now(), this.firedUpTo);
  }

  now(): Date {
    return new Date(this.ms());
  }
}
