import { randomUUID } from 'node:crypto';
import type { CacheClient } from '../cache/ports.js';
import { type Logger, silentLogger } from '../telemetry/logger.js';
import type { BucketRecord, MetadataStore, ObjectRecord } from './ports.js';

export interface CachedMetadataStoreOptions {
  /** How long a cached bucket or object record lives. */
  ttlSeconds: number;
  logger?: Logger;
  /** Makes version tokens; random UUIDs by default (tokens must differ across processes). */
  newVersionToken?: () => string;
}

/** Bumped when the shape of a cached entry changes, so old entries read as misses. */
const ENTRY_FORMAT = 2;
/** Bumped by reset(): one key that invalidates every entry, since a cache cannot be enumerated. */
const GENERATION_KEY = 'gen:metadata';

interface CacheEntry<T> {
  format: number;
  version: string | null;
  generation: string | null;
  record: T;
}

/** Cache key of an object record: `obj:<bucket>/<key>`. */
export function objectCacheKey(bucket: string, key: string): string {
  return `obj:${bucket}/${key}`;
}

/** Cache key of a bucket record: `bkt:<bucket>`. */
export function bucketCacheKey(bucket: string): string {
  return `bkt:${bucket}`;
}

/** Cache key of the version token that guards `cacheKey`. */
export function versionCacheKey(cacheKey: string): string {
  return `ver:${cacheKey}`;
}

/**
 * A read-through cache over `inner` for getObject and getBucket; every other call goes straight to
 * `inner`. Absence is never cached: a miss costs a query, a cached "absent" would hide an object
 * just written by another process (read-after-write).
 *
 * Stale re-population. A plain "delete after commit" loses this race: a reader loads the old row,
 * the writer commits and deletes the entry, then the reader stores the old row for a whole TTL.
 * So each entry carries the version token of its key (`ver:<cache key>`) as read *before* the
 * database read, and the global generation (`gen:metadata`). A write bumps the version (a fresh
 * token) after its commit and deletes the entry; an entry whose token differs from the current one
 * is a miss. The racing reader above stored the old token, so its entry is ignored. Version keys
 * live 2 x TTL + 60 s: a stale entry could only revive if its version key expired first, which
 * would need a read slower than a TTL. reset() bumps the generation the same way.
 *
 * The cache is an optimisation: a failing get/set/del never fails a request. It falls through
 * to the store and logs a warning; after a failed read nothing is stored (the tokens are unknown).
 * Invalidation runs even when the write throws, since a lost COMMIT reply may still have committed.
 *
 * close() closes `inner` only; whoever made the cache client closes it.
 */
