/**
 * The handler runs a queue has started and not finished. `close()` waits for them for a grace
 * period only: a handler that never returns must not keep the process alive.
 */
export class InFlightHandlers {
  readonly #running = new Set<Promise<void>>();

  get size(): number {
    return this.#running.size;
  }

  /**
   * Tracks a run; the promise given must never reject (runs catch their own errors). The promise
   * returned settles once the run is no longer counted, so a continuation sees the freed slot.
   */
  track(run: Promise<void>): Promise<void> {
    const tracked: Promise<void> = run.finally(() => {
      this.#running.delete(tracked);
    });
    this.#running.add(tracked);
    return tracked;
  }

  /** Resolves when one run finishes (or at once when none is running). */
  async oneFinished(): Promise<void> {
    if (this.#running.size > 0) await Promise.race(this.#running);
  }

  /** Resolves when all runs finished or `graceMs` passed; true when all finished. */
  async settleWithin(graceMs: number): Promise<boolean> {
    if (this.#running.size === 0) return true;
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), graceMs);
    });
    const settled = Promise.all(this.#running).then(() => true as const);
    try {
      return await Promise.race([settled, expired]);
    } finally {
      clearTimeout(timer);
    }
  }
}
