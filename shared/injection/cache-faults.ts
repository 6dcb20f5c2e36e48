import type { CacheClient } from '../cache/ports.js';
import type { FaultEngine, FaultOutcome } from '../faults/engine.js';
import { versionCacheKey } from '../metadata/cached-metadata-store.js';
import type { Clock } from '../runtime/clock.js';

/** Keys remembered for `cache_stale` and `cache_flush` (bounded: oldest forgotten first). */
const MAX_TRACKED = 10_000;

export interface CacheFaultsOptions {
  clock: Clock;
  /**
   * How long a replaced value may still be served by `cache_stale`: as long as the data it points
   * to is kept (the replaced version's bytes; see `S3Services.replacedRetentionMs`), 0 when no
   * rule wants it kept. Asked when a value is replaced.
   */
  staleRetentionMs: () => number;
}

/** A value a key held, as `cache_stale` may serve it again. */
interface HeldValue {
  value: string;
  /**
   * For a read-through fill (a set right after a read that missed): the other keys of that read
   * with what they answered, the guards the value was read under. Served with the value, so a
   * version check sees the consistent old picture (a lost invalidation), not a mix it would refuse.
   */
  readWith?: ReadonlyMap<string, string | undefined>;
  /** Set when the value was replaced or deleted: it may be served as stale until then. */
  staleUntilMs?: number;
}

/** What a key held lately: the newest value last. */
type KeyHistory = HeldValue[];

/** One `getMany` call: its keys and what the cache answered. */
interface Read {
  keys: readonly string[];
  values: readonly (string | undefined)[];
}

/**
 * The metadata cache's points (`cache.get`, `cache.set`): every lookup missing ("penetration"),
 * a stale entry served, one hot entry expiring ("breakdown"), everything expiring at once
 * ("avalanche"). The cache's key is the rule's `key` field, so a rule can aim at one hot key.
 *
 * `cache_stale` serves an entry filled by a read-through as it was before its latest replacement
 * or invalidation, together with the guard values it was read under (as if the invalidation had
 * been lost), and only while the data it points to is kept (`staleRetentionMs`). What it can serve
 * is remembered only while a rule is armed at `cache.get`. A key with nothing older to serve, and a
 * key that is no such entry (one not read with its `versionCacheKey`: a version key, the
 * generation), is answered as it is: no firing.
 */
