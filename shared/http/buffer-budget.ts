/**
 * The bytes a host holds in memory for bodies in flight (buffered requests and responses), under
 * one cap (`MAX_BUFFERED_BYTES`). Streamed bodies are not counted: they hold a few chunks at most.
 */
export interface BufferBudget {
  /** Counts `bytes` as held if they fit under the cap; false, with nothing counted, when they do not. */
  tryHold(bytes: number): boolean;
  /** Counts bytes that are in memory already (a response a handler built), cap or not. */
  hold(bytes: number): void;
  release(bytes: number): void;
  /** Bytes counted now. */
  held(): number;
}

/**
 * A budget of `capBytes`. A body larger than the whole cap is still admitted when nothing else is
 * held, so a cap below the largest buffered body slows clients down instead of refusing them forever.
 */
export function createBufferBudget(capBytes: number): BufferBudget {
  let held = 0;
  return {
    tryHold(bytes) {
      if (held > 0 && held + bytes > capBytes) return false;
      held += bytes;
      return true;
    },
    hold(bytes) {
      held += bytes;
    },
    release(bytes) {
      held -= bytes;
    },
    held: () => held,
  };
}
