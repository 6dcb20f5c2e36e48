import { describe, expect, it } from '@jest/globals';
import { createMemoryCache } from '../../../../shared/cache/adapters/memory-cache.js';
import type { CacheClient } from '../../../../shared/cache/ports.js';
import type { Clock } from '../../../../shared/runtime/clock.js';
import { describeCacheContract } from '../../../support/cache-contract.js';

function manualClock(startMs = Date.UTC(2024, 0, 1)): Clock & { advance(ms: number): void } {
  let nowMs = startMs;
  return {
    now: () => new Date(nowMs),
    advance: (ms) => {
      nowMs += ms;
    },
  };
}

const contractClock = manualClock();
const namespaces = new Map<string, CacheClient>();
describeCacheContract('memory', {
  async open(namespace) {
    let cache = namespaces.get(namespace);
    if (!cache) {
      cache = createMemoryCache({ clock: contractClock });
      namespaces.set(namespace, cache);
    }
    return cache;
  },
  async elapse(seconds) {
    contractClock.advance(seconds * 1000);
  },
});

describe('createMemoryCache', () => {
  /** A value of `kib` KiB: with its key and bookkeeping, a little over that many bytes. */
  const kibValue = (kib: number) => 'x'.repeat(kib * 1024);

  it('evicts the least recently used entry beyond maxBytes', async () => {
    // Prepare: room for two 10 KiB entries, not three.
    const cache = createMemoryCache({ maxBytes: 25 * 1024, clock: manualClock() });
    await cache.set('bucket:a', kibValue(10), 60);
    await cache.set('bucket:b', kibValue(10), 60);

    // Act
    await cache.set('bucket:c', kibValue(10), 60);

    // Assess
    expect(await cache.get('bucket:a')).toBeUndefined();
    expect(await cache.get('bucket:b')).toBe(kibValue(10));
    expect(await cache.get('bucket:c')).toBe(kibValue(10));
  });

  it('evicts by bytes, not entries: a large value pushes out as many small ones as it needs', async () => {
    // Prepare: ten 2 KiB entries in 25 KiB.
    const cache = createMemoryCache({ maxBytes: 25 * 1024, clock: manualClock() });
    for (let i = 0; i < 10; i++) await cache.set(`object:small-${i}`, kibValue(2), 60);

    // Act: 16 KiB more leaves room for at most four of them.
    await cache.set('object:large', kibValue(16), 60);

    // Assess: the oldest went first, the newest stay.
    const small = await cache.getMany(Array.from({ length: 10 }, (_, i) => `object:small-${i}`));
    expect(small.slice(0, 6)).toEqual(Array(6).fill(undefined));
    expect(small.slice(7)).toEqual(Array(3).fill(kibValue(2)));
    expect(await cache.get('object:large')).toBe(kibValue(16));
  });

  it('does not keep a value larger than the whole cache, and evicts nothing for it', async () => {
    // Prepare
    const cache = createMemoryCache({ maxBytes: 8 * 1024, clock: manualClock() });
    await cache.set('bucket:a', kibValue(2), 60);

    // Act
    await cache.set('object:huge', kibValue(9), 60);

    // Assess
    expect(await cache.get('object:huge')).toBeUndefined();
    expect(await cache.get('bucket:a')).toBe(kibValue(2));
  });

  it('counts a read as a use, so a recently read entry survives eviction', async () => {
    // Prepare
    const cache = createMemoryCache({ maxBytes: 25 * 1024, clock: manualClock() });
    await cache.set('bucket:a', kibValue(10), 60);
    await cache.set('bucket:b', kibValue(10), 60);
    await cache.get('bucket:a');

    // Act
    await cache.set('bucket:c', kibValue(10), 60);

    // Assess
    expect(await cache.get('bucket:a')).toBe(kibValue(10));
    expect(await cache.get('bucket:b')).toBeUndefined();
  });

  it('keeps an entry until the last millisecond of its TTL', async () => {
    // Prepare
    const clock = manualClock();
    const cache = createMemoryCache({ clock });
    await cache.set('object:k', 'v', 2);

    // Act
    clock.advance(1999);
    const justBefore = await cache.get('object:k');
    clock.advance(1);
    const atExpiry = await cache.get('object:k');

    // Assess
    expect(justBefore).toBe('v');
    expect(atExpiry).toBeUndefined();
  });

  it('restarts the TTL when a key is set again', async () => {
    // Prepare
    const clock = manualClock();
    const cache = createMemoryCache({ clock });
    await cache.set('object:k', 'v1', 1);
    clock.advance(900);

    // Act
    await cache.set('object:k', 'v2', 1);
    clock.advance(900);

    // Assess
    expect(await cache.get('object:k')).toBe('v2');
  });

  it('drops everything on close', async () => {
    // Prepare
    const cache = createMemoryCache();
    await cache.set('object:k', 'v', 60);

    // Act
    await cache.close();

    // Assess
    expect(await cache.get('object:k')).toBeUndefined();
  });

  it('rejects a bound that is not a positive integer', () => {
    // Act
    const creating = () => createMemoryCache({ maxBytes: 0 });

    // Assess
    expect(creating).toThrow(RangeError);
  });
});