export function withCacheFaults(
  cache: CacheClient,
  engine: FaultEngine,
  options: CacheFaultsOptions,
): CacheClient {
  const { clock } = options;
  /** Keys set through this client, for `cache_flush` (a cache cannot be enumerated). */
  const setKeys = new Set<string>();
  const histories = new Map<string, KeyHistory>();
  /** Per key, the latest read that saw it missing: a set that follows is a read-through fill. */
  const missedIn = new Map<string, Read>();
  const tracking = () => engine.armedAt('cache.get', 'metadata');

  const bounded = <V>(map: Map<string, V>) => {
    if (map.size > MAX_TRACKED) map.delete(map.keys().next().value!);
  };
  /** The key's current value was replaced or deleted: it becomes servable as stale, for a while. */
  const supersede = (key: string) => {
    const latest = histories.get(key)?.at(-1);
    if (latest && latest.staleUntilMs === undefined) {
      latest.staleUntilMs = clock.now().getTime() + options.staleRetentionMs();
    }
  };
  const remember = (key: string, value: string) => {
    supersede(key);
    const read = missedIn.get(key);
    missedIn.delete(key);
    const held: HeldValue = { value };
    if (read !== undefined) {
      held.readWith = new Map(
        read.keys.flatMap((other, index) => (other === key ? [] : [[other, read.values[index]]])),
      );
    }
    const history = histories.get(key) ?? [];
    histories.delete(key);
    histories.set(key, [...history.slice(-1), held]);
    bounded(histories);
  };
  const noteRead = (read: Read) => {
    read.keys.forEach((key, index) => {
      if (read.values[index] !== undefined) return;
      missedIn.delete(key);
      missedIn.set(key, read);
      bounded(missedIn);
    });
  };
  /** The newest replaced value of `key` that differs from `current` and may still be served. */
  const staleValueOf = (key: string, current: string | undefined): HeldValue | undefined => {
    const now = clock.now().getTime();
    const history = histories.get(key) ?? [];
    for (let i = history.length - 1; i >= 0; i--) {
      const held = history[i]!;
      if (held.staleUntilMs === undefined || held.value === current) continue;
      // Only an entry (a key read together with its version key) can be served with its guards; a
      // key's first version has no token yet (the cached store sets one only on a replacement).
      const readUnderVersion = held.readWith?.has(versionCacheKey(key)) === true;
      return readUnderVersion && now < held.staleUntilMs ? held : undefined;
    }
    return undefined;
  };
  const flush = async () => {
    const keys = [...setKeys];
    setKeys.clear();
    await Promise.all(keys.map((key) => cache.del(key)));
  };

  /**
   * Answers a read of `keys` whose events have been evaluated: the first `cache_stale` key with a
   * stale value sets the picture (its value and the guards it was read under) for the whole read.
   */
  const faultedRead = async (keys: readonly string[], outcomes: readonly FaultOutcome[]) => {
    await Promise.all(outcomes.map((outcome) => (outcome.delayMs > 0 ? outcome.waitDelay() : undefined)));
    const values = await cache.getMany(keys);
    if (tracking()) noteRead({ keys, values });
    const answers = [...values];
    let picture: HeldValue | undefined;
    let pictureIndex = -1;
    for (let index = 0; index < keys.length; index++) {
      const key = keys[index]!;
      const terminal = outcomes[index]!.terminal;
      switch (terminal?.fault.type) {
        case 'cache_miss':
          answers[index] = undefined;
          break;
        case 'cache_hot_key_expiry':
          await cache.del(key);
          answers[index] = undefined;
          break;
        case 'cache_flush':
          await flush();
          answers[index] = undefined;
          break;
        case 'cache_stale': {
          const stale = picture === undefined ? staleValueOf(key, values[index]) : undefined;
          if (stale === undefined) {
            // Nothing older to serve here (or the key is a guard of the stale entry served).
            terminal.pending?.withdraw();
            break;
          }
          picture = stale;
          pictureIndex = index;
          answers[index] = stale.value;
          terminal.pending?.confirm();
          break;
        }
      }
    }
    if (picture !== undefined) {
      const guards = picture.readWith!;
      keys.forEach((key, index) => {
        if (index !== pictureIndex && guards.has(key)) answers[index] = guards.get(key);
      });
    }
    return answers;
  };

  const evaluate = (key: string) => engine.evaluate({ service: 'metadata', point: 'cache.get', key });
  const quiet = (outcome: FaultOutcome) => outcome.delayMs === 0 && outcome.terminal === undefined;

  const client: CacheClient = {
    async get(key) {
      if (!tracking()) return cache.get(key);
      const outcome = evaluate(key);
      if (quiet(outcome)) return cache.get(key);
      return (await faultedRead([key], [outcome]))[0];
    },
    async getMany(keys) {
      if (!tracking()) return cache.getMany(keys);
      // Each key is its own `cache.get` event, evaluated in order; when none of them fires, one
      // round trip still serves them all.
      const outcomes = keys.map(evaluate);
      if (outcomes.every(quiet)) {
        const values = await cache.getMany(keys);
        noteRead({ keys, values });
        return values;
      }
      return faultedRead(keys, outcomes);
    },
    async set(key, value, ttlSeconds) {
      if (engine.armedAt('cache.set', 'metadata')) {
        const outcome = engine.evaluate({ service: 'metadata', point: 'cache.set', key });
        if (outcome.delayMs > 0) await outcome.waitDelay();
        if (outcome.terminal?.fault.type === 'cache_flush') await flush();
      }
      setKeys.delete(key);
      setKeys.add(key);
      if (setKeys.size > MAX_TRACKED) setKeys.delete(setKeys.values().next().value!);
      if (tracking()) remember(key, value);
      return cache.set(key, value, ttlSeconds);
    },
    async del(key) {
      if (tracking()) supersede(key);
      return cache.del(key);
    },
    close: () => cache.close(),
  };
  return client;
}
