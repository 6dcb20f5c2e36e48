import { type BreakerState, createCircuitBreaker } from '../http/circuit-breaker.js';
import { createRateLimiter } from '../http/rate-limit.js';
import type { Clock } from '../runtime/clock.js';
import type { OriginConfig } from './ports.js';

/** How a finished fetch counts for the breaker (origin-outcome.ts decides). */
export type BreakerVerdict = 'success' | 'failure' | 'neutral';

export interface OriginGovernor {
  /**
   * Whether one fetch may go to the origin now: `rate_limited` (over `rps`), `breaker_open` (open,
   * or half-open with its trial out), or `admitted`; every admitted fetch must be `settle`d.
   */
  admit(): 'admitted' | 'rate_limited' | 'breaker_open';
  settle(verdict: BreakerVerdict): void;
  state(): BreakerState;
}

/**
 * The governance of one bucket's origin in this process: a token bucket of `rps` fetches per
 * second (the gateway's limiter, with the origin as its one client) and a circuit breaker that
 * opens after `breaker.failures` consecutive failures for `breaker.openMs`. A new config makes a
 * new governor (origin-fallback.ts), so a changed limit or breaker starts afresh.
 */
export function createOriginGovernor(
  config: OriginConfig,
  options: { clock: Clock; onTransition?: (state: BreakerState) => void },
): OriginGovernor {
  const limiter = createRateLimiter({ limit: () => config.rps, clock: options.clock });
  const breaker = createCircuitBreaker({
    failureThreshold: config.breaker.failures,
    resetMs: config.breaker.openMs,
    now: () => options.clock.now().getTime(),
  });
  let last = breaker.state();
  const observe = () => {
    const now = breaker.state();
    if (now !== last) {
      last = now;
      options.onTransition?.(now);
    }
  };
  return {
    admit() {
      // The breaker first: an open circuit spends no token of the limit.
      const state = breaker.state();
      observe();
      if (state === 'open') return 'breaker_open';
      if (!limiter.admit(config.bucket)) return 'rate_limited';
      if (!breaker.tryAcquire()) return 'breaker_open';
      return 'admitted';
    },
    settle(verdict) {
      if (verdict === 'failure') breaker.onFailure();
      // An answer that says nothing of the origin's health (a throttle, a 4xx, dirty bytes) still
      // ends a half-open trial: the origin answered, so it is up.
      else if (verdict === 'success' || breaker.state() === 'half-open') breaker.onSuccess();
      observe();
    },
    state() {
      observe();
      return last;
    },
  };
}
