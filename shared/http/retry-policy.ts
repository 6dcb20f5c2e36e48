import { randomInt } from 'node:crypto';

export interface BackoffOptions {
  /** Ceiling of the first retry's delay; doubles on each further retry. */
  baseMs: number;
  /** Largest ceiling, however many retries. */
  maxMs: number;
}

/** Methods whose repetition has the same effect as one call (RFC 9110, section 9.2.2). */
const IDEMPOTENT = new Set(['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS', 'TRACE']);

/** Whether a request may be sent again after a failure that may have reached the server. */
export function isIdempotent(method: string): boolean {
  return IDEMPOTENT.has(method.toUpperCase());
}

const INSUFFICIENT_STORAGE = 507;

/**
 * 5xx: the server failed, another attempt may succeed. A 4xx would fail the same way again, and so
 * would 507 Insufficient Storage: a full disk is an answer from a working server (a storage node
 * with no room), not a failure to retry or to count against its breaker.
 */
export function isRetryableStatus(status: number): boolean {
  return status >= 500 && status <= 599 && status !== INSUFFICIENT_STORAGE;
}

/**
 * Delay before retry number `retry` (1 = the first retry): "full jitter", a uniform draw in
 * [0, min(maxMs, baseMs * 2^(retry-1))), so that clients failing together do not retry together
 * (https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/).
 * `random` returns a number in [0, 1).
 */
export function backoffDelay(retry: number, backoff: BackoffOptions, random: () => number): number {
  const ceiling = Math.min(backoff.maxMs, backoff.baseMs * 2 ** Math.max(0, retry - 1));
  return Math.floor(random() * ceiling);
}

const RANDOM_RANGE = 2 ** 48 - 1;

/** A uniform draw in [0, 1) from the OS generator: the default when no seeded source is given. */
export function cryptoRandom(): number {
  return randomInt(RANDOM_RANGE) / RANDOM_RANGE;
}
