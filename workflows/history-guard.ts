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
//
// The same run can go past an activity's outcome (a Query whose history ends in
// ActivityTaskCompleted, with the next workflow task not started yet): found by the two-replica
// fault run, where the code stored, then went on past the store ahead of the Update the next task
// brought. An activity's outcome comes in a workflow task that starts after the one that
// scheduled it has completed and the activity has run, so by the workflow's clock it always
// arrives later than it was scheduled; an outcome read at the very clock of its scheduling can
// only be such a run, and the guard throws as above. (A run that took other tasks between the
// scheduling and the outcome reads a later clock by then, and is not recognised.)

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

/** Throws when an activity scheduled at `scheduledAt` (the workflow's clock then) has its outcome read at that same clock. */
export function assertOutcomeAfter(scheduledAt: number, what: string): void {
  if (Date.now() <= scheduledAt) {
    throw new Error(
      `The outcome of ${what}, scheduled at ${new Date(scheduledAt).toISOString()}, arrived at the same instant by the workflow's clock: this run went past its history ` +
        "(a Query's history ended in the activity's outcome); failing the activation so that the worker replays the item's history.",
    );
  }
}
