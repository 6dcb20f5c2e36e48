import type { FetchLease } from './ports.js';

/**
 * The lease of a process that is the only fetcher: always granted. Single-flight within the
 * process (origin-fallback.ts) keeps it to one fetch per key; stack mode shares a Redis lease.
 */
export function createLocalFetchLease(): FetchLease {
  return {
    acquire: async () => true,
    release: async () => undefined,
    close: async () => undefined,
  };
}
