/** One flight: what the callers are served, and when the flight's work (the write-back) is done. */
export interface Flight<T> {
  served: Promise<T>;
  /** The entry stays (callers join it) until this settles; it must not reject. */
  settled: Promise<unknown>;
}

export interface SingleFlight<T> {
  /**
   * The flight of `id`: the running one (`joined: true`), or one started now with `start()`.
   * Every caller gets the same `served` promise.
   */
  join(id: string, start: () => Flight<T>): { served: Promise<T>; joined: boolean };
  /** Flights in the air. */
  size(): number;
}

/**
 * One flight per id at a time in this process: concurrent misses of a key wait for the fetch
 * already under way instead of sending their own. A flight stays joinable until its `settled`
 * promise (the write-back) is done, so a read arriving between serving and committing joins it
 * rather than fetching again.
 */
export function createSingleFlight<T>(): SingleFlight<T> {
  const flights = new Map<string, Promise<T>>();
  return {
    join(id, start) {
      const running = flights.get(id);
      if (running) return { served: running, joined: true };
      const flight = start();
      flights.set(id, flight.served);
      // A failed flight ends as soon as it failed: the next read tries again.
      const done = () => {
        if (flights.get(id) === flight.served) flights.delete(id);
      };
      flight.served.then(() => flight.settled.then(done, done), done);
      return { served: flight.served, joined: false };
    },
    size: () => flights.size,
  };
}
