// R47: a long poll of the change feed. A read that finds nothing waits for the next commit of a
// change (the service's feed listener calls `changed`), then reads again, until it finds
// something or its wait is over; it also reads again every POLL_MS, in case a notification was
// lost (a listener reconnecting).

const POLL_MS = 1_000;

export class ChangeWaiter {
  private readonly waiting = new Set<() => void>();

  /** Changes were committed: every waiting read reads again. */
  changed(): void {
    for (const wake of [...this.waiting]) wake();
  }

  /** Reads until `found` holds of the answer or `waitMs` has passed; answers the last read. */
  async first<T>(read: () => Promise<T>, found: (answer: T) => boolean, waitMs: number): Promise<T> {
    const deadline = Date.now() + waitMs;
    for (;;) {
      // Listening before the read: a change committed during it wakes the wait that follows.
      let woken = false;
      let wake = () => void (woken = true);
      const onChange = () => wake();
      this.waiting.add(onChange);
      try {
        const answer = await read();
        const left = deadline - Date.now();
        if (found(answer) || left <= 0) return answer;
        if (!woken) {
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, Math.min(left, POLL_MS));
            wake = () => {
              clearTimeout(timer);
              resolve();
            };
          });
        }
      } finally {
        this.waiting.delete(onChange);
      }
    }
  }
}
