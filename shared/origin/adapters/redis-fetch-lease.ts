/**
 * Stack mode's fetch lease: one Redis key per object being fetched from its origin, so the two
 * serverless-offline instances (and any other process on the same Redis) send one origin GET per
 * key at a time instead of one each. Within a process the fallback's single-flight does the rest.
 */
import { randomUUID } from 'node:crypto';
import { closeRedis, openRedis, whenReady } from '../../cache/adapters/redis-connection.js';
import { type Logger, silentLogger } from '../../telemetry/logger.js';
import type { FetchLease } from '../ports.js';

/** Where stack-mode processes take their origin fetch leases. */
export const FETCH_LEASE_PREFIX = 'mock-s3:origin:lease:';

/**
 * Deletes the lease only while it still holds the caller's token: a holder whose lease lapsed (a
 * fetch slower than its TTL) must not release the lease another process has taken since.
 */
const RELEASE_OWN = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;

export interface RedisFetchLeaseOptions {
  url: string;
  /** Default {@link FETCH_LEASE_PREFIX}; tests use a prefix of their own. */
  keyPrefix?: string;
  logger?: Logger;
  /** Bound on one command (and on waiting for the connection). Default 1000 ms. */
  commandTimeoutMs?: number;
  /** The token that tells this holder's lease from another's (default: a random UUID per acquire). */
  token?: () => string;
}

/**
 * `acquire` is `SET <prefix><id> <token> NX PX <ttlMs>`; `release` deletes the key only if it still
 * holds the token this process set (a compare-and-delete in Lua, atomic in Redis). When Redis cannot
 * be reached, `acquire` grants the lease (logged once per outage): the lease only saves origin
 * calls, and refusing it would turn a Redis outage into an origin outage for every miss; each process
 * then still fetches a key once at a time through its own single-flight.
 */
export function createRedisFetchLease(options: RedisFetchLeaseOptions): FetchLease {
  const keyPrefix = options.keyPrefix ?? FETCH_LEASE_PREFIX;
  const commandTimeoutMs = options.commandTimeoutMs ?? 1000;
  const logger = (options.logger ?? silentLogger).child({ component: 'origin-fetch-lease' });
  const newToken = options.token ?? randomUUID;
  const redis = openRedis({
    url: options.url,
    connectionName: 'mock-s3-origin-lease',
    commandTimeoutMs,
    logger,
  });
  /** The token of each lease this process holds, by id. */
  const held = new Map<string, string>();
  let degraded = false;

  function unavailable(error: unknown, id: string): void {
    if (degraded) return;
    degraded = true;
    logger.warn('origin fetch lease unavailable: fetching without it', { error, id });
  }

  return {
    async acquire(id, ttlMs) {
      const token = newToken();
      try {
        await whenReady(redis, commandTimeoutMs);
        const answer = await redis.set(keyPrefix + id, token, 'PX', Math.max(1, Math.ceil(ttlMs)), 'NX');
        if (degraded) logger.info('origin fetch lease available again');
        degraded = false;
        if (answer !== 'OK') return false;
        held.set(id, token);
        return true;
      } catch (error) {
        unavailable(error, id);
        return true;
      }
    },
    async release(id) {
      const token = held.get(id);
      if (token === undefined) return;
      held.delete(id);
      try {
        await whenReady(redis, commandTimeoutMs);
        await redis.eval(RELEASE_OWN, 1, keyPrefix + id, token);
      } catch (error) {
        // Not released: the key lapses after its TTL, so waiters are held up at most that long.
        logger.warn('origin fetch lease not released (it lapses on its own)', { error, id });
      }
    },
    close: () => closeRedis(redis),
  };
}
