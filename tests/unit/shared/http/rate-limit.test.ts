import { describe, expect, it } from '@jest/globals';
import { createRateLimiter } from '../../../../shared/http/rate-limit.js';

function setup(initial: number) {
  let now = 1_000_000;
  let limit = initial;
  const limiter = createRateLimiter({ limit: () => limit, clock: { now: () => new Date(now) } });
  const admitted = (client: string, count: number) =>
    Array.from({ length: count }, () => limiter.admit(client)).filter(Boolean).length;
  return {
    admitted,
    advance: (ms: number) => {
      now += ms;
    },
    setLimit: (value: number) => {
      limit = value;
    },
  };
}

describe('createRateLimiter', () => {
  it('admits a burst up to the limit, then the limit per second', () => {
    // Prepare
    const limiter = setup(10);

    // Act
    const burst = limiter.admitted('10.0.0.1', 50);
    limiter.advance(500);
    const halfSecondLater = limiter.admitted('10.0.0.1', 50);

    // Assess
    expect(burst).toBe(10);
    expect(halfSecondLater).toBe(5);
  });

  it('counts each client apart', () => {
    const limiter = setup(2);
    expect([limiter.admitted('a', 5), limiter.admitted('b', 5)]).toEqual([2, 2]);
  });

  it('0 is off, and a new limit applies to the next request', () => {
    // Prepare
    const limiter = setup(0);

    // Act
    const off = limiter.admitted('a', 100);
    limiter.setLimit(3);
    const on = limiter.admitted('a', 100);
    limiter.setLimit(0);
    const offAgain = limiter.admitted('a', 100);

    // Assess
    expect([off, on, offAgain]).toEqual([100, 3, 100]);
  });
});
