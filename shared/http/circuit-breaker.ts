export const BREAKER_STATES = ['closed', 'open', 'half-open'] as const;
export type BreakerState = (typeof BREAKER_STATES)[number];

export interface BreakerOptions {
  /** Consecutive failures that open the circuit. */
  failureThreshold: number;
  /** Time the circuit stays open before one trial call is let through. */
  resetMs: number;
}

export interface CircuitBreakerOptions extends BreakerOptions {
  /** Milliseconds from a monotonic clock. */
  now: () => number;
  /** Called on every transition to open (for `circuit_breaker_open_total`). */
  onOpen?: () => void;
}

/**
 * One target's circuit breaker. Closed: calls pass, consecutive failures are counted; at the
 * threshold it opens. Open: calls are refused until `resetMs` has passed, then it is half-open.
 * Half-open: one trial call passes (others are refused); its success closes the circuit, its
 * failure opens it again for another `resetMs`.
 *
 * Every `tryAcquire()` that returns true must be followed by `onSuccess()` or `onFailure()`.
 */
export interface CircuitBreaker {
  state(): BreakerState;
  /** Whether a call may go out now (in half-open, claims the single trial). */
  tryAcquire(): boolean;
  onSuccess(): void;
  onFailure(): void;
}

export function createCircuitBreaker(options: CircuitBreakerOptions): CircuitBreaker {
  if (!Number.isInteger(options.failureThreshold) || options.failureThreshold < 1) {
    throw new RangeError(`failureThreshold must be a positive integer, got ${options.failureThreshold}`);
  }
  let state: BreakerState = 'closed';
  let failures = 0;
  let openedAt = 0;
  let trialInFlight = false;

  function open(): void {
    state = 'open';
    openedAt = options.now();
    trialInFlight = false;
    options.onOpen?.();
  }

  function refresh(): BreakerState {
    if (state === 'open' && options.now() - openedAt >= options.resetMs) {
      state = 'half-open';
      trialInFlight = false;
    }
    return state;
  }

  return {
    state: refresh,
    tryAcquire() {
      switch (refresh()) {
        case 'closed':
          return true;
        case 'open':
          return false;
        case 'half-open':
          if (trialInFlight) return false;
          trialInFlight = true;
          return true;
      }
    },
    onSuccess() {
      state = 'closed';
      failures = 0;
      trialInFlight = false;
    },
    onFailure() {
      if (state === 'half-open') {
        open();
        return;
      }
      if (state === 'open') return;
      failures += 1;
      if (failures >= options.failureThreshold) {
        failures = 0;
        open();
      }
    },
  };
}
