import { describe, expect, it } from '@jest/globals';
import { SeriesStore } from '../../../dashboard/series-store.js';

const counts = (requests: number, p99Ms: number | null) => ({
  requests,
  serverErrors: 1,
  clientErrors: 0,
  p99Ms,
});

describe('SeriesStore', () => {
  it('adds up the windows two instances close at the same time, p99 the larger', () => {
    // Prepare
    const store = new SeriesStore(600_000);
    // Act
    store.add(
      { instance: 'a', intervalMs: 2000, windows: [{ t: 2000, operations: { '*': counts(3, 10) } }] },
      3000,
    );
    store.add(
      {
        instance: 'b',
        intervalMs: 2000,
        windows: [
          { t: 2000, operations: { '*': counts(4, 25) }, queue: { pending: 2, lagMs: 1, deadLetters: 0 } },
          { t: 4000, operations: {} },
        ],
      },
      4000,
    );
    // Assess
    expect(store.instanceCount).toBe(2);
    expect(store.merged()).toEqual([
      {
        t: 2000,
        operations: { '*': { requests: 7, serverErrors: 2, clientErrors: 0, p99Ms: 25 } },
        queue: { pending: 2, lagMs: 1, deadLetters: 0 },
      },
      { t: 4000, operations: {} },
    ]);
    // The next ask starts after the newest window every instance already sent.
    expect(store.since()).toBe(2000);
  });

  it('forgets windows older than its span', () => {
    const store = new SeriesStore(10_000);
    store.add({ instance: 'a', intervalMs: 2000, windows: [{ t: 2000, operations: {} }] }, 2000);
    store.add({ instance: 'a', intervalMs: 2000, windows: [{ t: 20_000, operations: {} }] }, 20_000);
    expect(store.merged().map((w) => w.t)).toEqual([20_000]);
  });
});
