import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from '@jest/globals';
import { createRedisCache } from '../../../shared/cache/adapters/redis-cache.js';
import { describeCacheContract } from '../../support/cache-contract.js';
import {
  closedPort,
  deleteScratchKeys,
  inspectRedis,
  REDIS_URL,
  scratchPrefix,
} from '../queue/redis-scratch.js';

const prefix = scratchPrefix('cache');
const inspector = inspectRedis();

afterAll(async () => {
  await deleteScratchKeys(inspector, prefix);
  await inspector.quit();
});

describeCacheContract('redis', {
  async open(namespace) {
    return createRedisCache({ url: REDIS_URL, keyPrefix: `${prefix}${namespace}:` });
  },
  async elapse(seconds) {
    // Redis expires keys on its own clock: the only way to let a TTL pass is to wait for it.
    await sleep(seconds * 1000 + 100);
  },
});

describe('createRedisCache', () => {
  it('stores values under its key prefix, with the TTL set in Redis', async () => {
    // Prepare
    const cache = createRedisCache({ url: REDIS_URL, keyPrefix: `${prefix}raw:` });

    try {
      // Act
      await cache.set('bucket:photos', 'cached', 30);

      // Assess
      expect(await inspector.get(`${prefix}raw:bucket:photos`)).toBe('cached');
      const ttlMs = await inspector.pttl(`${prefix}raw:bucket:photos`);
      expect(ttlMs).toBeGreaterThan(25_000);
      expect(ttlMs).toBeLessThanOrEqual(30_000);
    } finally {
      await cache.close();
    }
  });

  it('answers each of several reads sent in one turn with its own keys (they share one MGET)', async () => {
    // Prepare
    const cache = createRedisCache({ url: REDIS_URL, keyPrefix: `${prefix}together:` });

    try {
      await Promise.all([cache.set('a', 'A', 30), cache.set('b', 'B', 30), cache.set('c', 'C', 30)]);

      // Act
      const answers = await Promise.all([
        cache.getMany(['a', 'missing', 'b']),
        cache.get('c'),
        cache.getMany([]),
        cache.getMany(['b', 'a']),
      ]);

      // Assess
      expect(answers).toEqual([['A', undefined, 'B'], 'C', [], ['B', 'A']]);
    } finally {
      await cache.close();
    }
  });

  it('fails fast with an error when Redis is unreachable', async () => {
    // Prepare
    const cache = createRedisCache({ url: `redis://127.0.0.1:${await closedPort()}`, commandTimeoutMs: 500 });
    const startedAt = Date.now();

    try {
      // Act
      const reading = cache.get('bucket:photos');

      // Assess
      await expect(reading).rejects.toThrow(/redis/i);
      await expect(cache.set('bucket:photos', 'v', 10)).rejects.toThrow(/redis/i);
      expect(Date.now() - startedAt).toBeLessThan(2000);
    } finally {
      await cache.close();
    }
  });
});
