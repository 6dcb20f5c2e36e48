import type { CacheClient } from '../cache/ports.js';
import type { FaultEngine, FaultOutcome } from '../faults/engine.js';

/** Entries remembered for `cache_stale` and `cache_flush` (bounded: oldest forgotten first). */
const MAX_TRACKED = 10_000;

/**
 * The metadata cache's points (`cache.get`, `cache.set`): every lookup missing ("penetration"),
 * a stale entry served, one hot entry expiring ("breakdown"), everything expiring at once
 * ("avalanche"). The cache's key is the rule's `key` field, so a rule can aim at one hot key.
 */
export function withCacheFaults(cache: CacheClient, engine: FaultEngine): CacheClient {
  // The value each key had before its latest set: what `cache_stale` serves.
  const latest = new Map<string, string>();
  const previous = new Map<string, string>();
  const remember = (key: string, value: string) => {
    const before = latest.get(key);
    if (before !== undefined) previous.set(key, before);
    latest.delete(key);
    latest.set(key, value);
    if (latest.size > MAX_TRACKED) latest.delete(latest.keys().next().value!);
    if (previous.size > MAX_TRACKED) previous.delete(previous.keys().next().value!);
  };
  const flush = async () => {
    const keys = [...latest.keys()];
    latest.clear();
    await Promise.all(keys.map((key) => cache.del(key)));
  };

  // What one `cache.get` does once its event has been evaluated.
  const lookup = async (key: string, outcome: FaultOutcome): Promise<string | undefined> => {
    if (outcome.delayMs > 0) await outcome.waitDelay();
    switch (outcome.terminal?.fault.type) {
      case 'cache_miss':
        return undefined;
      case 'cache_stale':
        return previous.get(key) ?? cache.get(key);
      case 'cache_hot_key_expiry':
        await cache.del(key);
        return undefined;
      case 'cache_flush':
        await flush();
        return undefined;
      default:
        return cache.get(key);
    }
  };
  const quiet = (outcome: FaultOutcome) => outcome.delayMs === 0 && outcome.terminal === undefined;

  const client: CacheClient = {
    async get(key) {
      if (!engine.armedAt('cache.get', 'metadata')) return cache.get(key);
      return lookup(key, engine.evaluate({ service: 'metadata', point: 'cache.get', key }));
    },
    async getMany(keys) {
      if (!engine.armedAt('cache.get', 'metadata')) return cache.getMany(keys);
      // Each key is its own `cache.get` event, evaluated in order; when none of them fires, one
      // round trip still serves them all.
      const outcomes: FaultOutcome[] = [];
      let fired = false;
      for (const key of keys) {
        const outcome = engine.evaluate({ service: 'metadata', point: 'cache.get', key });
        outcomes.push(outcome);
        if (!quiet(outcome)) fired = true;
      }
      if (!fired) return cache.getMany(keys);
      return Promise.all(keys.map((key, index) => lookup(key, outcomes[index]!)));
    },
    async set(key, value, ttlSeconds) {
      if (engine.armedAt('cache.set', 'metadata')) {
        const outcome = engine.evaluate({ service: 'metadata', point: 'cache.set', key });
        if (outcome.delayMs > 0) await outcome.waitDelay();
        if (outcome.terminal?.fault.type === 'cache_flush') await flush();
      }
      remember(key, value);
      return cache.set(key, value, ttlSeconds);
    },
    async del(key) {
      return cache.del(key);
    },
    close: () => cache.close(),
  };
  return client;
}
