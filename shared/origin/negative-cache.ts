import type { Clock } from '../runtime/clock.js';

/** Keys remembered at most per bucket; past this the oldest are forgotten first. */
export const NEGATIVE_CACHE_MAX_ENTRIES = 10_000;

export interface NegativeCache {
  /** Whether `key` was found missing at the origin less than its TTL ago. */
  has(key: string): boolean;
  remember(key: string, ttlMs: number): void;
  size(): number;
}

/**
 * The keys one bucket's origin answered 404 for, each until its TTL (`negativeTtl`) ends: meanwhile
 * a read of the key is NoSuchKey without an origin call. Bounded (Map order is insertion order,
 * so the oldest entries go first); a config change replaces the whole cache.
 */
export function createNegativeCache(options: { clock: Clock; maxEntries?: number }): NegativeCache {
  const maxEntries = options.maxEntries ?? NEGATIVE_CACHE_MAX_ENTRIES;
  const until = new Map<string, number>();
  const now = () => options.clock.now().getTime();
  return {
    has(key) {
      const expiry = until.get(key);
      if (expiry === undefined) return false;
      if (expiry > now()) return true;
      until.delete(key);
      return false;
    },
    remember(key, ttlMs) {
      if (ttlMs <= 0) return;
      until.delete(key);
      while (until.size >= maxEntries) {
        const oldest = until.keys().next().value;
        if (oldest === undefined) break;
        until.delete(oldest);
      }
      until.set(key, now() + ttlMs);
    },
    size() {
      const at = now();
      for (const [key, expiry] of until) if (expiry <= at) until.delete(key);
      return until.size;
    },
  };
}
