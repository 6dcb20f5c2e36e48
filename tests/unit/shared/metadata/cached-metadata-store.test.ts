import { beforeEach, describe, expect, it } from '@jest/globals';
import type { CacheClient } from '../../../../shared/cache/ports.js';
import {
  bucketCacheKey,
  createCachedMetadataStore,
  objectCacheKey,
  versionCacheKey,
} from '../../../../shared/metadata/cached-metadata-store.js';
import type { BucketRecord, MetadataStore, ObjectRecord } from '../../../../shared/metadata/ports.js';
import { createLogger } from '../../../../shared/telemetry/logger.js';
import { aBucket, anObject } from '../../../support/metadata-contract.js';

/** A Map with the CacheClient shape; records the TTL of each set. */
class FakeCache implements CacheClient {
  readonly entries = new Map<string, { value: string; ttlSeconds: number }>();
  async get(key: string) {
    return this.entries.get(key)?.value;
  }
  async getMany(keys: readonly string[]) {
    return Promise.all(keys.map((key) => this.get(key)));
  }
  async set(key: string, value: string, ttlSeconds: number) {
    this.entries.set(key, { value, ttlSeconds });
  }
  async del(key: string) {
    this.entries.delete(key);
  }
  async close() {}
}

/** A cache whose chosen operations reject, as Redis does when it is down. */
class BrokenCache extends FakeCache {
  constructor(private readonly broken: ReadonlySet<'get' | 'set' | 'del'>) {
    super();
  }
  override async get(key: string) {
    if (this.broken.has('get')) throw new Error('ECONNREFUSED get');
    return super.get(key);
  }
  override async set(key: string, value: string, ttlSeconds: number) {
    if (this.broken.has('set')) throw new Error('ECONNREFUSED set');
    return super.set(key, value, ttlSeconds);
  }
  override async del(key: string) {
    if (this.broken.has('del')) throw new Error('ECONNREFUSED del');
    return super.del(key);
  }
}

/**
 * Just enough of a MetadataStore for the decorator: objects and buckets in maps, read counts, and
 * a hook that can hold an object read until the test lets it go.
 */
class FakeStore {
  readonly objects = new Map<string, ObjectRecord>();
  readonly buckets = new Map<string, BucketRecord>();
  objectReads = 0;
  bucketReads = 0;
  failWrites = false;
  holdNextRead: { reached: () => void; release: Promise<void> } | undefined;

  asStore(): MetadataStore {
    const unused = () => Promise.reject(new Error('not used by these tests'));
    const write = async <T>(fn: () => T): Promise<T> => {
      if (this.failWrites) throw new Error('commit reply lost');
      return fn();
    };
    return {
      createBucket: async (bucket) => {
        this.buckets.set(bucket.name, bucket);
        return 'created';
      },
      getBucket: async (name) => {
        this.bucketReads++;
        return this.buckets.get(name);
      },
      listBuckets: unused,
      deleteBucket: (name) => write(() => (this.buckets.delete(name) ? 'deleted' : 'missing')),
      setBucketVersioning: unused,
      putBucketConfig: (bucket, kind, document) =>
        write(() => {
          const record = this.buckets.get(bucket);
          if (record)
            this.buckets.set(bucket, { ...record, configs: { ...record.configs, [kind]: document } });
          return record !== undefined;
        }),
      deleteBucketConfig: unused,
      updateObjectAttributes: unused,
      putObject: (object) =>
        write(() => {
          const previous = this.objects.get(id(object.bucket, object.key));
          this.objects.set(id(object.bucket, object.key), object);
          return previous;
        }),
      getObject: async (bucket, key) => {
        this.objectReads++;
        const value = this.objects.get(id(bucket, key));
        const hold = this.holdNextRead;
        if (hold) {
          this.holdNextRead = undefined;
          hold.reached();
          await hold.release;
        }
        return value;
      },
      deleteObject: (bucket, key) =>
        write(() => {
          const previous = this.objects.get(id(bucket, key));
          this.objects.delete(id(bucket, key));
          return previous;
        }),
      getObjectVersion: unused,
      latestVersion: unused,
      // The fake keeps no noncurrent versions: a marker only hides the current object.
      putDeleteMarker: (bucket, key) =>
        write(() => {
          this.objects.delete(id(bucket, key));
          return { replaced: undefined };
        }),
      deleteObjectVersion: (bucket, key, versionId) =>
        write(() => {
          const current = this.objects.get(id(bucket, key));
          if (!current || (current.versionId ?? 'null') !== versionId) return undefined;
          this.objects.delete(id(bucket, key));
          return { object: current, deleteMarker: false, isLatest: true };
        }),
      listObjectVersions: unused,
      noncurrentVersionStats: unused,
      listObjects: unused,
      createUpload: unused,
      getUpload: unused,
      putPart: unused,
      listParts: unused,
      listUploads: unused,
      completeUpload: (_uploadId, object) =>
        write(() => {
          const replaced = this.objects.get(id(object.bucket, object.key));
          this.objects.set(id(object.bucket, object.key), object);
          return { replaced, unusedParts: [] };
        }),
      abortUpload: unused,
      referencedBlobs: unused,
      listReferencedBlobs: unused,
      reset: () =>
        write(() => {
          this.objects.clear();
          this.buckets.clear();
        }),
      close: async () => {},
    };
  }
}

