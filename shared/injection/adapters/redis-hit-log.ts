/**
 * Stack mode's shared hit log: a capped Redis list that every process appends its firings to, so
 * `/api/v1/injection/events` on any instance shows the firings of the front, both instances and
 * every storage-node worker; and a hash of firings per rule id beside it, so a rule's `hits` on
 * any instance count every process's firings.
 */
import { closeRedis, openRedis, whenReady } from '../../cache/adapters/redis-connection.js';
import {
  type Firing,
  type FiringFilter,
  filterFirings,
  HIT_LOG_CAPACITY,
  type SharedHitLog,
} from '../../faults/hit-log.js';
import { type Logger, silentLogger } from '../../telemetry/logger.js';

/** Where stack-mode processes append their firings. */
export const HIT_LOG_KEY = 'mock-s3:faults:hits';

/** The hash of firings per rule id that goes with the list at `key`. */
export function hitCountsKey(key: string): string {
  return `${key}:by-rule`;
}

export interface RedisHitLogOptions {
  url: string;
  /** Default {@link HIT_LOG_KEY}; tests use a key of their own. */
  key?: string;
  /** Names this process in each firing (`process`). */
  processName: string;
  /** Firings kept, all processes together (default {@link HIT_LOG_CAPACITY}, as the engine's own log). */
  capacity?: number;
  logger?: Logger;
  /** Bound on one append or read (default 2000 ms). */
  commandTimeoutMs?: number;
}

/**
 * Appends are batched: firings queued in one turn of the event loop go in one RPUSH + LTRIM +
 * HINCRBY per rule, in one MULTI, sent without being awaited, so a firing costs the request path
 * no round trip. A firing that cannot be sent (Redis down) is dropped with a warning: the hit log
 * is a record, not a ledger; the process's own log line and metric still have it. Resets go
 * through the same queue, so they land after this process's earlier firings.
 */
export function createRedisHitLog(options: RedisHitLogOptions): SharedHitLog {
  const key = options.key ?? HIT_LOG_KEY;
  const countsKey = hitCountsKey(key);
  const capacity = Math.max(1, options.capacity ?? HIT_LOG_CAPACITY);
  const logger = options.logger ?? silentLogger;
  const commandTimeoutMs = options.commandTimeoutMs ?? 2000;
  const redis = openRedis({ url: options.url, connectionName: 'mock-s3-hit-log', commandTimeoutMs, logger });
  let queued: string[] = [];
  /** Firings per rule id of `queued`. */
  let counts = new Map<string, number>();
  let flushing: Promise<void> = Promise.resolve();
  let scheduled = false;

  function flush(): Promise<void> {
    scheduled = false;
    if (queued.length === 0) return flushing;
    const batch = queued;
    const batchCounts = counts;
    queued = [];
    counts = new Map();
    flushing = flushing
      .then(async () => {
        await whenReady(redis, commandTimeoutMs);
        const multi = redis
          .multi()
          .rpush(key, ...batch)
          .ltrim(key, -capacity, -1);
        for (const [ruleId, n] of batchCounts) multi.hincrby(countsKey, ruleId, n);
        await multi.exec();
      })
      .catch((error: unknown) =>
        logger.warn('fault firings not added to the shared hit log', { error, firings: batch.length }),
      );
    return flushing;
  }

  return {
    append(firing) {
      queued.push(JSON.stringify({ ...firing, process: options.processName }));
      counts.set(firing.ruleId, (counts.get(firing.ruleId) ?? 0) + 1);
      if (scheduled) return;
      scheduled = true;
      setImmediate(() => void flush());
    },
    async list(filter: FiringFilter = {}) {
      await flush();
      await whenReady(redis, commandTimeoutMs);
      const texts = await redis.lrange(key, 0, -1);
      const firings: Firing[] = [];
      for (const text of texts) {
        try {
          firings.push(JSON.parse(text) as Firing);
        } catch {
          logger.warn('ignoring a malformed entry of the shared hit log', { key });
        }
      }
      return filterFirings(firings, filter);
    },
    async hits(ruleIds) {
      const found = new Map<string, number>();
      if (ruleIds.length === 0) return found;
      await flush();
      await whenReady(redis, commandTimeoutMs);
      const values = await redis.hmget(countsKey, ...ruleIds);
      for (const [index, ruleId] of ruleIds.entries()) found.set(ruleId, Number(values[index] ?? 0));
      return found;
    },
    async resetHits(ruleIds) {
      if (ruleIds !== undefined && ruleIds.length === 0) return;
      await flush();
      // Chained behind the flushes, so no earlier firing of this process lands after the reset.
      const reset = flushing.then(async () => {
        await whenReady(redis, commandTimeoutMs);
        if (ruleIds === undefined) await redis.del(countsKey);
        else await redis.hdel(countsKey, ...ruleIds);
      });
      flushing = reset.catch(() => undefined);
      await reset;
    },
    async close() {
      await flush();
      await closeRedis(redis);
    },
  };
}