export function createCachedMetadataStore(
  inner: MetadataStore,
  cache: CacheClient,
  options: CachedMetadataStoreOptions,
): MetadataStore {
  const logger = options.logger ?? silentLogger;
  const newToken = options.newVersionToken ?? randomUUID;
  const versionTtlSeconds = options.ttlSeconds * 2 + 60;

  /**
   * Entries parsed lately, by their text: a hot key's entry is the same text read after read, and
   * parsing it was ~4% of a small GET's CPU. Frozen, because every reader shares them (revive copies
   * the top level only).
   */
  const parsedEntries = new Map<string, CacheEntry<unknown>>();

  const warn = (operation: string, cacheKey: string, error: unknown) =>
    logger.warn('metadata cache failed; using the store', { operation, cacheKey, error });

  async function readThrough<T>(
    cacheKey: string,
    load: () => Promise<T | undefined>,
    revive: (record: T) => T,
  ): Promise<T | undefined> {
    let cached: (string | undefined)[];
    try {
      // One round trip for the entry and both of its guards.
      cached = await cache.getMany([cacheKey, versionCacheKey(cacheKey), GENERATION_KEY]);
    } catch (error) {
      warn('get', cacheKey, error);
      return load();
    }
    const [text, version = null, generation = null] = cached;
    const hit = text === undefined ? undefined : parseEntry<T>(text);
    if (hit && hit.version === version && hit.generation === generation) return revive(hit.record);

    const record = await load();
    if (record !== undefined) {
      const entry: CacheEntry<T> = { format: ENTRY_FORMAT, version, generation, record };
      try {
        await cache.set(cacheKey, JSON.stringify(entry), options.ttlSeconds);
      } catch (error) {
        warn('set', cacheKey, error);
      }
    }
    return record;
  }

  /**
   * Both steps are attempted even if one fails: a failed del leaves an entry the new version
   * rejects, and a failed version bump still drops the current entry.
   */
  async function invalidate(cacheKey: string): Promise<void> {
    const outcomes = await Promise.allSettled([
      (async () => cache.set(versionCacheKey(cacheKey), newToken(), versionTtlSeconds))(),
      (async () => cache.del(cacheKey))(),
    ]);
    for (const outcome of outcomes) {
      if (outcome.status === 'rejected') warn('invalidate', cacheKey, outcome.reason);
    }
  }

  /** Deletes the entry without bumping its version (see putObject). */
  async function dropEntry(cacheKey: string): Promise<void> {
    try {
      await cache.del(cacheKey);
    } catch (error) {
      warn('invalidate', cacheKey, error);
    }
  }

  /** Runs a write, then invalidates, whether or not the write threw. */
  async function writeThenInvalidate<T>(cacheKey: string, write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } finally {
      await invalidate(cacheKey);
    }
  }

  return {
    ...bindAll(inner),

    getBucket: (name) =>
      readThrough<BucketRecord>(bucketCacheKey(name), () => inner.getBucket(name), reviveBucket),
    deleteBucket: (name) => writeThenInvalidate(bucketCacheKey(name), () => inner.deleteBucket(name)),
    setBucketVersioning: (bucket, status) =>
      writeThenInvalidate(bucketCacheKey(bucket), () => inner.setBucketVersioning(bucket, status)),
    putBucketConfig: (bucket, kind, document) =>
      writeThenInvalidate(bucketCacheKey(bucket), () => inner.putBucketConfig(bucket, kind, document)),
    deleteBucketConfig: (bucket, kind) =>
      writeThenInvalidate(bucketCacheKey(bucket), () => inner.deleteBucketConfig(bucket, kind)),

    getObject: (bucket, key) =>
      readThrough<ObjectRecord>(
        objectCacheKey(bucket, key),
        () => inner.getObject(bucket, key),
        reviveObject,
      ),
    async putObject(object, condition, versioning) {
      const cacheKey = objectCacheKey(object.bucket, object.key);
      let replaced: ObjectRecord | undefined;
      try {
        replaced = await inner.putObject(object, condition, versioning);
      } catch (error) {
        await invalidate(cacheKey);
        throw error;
      }
      // The first version of a key (an unversioned put that replaced nothing) needs no new token:
      // a slow reader can only hold an older row if one existed, and the delete or put that removed
      // it bumped the token already. So a store of distinct keys does not fill the cache with one
      // token per key, crowding out the entries reads need.
      if (replaced === undefined && versioning === undefined && object.versionId === undefined) {
        await dropEntry(cacheKey);
      } else {
        await invalidate(cacheKey);
      }
      return replaced;
    },
    // A version write or delete may change which version is current: the key's entry goes.
    putDeleteMarker: (bucket, key, marker) =>
      writeThenInvalidate(objectCacheKey(bucket, key), () => inner.putDeleteMarker(bucket, key, marker)),
    deleteObjectVersion: (bucket, key, versionId) =>
      writeThenInvalidate(objectCacheKey(bucket, key), () =>
        inner.deleteObjectVersion(bucket, key, versionId),
      ),
    deleteObject: (bucket, key) =>
      writeThenInvalidate(objectCacheKey(bucket, key), () => inner.deleteObject(bucket, key)),
    updateObjectAttributes: (bucket, key, versionId, patch) =>
      writeThenInvalidate(objectCacheKey(bucket, key), () =>
        inner.updateObjectAttributes(bucket, key, versionId, patch),
      ),
    completeUpload: (uploadId, object, condition, versioning) =>
      writeThenInvalidate(objectCacheKey(object.bucket, object.key), () =>
        inner.completeUpload(uploadId, object, condition, versioning),
      ),

    async reset() {
      try {
        await inner.reset();
      } finally {
        try {
          await cache.set(GENERATION_KEY, newToken(), versionTtlSeconds);
        } catch (error) {
          warn('invalidate', GENERATION_KEY, error);
        }
      }
    },
  };

  function parseEntry<T>(text: string): CacheEntry<T> | undefined {
    const known = parsedEntries.get(text);
    if (known !== undefined) return known as CacheEntry<T>;
    let entry: CacheEntry<T>;
    try {
      entry = JSON.parse(text) as CacheEntry<T>;
    } catch (error) {
      logger.warn('unreadable metadata cache entry; ignoring it', { error });
      return undefined;
    }
    if (!entry || entry.format !== ENTRY_FORMAT) return undefined;
    if (parsedEntries.size >= PARSED_ENTRIES_MAX) parsedEntries.delete(parsedEntries.keys().next().value!);
    parsedEntries.set(text, deepFreeze(entry));
    return entry;
  }
}

