import { afterEach, describe, expect, it } from '@jest/globals';
import type { CacheClient } from '../../shared/cache/ports.js';

/** What a cache adapter's test file provides to run the shared contract. */
export interface CacheContractSubject {
  /**
   * Opens a cache. Caches opened with the same namespace share entries; different namespaces are
   * isolated (a key prefix for Redis, separate stores for memory). Closed by the contract.
   */
  open(namespace: string): Promise<CacheClient>;
  /** Lets `seconds` pass as far as TTLs are concerned (a manual clock, or a real wait). */
  elapse(seconds: number): Promise<void>;
}

/** The behaviour every `CacheClient` adapter must show. */
export function describeCacheContract(adapterName: string, subject: CacheContractSubject): void {
  describe(`CacheClient contract: ${adapterName}`, () => {
    const opened: CacheClient[] = [];
    const open = async (namespace: string) => {
      const cache = await subject.open(namespace);
      opened.push(cache);
      return cache;
    };

    afterEach(async () => {
      await Promise.all(opened.splice(0).map((cache) => cache.close()));
    });

    it('returns what was set, and undefined for a key never set', async () => {
      // Prepare
      const cache = await open('read');
      await cache.set('bucket:photos', '{"region":"us-east-1"}', 60);

      // Act
      const hit = await cache.get('bucket:photos');
      const miss = await cache.get('bucket:videos');

      // Assess
      expect(hit).toBe('{"region":"us-east-1"}');
      expect(miss).toBeUndefined();
    });

    it('reads several keys at once, each answer at its key position', async () => {
      // Prepare
      const cache = await open('read-many');
      await cache.set('obj:photos/a.jpg', 'entry', 60);
      await cache.set('gen:metadata', 'generation', 60);

      // Act
      const answers = await cache.getMany(['obj:photos/a.jpg', 'ver:obj:photos/a.jpg', 'gen:metadata']);
      const none = await cache.getMany([]);

      // Assess
      expect(answers).toEqual(['entry', undefined, 'generation']);
      expect(none).toEqual([]);
    });

    it('overwrites a value on a second set', async () => {
      // Prepare
      const cache = await open('overwrite');
      await cache.set('object:photos/cat.jpg', 'etag-1', 60);

      // Act
      await cache.set('object:photos/cat.jpg', 'etag-2', 60);

      // Assess
      expect(await cache.get('object:photos/cat.jpg')).toBe('etag-2');
    });

    it('forgets a deleted key, and deleting a missing key is not an error', async () => {
      // Prepare
      const cache = await open('delete');
      await cache.set('object:photos/cat.jpg', 'etag-1', 60);

      // Act
      await cache.del('object:photos/cat.jpg');
      await cache.del('object:photos/never-set.jpg');

      // Assess
      expect(await cache.get('object:photos/cat.jpg')).toBeUndefined();
    });

    it('expires an entry after its time to live, and keeps one with a longer TTL', async () => {
      // Prepare
      const cache = await open('ttl');
      await cache.set('object:short', 'v1', 1);
      await cache.set('object:long', 'v2', 60);

      // Act
      await subject.elapse(1);

      // Assess
      expect(await cache.get('object:short')).toBeUndefined();
      expect(await cache.get('object:long')).toBe('v2');
    });

    it('keeps namespaces apart, and shares entries within one namespace', async () => {
      // Prepare
      const tenantA = await open('tenant-a');
      const tenantB = await open('tenant-b');
      const tenantAAgain = await open('tenant-a');

      // Act
      await tenantA.set('bucket:shared-name', 'from-a', 60);
      await tenantB.set('bucket:shared-name', 'from-b', 60);
      await tenantB.del('bucket:shared-name');

      // Assess
      expect(await tenantA.get('bucket:shared-name')).toBe('from-a');
      expect(await tenantAAgain.get('bucket:shared-name')).toBe('from-a');
      expect(await tenantB.get('bucket:shared-name')).toBeUndefined();
    });

    it('rejects a non-positive time to live', async () => {
      // Prepare
      const cache = await open('bad-ttl');

      // Act
      const setting = cache.set('object:k', 'v', 0);

      // Assess
      await expect(setting).rejects.toThrow(RangeError);
    });
  });
}
