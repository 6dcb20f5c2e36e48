import { describe, expect, it } from '@jest/globals';
import { createCircuitBreaker } from '../../../../shared/http/circuit-breaker.js';

function breakerAt(options: { failureThreshold: number; resetMs: number }) {
  let now = 0;
  let opened = 0;
  const breaker = createCircuitBreaker({ ...options, now: () => now, onOpen: () => (opened += 1) });
  return {
    breaker,
    advance: (ms: number) => {
      now += ms;
    },
    opened: () => opened,
  };
}

describe('createCircuitBreaker', () => {
  it('opens after the threshold of consecutive failures and refuses calls', () => {
    // Prepare
    const { breaker, opened } = breakerAt({ failureThreshold: 3, resetMs: 1000 });

    // Act
    for (let i = 0; i < 3; i += 1) {
      expect(breaker.tryAcquire()).toBe(true);
      breaker.onFailure();
    }

    // Assess
    expect(breaker.state()).toBe('open');
    expect(breaker.tryAcquire()).toBe(false);
    expect(opened()).toBe(1);
  });

  it('counts only consecutive failures: a success starts the count again', () => {
    // Prepare
    const { breaker } = breakerAt({ failureThreshold: 2, resetMs: 1000 });

    // Act
    breaker.onFailure();
    breaker.onSuccess();
    breaker.onFailure();

    // Assess
    expect(breaker.state()).toBe('closed');
  });

  it('lets exactly one trial through once resetMs has passed', () => {
    // Prepare
    const { breaker, advance } = breakerAt({ failureThreshold: 1, resetMs: 1000 });
    breaker.onFailure();

    // Act
    advance(999);
    const early = breaker.tryAcquire();
    advance(1);
    const trial = breaker.tryAcquire();
    const second = breaker.tryAcquire();

    // Assess
    expect(early).toBe(false);
    expect(trial).toBe(true);
    expect(second).toBe(false);
    expect(breaker.state()).toBe('half-open');
  });

  it('closes when the trial succeeds', () => {
    // Prepare
    const { breaker, advance } = breakerAt({ failureThreshold: 1, resetMs: 1000 });
    breaker.onFailure();
    advance(1000);
    breaker.tryAcquire();

    // Act
    breaker.onSuccess();

    // Assess
    expect(breaker.state()).toBe('closed');
    expect(breaker.tryAcquire()).toBe(true);
  });

  it('opens again, for another resetMs, when the trial fails', () => {
    // Prepare
    const { breaker, advance, opened } = breakerAt({ failureThreshold: 1, resetMs: 1000 });
    breaker.onFailure();
    advance(1000);
    breaker.tryAcquire();

    // Act
    breaker.onFailure();
    advance(500);

    // Assess
    expect(breaker.state()).toBe('open');
    expect(opened()).toBe(2);
    advance(500);
    expect(breaker.state()).toBe('half-open');
  });

  it('refuses a threshold below one', () => {
    // Act
    const create = () => createCircuitBreaker({ failureThreshold: 0, resetMs: 10, now: () => 0 });

    // Assess
    expect(create).toThrow(RangeError);
  });
});