function id(bucket: string, key: string): string {
  return `${bucket}\u0000${key}`;
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

describe('createCachedMetadataStore', () => {
  let fake: FakeStore;
  let cache: FakeCache;
  let store: MetadataStore;
  const v1 = anObject('b', 'photos/cat.jpg', {
    etag: '"v1"',
    lastModified: new Date('2024-01-01T00:00:00.123Z'),
  });
  const v2 = anObject('b', 'photos/cat.jpg', {
    etag: '"v2"',
    lastModified: new Date('2024-01-02T00:00:00.456Z'),
  });

  beforeEach(() => {
    fake = new FakeStore();
    cache = new FakeCache();
    store = createCachedMetadataStore(fake.asStore(), cache, { ttlSeconds: 30 });
  });

  describe('reads', () => {
    it('serves a second getObject from the cache, with its dates revived', async () => {
      // Prepare
      fake.objects.set(id('b', v1.key), v1);

      // Act
      const first = await store.getObject('b', v1.key);
      const second = await store.getObject('b', v1.key);

      // Assess
      expect(first).toEqual(v1);
      expect(second).toEqual(v1);
      expect(second?.lastModified).toBeInstanceOf(Date);
      expect(fake.objectReads).toBe(1);
      expect(cache.entries.get(objectCacheKey('b', v1.key))?.ttlSeconds).toBe(30);
    });

    it('gives every cached read its own record: one reader cannot change what the next one sees', async () => {
      // Prepare
      fake.objects.set(id('b', v1.key), { ...v1, userMetadata: { owner: 'ana' } });
      await store.getObject('b', v1.key);
      const cached = await store.getObject('b', v1.key);

      // Act: a careless reader edits its copy (a frozen shared part throws; either way it must not leak)
      try {
        cached!.userMetadata.owner = 'mallory';
        cached!.headers.contentType = 'text/evil';
      } catch {
        // refused
      }
      cached!.etag = '"changed"';
      const next = await store.getObject('b', v1.key);

      // Assess
      expect(next?.userMetadata).toEqual({ owner: 'ana' });
      expect(next?.headers).toEqual(v1.headers);
      expect(next?.etag).toBe(v1.etag);
      expect(fake.objectReads).toBe(1);
    });

    it('serves a second getBucket from the cache under bkt:<name>', async () => {
      // Prepare
      const bucket = aBucket('b');
      fake.buckets.set('b', bucket);

      // Act
      await store.getBucket('b');
      const second = await store.getBucket('b');

      // Assess
      expect(second).toEqual(bucket);
      expect(second?.createdAt).toBeInstanceOf(Date);
      expect(fake.bucketReads).toBe(1);
      expect(cache.entries.has(bucketCacheKey('b'))).toBe(true);
    });

    it('uses the documented cache key formats', () => {
      expect(objectCacheKey('b', 'dir/k')).toBe('obj:b/dir/k');
      expect(bucketCacheKey('b')).toBe('bkt:b');
    });

    it('does not cache absence, so an object written later is seen at once', async () => {
      // Prepare
      const before = await store.getObject('b', v1.key);
      fake.objects.set(id('b', v1.key), v1);

      // Act
      const after = await store.getObject('b', v1.key);

      // Assess
      expect(before).toBeUndefined();
      expect(after).toEqual(v1);
    });

    it('treats an unreadable entry as a miss', async () => {
      // Prepare
      fake.objects.set(id('b', v1.key), v1);
      await cache.set(objectCacheKey('b', v1.key), '{not json', 30);

      // Act
      const read = await store.getObject('b', v1.key);

      // Assess
      expect(read).toEqual(v1);
      expect(fake.objectReads).toBe(1);
    });
  });

  describe('invalidation', () => {
    beforeEach(async () => {
      fake.objects.set(id('b', v1.key), v1);
      fake.buckets.set('b', aBucket('b'));
      await store.getObject('b', v1.key);
      await store.getBucket('b');
    });

    it('putObject makes the next read see the new version', async () => {
      // Act
      await store.putObject(v2);

      // Assess
      expect(await store.getObject('b', v1.key)).toEqual(v2);
    });

    it('deleteObject makes the next read miss', async () => {
      // Act
      await store.deleteObject('b', v1.key);

      // Assess
      expect(await store.getObject('b', v1.key)).toBeUndefined();
    });

    it('putDeleteMarker makes the next read miss', async () => {
      // Act
      await store.putDeleteMarker('b', v1.key, { versionId: 'm1', lastModified: new Date() });

      // Assess
      expect(await store.getObject('b', v1.key)).toBeUndefined();
    });

    it('deleteObjectVersion of the current version makes the next read miss', async () => {
      // Act
      await store.deleteObjectVersion('b', v1.key, v1.versionId ?? 'null');

      // Assess
      expect(await store.getObject('b', v1.key)).toBeUndefined();
    });

    it('completeUpload makes the next read see the completed object', async () => {
      // Act
      await store.completeUpload('up-1', v2);

      // Assess
      expect(await store.getObject('b', v1.key)).toEqual(v2);
    });

    it('deleteBucket makes the next getBucket miss', async () => {
      // Act
      await store.deleteBucket('b');

      // Assess
      expect(await store.getBucket('b')).toBeUndefined();
    });

    it('reset makes every cached record miss', async () => {
      // Act
      await store.reset();

      // Assess
      expect(await store.getObject('b', v1.key)).toBeUndefined();
      expect(await store.getBucket('b')).toBeUndefined();
    });

    it('still invalidates when the write throws (the commit may have happened)', async () => {
      // Prepare
      fake.failWrites = true;
      fake.objects.set(id('b', v1.key), v2);

      // Act
      await expect(store.putObject(v2)).rejects.toThrow('commit reply lost');

      // Assess
      expect(await store.getObject('b', v1.key)).toEqual(v2);
    });

    it('ignores an old record a slow reader stores after a write committed', async () => {
      // Prepare: a fresh cache, and a read that loads v1 but is held before it stores it.
      cache.entries.clear();
      const reached = deferred();
      const release = deferred();
      fake.holdNextRead = { reached: reached.resolve, release: release.promise };
      const slowRead = store.getObject('b', v1.key);
      await reached.promise;

      // Act: the write commits and invalidates while the reader holds v1; then the reader stores it.
      await store.putObject(v2);
      release.resolve();
      const slowResult = await slowRead;
      const next = await store.getObject('b', v1.key);

      // Assess
      expect(slowResult).toEqual(v1);
      expect(cache.entries.has(objectCacheKey('b', v1.key))).toBe(true);
      expect(next).toEqual(v2);
    });
  });

  describe('first puts of a key', () => {
    it('leave no version token behind: a store of distinct keys does not fill the cache with them', async () => {
      // Act
      await store.putObject(anObject('b', 'new/1.bin'));
      await store.putObject(anObject('b', 'new/2.bin'));

      // Assess
      expect([...cache.entries.keys()].filter((key) => key.startsWith('ver:'))).toEqual([]);
    });

    it('still bump the token after a write that threw (it may have replaced something)', async () => {
      // Prepare
      fake.failWrites = true;

      // Act
      await expect(store.putObject(anObject('b', 'new/1.bin'))).rejects.toThrow('commit reply lost');

      // Assess
      expect(cache.entries.has(versionCacheKey(objectCacheKey('b', 'new/1.bin')))).toBe(true);
    });

    it('keep a slow reader of a deleted version from serving it over the new one', async () => {
      // Prepare: v1 is read but held; it is deleted (the token bumps), then the key is put anew.
      fake.objects.set(id('b', v1.key), v1);
      const reached = deferred();
      const release = deferred();
      fake.holdNextRead = { reached: reached.resolve, release: release.promise };
      const slowRead = store.getObject('b', v1.key);
      await reached.promise;
      await store.deleteObject('b', v1.key);

      // Act
      await store.putObject(v2);
      release.resolve();
      await slowRead;

      // Assess
      expect(await store.getObject('b', v1.key)).toEqual(v2);
    });
  });

  describe('when the cache fails', () => {
    it.each([
      ['get', new Set(['get'] as const)],
      ['set', new Set(['set'] as const)],
      ['del', new Set(['del'] as const)],
      ['get, set and del', new Set(['get', 'set', 'del'] as const)],
    ])(
      'serves reads and writes from the store when %s throws, and logs a warning',
      async (_label, broken) => {
        // Prepare
        const lines: string[] = [];
        const logger = createLogger({ level: 'warn', write: (line) => lines.push(line) });
        const failing = new BrokenCache(broken);
        const cached = createCachedMetadataStore(fake.asStore(), failing, { ttlSeconds: 30, logger });
        fake.objects.set(id('b', v1.key), v1);

        // Act
        const read = await cached.getObject('b', v1.key);
        const replaced = await cached.putObject(v2);
        const reread = await cached.getObject('b', v1.key);

        // Assess
        expect(read).toEqual(v1);
        expect(replaced).toEqual(v1);
        expect(reread).toEqual(v2);
        expect(lines.length).toBeGreaterThan(0);
        expect(lines.map((line) => JSON.parse(line).level)).toEqual(lines.map(() => 'warn'));
      },
    );
  });

  it('passes other calls straight to the inner store', async () => {
    // Prepare
    const bucket = aBucket('new');

    // Act
    const outcome = await store.createBucket(bucket);

    // Assess
    expect(outcome).toBe('created');
    expect(fake.buckets.get('new')).toEqual(bucket);
  });
});
