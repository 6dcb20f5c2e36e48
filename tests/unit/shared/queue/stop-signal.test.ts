import { getEventListeners } from 'node:events';
import { describe, expect, it } from '@jest/globals';
import { pauseUnlessStopped, untilStopped } from '../../../../shared/queue/stop-signal.js';

describe('untilStopped', () => {
  it('leaves no abort listener behind after many waits', async () => {
    // Prepare
    const stopping = new AbortController();

    // Act
    for (let round = 0; round < 50; round++) await untilStopped(stopping.signal, Promise.resolve());

    // Assess
    expect(getEventListeners(stopping.signal, 'abort')).toHaveLength(0);
  });

  it('returns when the signal aborts, before the event', async () => {
    // Prepare
    const stopping = new AbortController();
    const never = new Promise<void>(() => undefined);

    // Act
    const waiting = untilStopped(stopping.signal, never);
    stopping.abort();

    // Assess
    await expect(waiting).resolves.toBeUndefined();
    expect(getEventListeners(stopping.signal, 'abort')).toHaveLength(0);
  });
});

describe('pauseUnlessStopped', () => {
  it('ends a long pause as soon as the signal aborts', async () => {
    // Prepare
    const stopping = new AbortController();
    let done = false;

    // Act
    const pausing = pauseUnlessStopped(stopping.signal, 60_000).then(() => {
      done = true;
    });
    await Promise.resolve();
    const before = done;
    stopping.abort();
    await pausing;

    // Assess
    expect(before).toBe(false);
    expect(done).toBe(true);
  });
});
