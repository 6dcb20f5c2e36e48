import { AsyncLocalStorage } from 'node:async_hooks';
import type { PendingFiring } from '../faults/deferred-firing.js';
import type { Fault } from '../faults/rule.js';

/**
 * What the request being served is about, visible to every injection point it reaches (a storage
 * or metadata point knows only a blob id or a key; rules also match on bucket, key, operation and
 * request id, and the hit log records the request id).
 */
export interface RequestFacts {
  requestId?: string;
  operation?: string;
  bucket?: string;
  key?: string;
  headers?: Readonly<Record<string, string | undefined>>;
  /**
   * A consistency fault that fired at `http.server` (`list_lag`, `read_after_write_miss`,
   * `stale_read`): the S3 operations honour it, as only they know object ages and versions.
   */
  consistency?: Extract<Fault, { type: 'list_lag' | 'read_after_write_miss' | 'stale_read' }>;
  /** The firing of `consistency`, recorded once the operation confirms that it changed the answer. */
  consistencyFiring?: PendingFiring;
}

const scope = new AsyncLocalStorage<RequestFacts>();

/** Runs `work` with these facts visible to every injection point it reaches. */
export function runWithRequestFacts<T>(facts: RequestFacts, work: () => T): T {
  return scope.run(facts, work);
}

/** The facts of the request in progress (mutable: middlewares fill them in), if any. */
export function currentRequestFacts(): RequestFacts | undefined {
  return scope.getStore();
}
