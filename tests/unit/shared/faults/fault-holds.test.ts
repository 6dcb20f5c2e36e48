import { describe, expect, it, jest } from '@jest/globals';
import { createFaultEngine } from '../../../../shared/faults/engine.js';
import { DAY_MS, s3Event } from './fault-fixtures.js';

const realClock = { now: () => new Date() };

/** Resolves with 'still held' after `ms`, so a wait that is never cut short fails the test. */
function bound(ms: number): { timeout: Promise<'still held'>; clear(): void } {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<'still held'>((resolve) => {
    timer = setTimeout(() => resolve('still held'), ms);
  });
  return { timeout, clear: () => clearTimeout(timer) };
}

describe('holds: waits the engine can cut short', () => {
  it('shortens a wait of two rules to the share of the one that stays when the other goes', async () => {
    // Prepare
    const engine = createFaultEngine({ clock: realClock, enabled: true, maxTtlMs: DAY_MS });
    engine.addRule({ id: 'short', fault: { type: 'latency', ms: 30 } });
    engine.addRule({ id: 'long', fault: { type: 'latency', ms: 60_000 } });
    const outcome = engine.evaluate(s3Event('GET', '/photos/a'));
    const limit = bound(5_000);
    const start = performance.now();

    // Act
    const held = outcome.waitDelay();
    engine.removeRule('long');
    const end = await Promise.race([held, limit.timeout]);
    limit.clear();

    // Assess
    expect(outcome.delayMs).toBe(60_030);
    expect(end).toBe('released');
    expect(performance.now() - start).toBeGreaterThanOrEqual(25);
  });

  it('lets a wait whose rules stay run to its end', async () => {
    // Prepare
    const engine = createFaultEngine({ clock: realClock, enabled: true, maxTtlMs: DAY_MS });
    engine.addRule({ id: 'short', fault: { type: 'latency', ms: 20 } });

    // Act
    const end = await engine.evaluate(s3Event('GET', '/photos/a')).waitDelay();

    // Assess
    expect(end).toBe('elapsed');
  });

  it('releases a hold when its rule is disabled, and when the config switch turns the engine off', async () => {
    // Prepare
    const engine = createFaultEngine({ clock: realClock, enabled: true, maxTtlMs: DAY_MS });
    engine.addRule({ id: 'slow', fault: { type: 'latency', ms: 60_000 } });
    const limit = bound(5_000);

    // Act
    const disabled = engine.hold([{ ruleId: 'slow', ms: 60_000 }]);
    engine.updateRule('slow', { enabled: false });
    const first = await Promise.race([disabled, limit.timeout]);
    engine.updateRule('slow', { enabled: true });
    const switchedOff = engine.hold([{ ruleId: 'slow', ms: 60_000 }]);
    engine.setConfigSwitch(false);
    const second = await Promise.race([switchedOff, limit.timeout]);
    limit.clear();

    // Assess
    expect([first, second]).toEqual(['released', 'released']);
  });

  it('releases a hold and a delay when the signal the caller gave aborts (a fetch giving up)', async () => {
    // Prepare
    const engine = createFaultEngine({ clock: realClock, enabled: true, maxTtlMs: DAY_MS });
    engine.addRule({ id: 'slow', fault: { type: 'latency', ms: 60_000 } });
    const outcome = engine.evaluate(s3Event('GET', '/photos/a'));
    const limit = bound(5_000);
    const controller = new AbortController();

    // Act
    const held = engine.hold([{ ruleId: 'slow', ms: 60_000 }], controller.signal);
    const delayed = outcome.waitDelay(controller.signal);
    controller.abort();
    const ends = await Promise.race([Promise.all([held, delayed]), limit.timeout]);
    const already = await engine.hold([{ ruleId: 'slow', ms: 60_000 }], controller.signal);
    limit.clear();

    // Assess
    expect(ends).toEqual(['released', 'released']);
    expect(already).toBe('released');
    expect(engine.getRule('slow')).toBeDefined();
  });

  it('holds a wait longer than a Node timer can (25 days under a larger maximum TTL) to its end', async () => {
    // Prepare
    jest.useFakeTimers();
    try {
      const days = (n: number) => n * DAY_MS;
      const engine = createFaultEngine({ clock: realClock, enabled: true, maxTtlMs: days(60) });
      engine.addRule({ id: 'slow', ttl: '1000h', fault: { type: 'latency', ms: days(25) } });
      let end: string | undefined;

      // Act
      void engine
        .evaluate(s3Event('GET', '/photos/a'))
        .waitDelay()
        .then((value) => {
          end = value;
        });
      await jest.advanceTimersByTimeAsync(days(24.9));
      const early = end;
      await jest.advanceTimersByTimeAsync(days(0.2));

      // Assess
      expect(early).toBeUndefined();
      expect(end).toBe('elapsed');
    } finally {
      jest.useRealTimers();
    }
  });
});