/** How many parsed cache entries are kept; the oldest goes first. */
const PARSED_ENTRIES_MAX = 1024;

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

/** The store's methods bound to it, so spreading keeps `this`-using implementations working. */
function bindAll(store: MetadataStore): MetadataStore {
  return {
    createBucket: (bucket) => store.createBucket(bucket),
    getBucket: (name) => store.getBucket(name),
    listBuckets: () => store.listBuckets(),
    deleteBucket: (name) => store.deleteBucket(name),
    setBucketVersioning: (bucket, status) => store.setBucketVersioning(bucket, status),
    putBucketConfig: (bucket, kind, document) => store.putBucketConfig(bucket, kind, document),
    deleteBucketConfig: (bucket, kind) => store.deleteBucketConfig(bucket, kind),
    updateObjectAttributes: (bucket, key, versionId, patch) =>
      store.updateObjectAttributes(bucket, key, versionId, patch),
    putObject: (object, condition, versioning) => store.putObject(object, condition, versioning),
    getObject: (bucket, key) => store.getObject(bucket, key),
    deleteObject: (bucket, key) => store.deleteObject(bucket, key),
    getObjectVersion: (bucket, key, versionId) => store.getObjectVersion(bucket, key, versionId),
    latestVersion: (bucket, key) => store.latestVersion(bucket, key),
    putDeleteMarker: (bucket, key, marker) => store.putDeleteMarker(bucket, key, marker),
    deleteObjectVersion: (bucket, key, versionId) => store.deleteObjectVersion(bucket, key, versionId),
    listObjectVersions: (query) => store.listObjectVersions(query),
    noncurrentVersionStats: (limit) => store.noncurrentVersionStats(limit),
    listObjects: (query) => store.listObjects(query),
    createUpload: (upload) => store.createUpload(upload),
    getUpload: (bucket, key, uploadId) => store.getUpload(bucket, key, uploadId),
    putPart: (part) => store.putPart(part),
    listParts: (uploadId) => store.listParts(uploadId),
    listUploads: (query) => store.listUploads(query),
    completeUpload: (uploadId, object, condition, versioning) =>
      store.completeUpload(uploadId, object, condition, versioning),
    abortUpload: (bucket, key, uploadId) => store.abortUpload(bucket, key, uploadId),
    referencedBlobs: (blobIds) => store.referencedBlobs(blobIds),
    listReferencedBlobs: (after, limit) => store.listReferencedBlobs(after, limit),
    reset: () => store.reset(),
    close: () => store.close(),
  };
}

function reviveObject(record: ObjectRecord): ObjectRecord {
  return { ...record, lastModified: new Date(record.lastModified) };
}

function reviveBucket(record: BucketRecord): BucketRecord {
  return { ...record, createdAt: new Date(record.createdAt) };
}
