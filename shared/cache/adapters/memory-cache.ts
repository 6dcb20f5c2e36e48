import { type Clock, systemClock } from '../../runtime/clock.js';
import type { CacheClient } from '../ports.js';

/** The bound when none is given (the server passes CACHE_MAX_BYTES): 64 MiB. */
const DEFAULT_MAX_BYTES = 64 * 1024 * 1024;

/**
 * What an entry holds beyond its key's and value's characters: the Map slot, the entry object,
 * its expiry as a heap number and two string headers (V8, 64-bit, measured roughly).
 */
const ENTRY_OVERHEAD_BYTES = 100;

export interface MemoryCacheOptions {
  /**
   * Bound on the memory the entries hold, in bytes (keys and values count one byte per character,
   * as V8 stores ASCII, plus a fixed overhead per entry); the least recently used go first.
   * Default 64 MiB.
   */
  maxBytes?: number;
  clock?: Clock;
}

interface Entry {
  value: string;
  expiresAtMs: number;
  bytes: number;
}

/**
 * An in-process cache with a time to live and an LRU bound in bytes, for embedded mode and unit
 * tests. Sized in bytes, not entries: an entry's size follows its object's metadata (tags, user
 * metadata, a long key), so a count bound says little about memory. No timer per entry: an expired
 * entry is dropped when it is read, or evicted by the bound, so memory stays within `maxBytes`.
 * Recency is the insertion order of a `Map` (a read re-inserts). A value larger than the whole
 * bound is not kept.
 */
export function createMemoryCache(options: MemoryCacheOptions = {}): CacheClient {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 1) {
    throw new RangeError(`maxBytes must be a positive integer, got ${maxBytes}`);
  }
  const clock = options.clock ?? systemClock;
  const entries = new Map<string, Entry>();
  let heldBytes = 0;
  // Every GET reads three entries: the system clock need not build a Date for each.
  const nowMs = clock === systemClock ? Date.now : () => clock.now().getTime();

  const remove = (key: string) => {
    const entry = entries.get(key);
    if (entry === undefined) return;
    entries.delete(key);
    heldBytes -= entry.bytes;
  };

  const read = (key: string): string | undefined => {
    const entry = entries.get(key);
    if (entry === undefined) return undefined;
    entries.delete(key);
    if (nowMs() >= entry.expiresAtMs) {
      heldBytes -= entry.bytes;
      return undefined;
    }
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
      remove(key);
      const bytes = key.length + value.length + ENTRY_OVERHEAD_BYTES;
      if (bytes > maxBytes) return;
      if (heldBytes + bytes > maxBytes) {
        for (const oldest of entries.keys()) {
          remove(oldest);
          if (heldBytes + bytes <= maxBytes) break;
        }
      }
      entries.set(key, { value, expiresAtMs, bytes });
      heldBytes += bytes;
    },
    async del(key) {
      remove(key);
    },
    async close() {
      entries.clear();
      heldBytes = 0;
    },
  };
}

/** Both adapters accept the same TTLs: positive seconds, fractions allowed (rounded to ms). */
export function ttlToMs(ttlSeconds: number): number {
  const ms = Math.round(ttlSeconds * 1000);
  if (!Number.isFinite(ms) || ms < 1) throw new RangeError(`ttlSeconds must be positive, got ${ttlSeconds}`);
  return ms;
}
