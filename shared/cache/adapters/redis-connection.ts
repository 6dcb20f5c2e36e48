import { createRequire } from 'node:module';
import type { Redis } from 'ioredis';
import type { Logger } from '../../telemetry/logger.js';

/**
 * ioredis is loaded at the first connection, not at start: an embedded server never opens one. It
 * is left to Node's resolver at run time (scripts/build.mjs), so the bundle does not evaluate it at start.
 */
const loadIoredis = (): typeof import('ioredis') =>
  createRequire(import.meta.url)('ioredis') as typeof import('ioredis');

/** Redis is down, unreachable or closed: the caller decides whether to fall through or fail. */
export class RedisUnavailableError extends Error {
  override readonly name = 'RedisUnavailableError';
}

export interface RedisConnectionOptions {
  url: string;
  /** Shown in `CLIENT LIST`, so an operator can tell our connections apart. */
  connectionName: string;
  /** Upper bound on any command, and on waiting for the connection to come up. */
  commandTimeoutMs: number;
  logger: Logger;
}

/**
 * Opens an ioredis connection that never queues commands while disconnected: with the offline queue
 * on, a command that timed out would still be sent after a reconnect (a ghost write after the caller
 * saw an error). Commands interrupted by a lost connection fail at once instead of being replayed.
 * Reconnection continues in the background until {@link closeRedis}.
 */
export function openRedis(options: RedisConnectionOptions): Redis {
  const redis = new (loadIoredis().Redis)(options.url, {
    connectionName: options.connectionName,
    commandTimeout: options.commandTimeoutMs,
    connectTimeout: options.commandTimeoutMs,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    // Commands issued in one turn of the event loop (the cache reads of the requests served in it)
    // go out in one write: fewer syscalls and wakeups on both ends.
    enableAutoPipelining: true,
    retryStrategy: (times) => Math.min(times * 200, 2000),
  });
  // Without a listener ioredis prints every reconnect failure; log each distinct error once instead.
  let lastError = '';
  redis.on('error', (error: Error) => {
    if (error.message === lastError) return;
    lastError = error.message;
    options.logger.warn('redis connection error', { connection: options.connectionName, error });
  });
  redis.on('ready', () => {
    if (lastError) options.logger.info('redis connection restored', { connection: options.connectionName });
    lastError = '';
  });
  return redis;
}

/**
 * Resolves when the connection can take commands. Fails at once when the connection is known to be
 * down (reconnecting or closed) and after `timeoutMs` while it is still connecting, so no caller hangs.
 */
export function whenReady(redis: Redis, timeoutMs: number): Promise<void> {
  switch (redis.status) {
    case 'ready':
      return Promise.resolve();
    case 'reconnecting':
      return Promise.reject(new RedisUnavailableError('redis is unreachable (reconnecting)'));
    case 'close':
    case 'end':
      return Promise.reject(new RedisUnavailableError('redis connection is closed'));
  }
  return new Promise<void>((resolve, reject) => {
    const finish = (error?: Error) => {
      clearTimeout(timer);
      redis.off('ready', onReady);
      redis.off('error', onError);
      redis.off('end', onEnd);
      if (error) reject(error);
      else resolve();
    };
    const onReady = () => finish();
    const onError = (cause: Error) =>
      finish(new RedisUnavailableError(`redis is unreachable: ${cause.message}`, { cause }));
    const onEnd = () => finish(new RedisUnavailableError('redis connection is closed'));
    const timer = setTimeout(
      () => finish(new RedisUnavailableError(`redis did not become ready within ${timeoutMs} ms`)),
      timeoutMs,
    );
    redis.once('ready', onReady);
    redis.once('error', onError);
    redis.once('end', onEnd);
  });
}

/** Quits politely when connected, and in every case stops the reconnect timer so the process can exit. */
export async function closeRedis(redis: Redis): Promise<void> {
  try {
    if (redis.status === 'ready') await redis.quit();
  } catch {
    // The connection is going away either way; disconnect() below finishes the job.
  } finally {
    if (redis.status !== 'end') redis.disconnect();
  }
}
