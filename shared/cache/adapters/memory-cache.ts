import { type Clock, systemClock } from '../../runtime/clock.js';
import type { CacheClient } from '../ports.js';

export interface MemoryCacheOptions {
  /** Bound on entries; the least recently used one goes first. Default 10 000. */
  maxEntries?: number;
  clock?: Clock;
}

interface Entry {
  value: string;
  expiresAtMs: number;
}

/**
 * An in-process cache with a time to live and an LRU bound, for embedded mode and unit tests.
 * No timer per entry: an expired entry is dropped when it is read, or evicted by the LRU bound,
 * so memory stays within `maxEntries`. Recency is the insertion order of a `Map` (a read re-inserts).
 */
export function createMemoryCache(options: MemoryCacheOptions = {}): CacheClient {
  const maxEntries = options.maxEntries ?? 10_000;
  if (!Number.isInteger(maxEntries) || maxEntries < 1) {
    throw new RangeError(`maxEntries must be a positive integer, got ${maxEntries}`);
  }
  const clock = options.clock ?? systemClock;
  const entries = new Map<string, Entry>();
  // Every GET reads three entries: the system clock need not build a Date for each.
  const nowMs = clock === systemClock ? Date.now : () => clock.now().getTime();

  const read = (key: string): string | undefined => {
    const entry = entries.get(key);
    if (entry === undefined) return undefined;
    entries.delete(key);
    if (nowMs() >= entry.expiresAtMs) return undefined;
    entries.set(key, entry);
    return entry.value;
  };

  return {
    async get(key) {
      return read(key);
    },
    async getMany(keys) {
      return keys.map(read);
    },
    async set(key, value, ttlSeconds) {
      const expiresAtMs = nowMs() + ttlToMs(ttlSeconds);
      entries.delete(key);
      entries.set(key, { value, expiresAtMs });
      if (entries.size > maxEntries) {
        const oldest = entries.keys().next();
        if (!oldest.done) entries.delete(oldest.value);
      }
    },
    async del(key) {
      entries.delete(key);
    },
    async close() {
      entries.clear();
    },
  };
}

/** Both adapters accept the same TTLs: positive seconds, fractions allowed (rounded to ms). */
export function ttlToMs(ttlSeconds: number): number {
  const ms = Math.round(ttlSeconds * 1000);
  if (!Number.isFinite(ms) || ms < 1) throw new RangeError(`ttlSeconds must be positive, got ${ttlSeconds}`);
  return ms;
}
