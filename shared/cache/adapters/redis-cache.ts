import { type Logger, silentLogger } from '../../telemetry/logger.js';
import type { CacheClient } from '../ports.js';
import { ttlToMs } from './memory-cache.js';
import { closeRedis, openRedis, whenReady } from './redis-connection.js';

export interface RedisCacheOptions {
  url: string;
  /** Prepended to every key, so several services or test files share one Redis safely. */
  keyPrefix?: string;
  logger?: Logger;
  /** Bound on each command (and on waiting for a connection). Default 1000 ms. */
  commandTimeoutMs?: number;
}

/**
 * The read cache over Redis (`SET key value PX ttl`). Every command is bounded: when Redis is down it
 * throws (`RedisUnavailableError` when the connection is down, the ioredis error otherwise) instead of
 * waiting, and the caller falls through to the metadata store.
 */
export function createRedisCache(options: RedisCacheOptions): CacheClient {
  const keyPrefix = options.keyPrefix ?? '';
  const commandTimeoutMs = options.commandTimeoutMs ?? 1000;
  const redis = openRedis({
    url: options.url,
    connectionName: 'mock-s3-cache',
    commandTimeoutMs,
    logger: options.logger ?? silentLogger,
  });

  return {
    async get(key) {
      await whenReady(redis, commandTimeoutMs);
      const value = await redis.get(keyPrefix + key);
      return value ?? undefined;
    },
    async getMany(keys) {
      if (keys.length === 0) return [];
      await whenReady(redis, commandTimeoutMs);
      const values = await redis.mget(keys.map((key) => keyPrefix + key));
      return values.map((value) => value ?? undefined);
    },
    async set(key, value, ttlSeconds) {
      const ttlMs = ttlToMs(ttlSeconds);
      await whenReady(redis, commandTimeoutMs);
      await redis.set(keyPrefix + key, value, 'PX', ttlMs);
    },
    async del(key) {
      await whenReady(redis, commandTimeoutMs);
      await redis.del(keyPrefix + key);
    },
    close: () => closeRedis(redis),
  };
}
