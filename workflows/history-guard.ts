// The guard against running ahead of history.
//
// Workflow code sees the time of the workflow task it runs in. A worker that answers a Query from
// a history ending in an event no workflow task has taken yet (a fired timer) runs the item's
// code through that event with the time of the task *before* it, and keeps that run for the next
// real task (SDK 1.24; seen when a Query reached a worker that did not own the item, with the
// owner gone: test/workflows/query-across-a-fired-timer.test.ts). What the code did then goes out
// as the next task's first commands, decided on a stale clock and ahead of that task's own
// events (an Update, say), where a replay of the history decides on the task's clock and takes
// the Update first: a history the code cannot replay, and the item stops.
//
// Temporal fires a timer only once its duration has passed, and the task that delivers it starts
// later still, so a timer that fires before its deadline by the workflow's clock can only be such
// a run. Then this throws: the activation fails, the worker drops the run from its cache (the
// Query fails and the API sends it again), and the next real task replays the history from its
// start. In a history as Temporal records it the deadline has always passed, so recorded
// histories replay as before.

/** Throws when the timer armed for `at` (epoch ms) fires before `at` by the workflow's clock. */
export function assertTimerDue(at: number): void {
  const early = at - Date.now();
  if (early > 0) {
    throw new Error(
      `A timer due at ${new Date(at).toISOString()} fired ${early} ms early by the workflow's clock: this run went past its history ` +
        "(a Query's history ended in the fired timer); failing the activation so that the worker replays the item's history.",
    );
  }
}
