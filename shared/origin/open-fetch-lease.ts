import type { Config } from '../config/env.js';
import type { Logger } from '../telemetry/logger.js';
import { createRedisFetchLease } from './adapters/redis-fetch-lease.js';
import { createLocalFetchLease } from './local-fetch-lease.js';
import type { FetchLease } from './ports.js';

/**
 * The fetch lease the config calls for: the one place that chooses. One process (embedded mode)
 * is the only fetcher, so its lease is always granted; a process that runs the Redis backends
 * (stack mode, beside the other instances on the same Redis) takes a Redis lease per key, so the
 * instances together send one origin GET per missing key at a time.
 */
export function openFetchLease(config: Readonly<Config>, logger: Logger): FetchLease {
  const stack =
    config.redisUrl !== undefined && (config.cache.backend === 'redis' || config.queue.backend === 'redis');
  return stack ? createRedisFetchLease({ url: config.redisUrl!, logger }) : createLocalFetchLease();
}
