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
  it('evicts the least recently used entry beyond maxEntries', async () => {
    // Prepare
    const cache = createMemoryCache({ maxEntries: 2, clock: manualClock() });
    await cache.set('bucket:a', '1', 60);
    await cache.set('bucket:b', '2', 60);

    // Act
    await cache.set('bucket:c', '3', 60);

    // Assess
    expect(await cache.get('bucket:a')).toBeUndefined();
    expect(await cache.get('bucket:b')).toBe('2');
    expect(await cache.get('bucket:c')).toBe('3');
  });

  it('counts a read as a use, so a recently read entry survives eviction', async () => {
    // Prepare
    const cache = createMemoryCache({ maxEntries: 2, clock: manualClock() });
    await cache.set('bucket:a', '1', 60);
    await cache.set('bucket:b', '2', 60);
    await cache.get('bucket:a');

    // Act
    await cache.set('bucket:c', '3', 60);

    // Assess
    expect(await cache.get('bucket:a')).toBe('1');
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
    const creating = () => createMemoryCache({ maxEntries: 0 });

    // Assess
    expect(creating).toThrow(RangeError);
  });
});
