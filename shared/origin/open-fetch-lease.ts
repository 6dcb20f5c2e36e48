import type { Config } from '../config/env.js';
import type { Logger } from '../telemetry/logger.js';
import { createLocalFetchLease } from './local-fetch-lease.js';
import type { FetchLease } from './ports.js';

/**
 * The fetch lease the config calls for: the one place that chooses. One process (embedded mode)
 * is the only fetcher, so its lease is always granted; stack mode shares one across processes.
 */
export function openFetchLease(config: Readonly<Config>, logger: Logger): FetchLease {
  void config;
  void logger;
  return createLocalFetchLease();
}
