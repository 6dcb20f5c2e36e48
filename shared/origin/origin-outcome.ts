import { S3Error } from '../s3/errors.js';
import type { BreakerVerdict } from './origin-governor.js';
import { OriginIntegrityError } from './origin-integrity.js';
import { type OriginConfig, OriginError } from './ports.js';

/** `origin_requests_total`'s `result`: what became of one read-through. */
export const ORIGIN_RESULTS = [
  'fetched',
  'not_found',
  'negative_cached',
  'unreachable',
  'timeout',
  'throttled',
  'error',
  'rate_limited',
  'breaker_open',
  'mismatch',
] as const;
export type OriginResult = (typeof ORIGIN_RESULTS)[number];

/** A failed read-through: what the client is answered, how the metrics and the breaker count it. */
export interface OriginFailure {
  result: OriginResult;
  breaker: BreakerVerdict;
  error: S3Error;
}

/**
 * The contract's mapping of an origin failure to what the S3 client sees (docs/origin.md): never
 * a 404 (the object may exist), a 503 the client may retry. Unreachable, timed out and 5xx count
 * against the breaker; a throttle, a 4xx and dirty bytes do not (the origin is up).
 */
export function originFailure(error: unknown, config: OriginConfig, key: string): OriginFailure {
  const resource = `/${config.bucket}/${key}`;
  const origin = `the origin of bucket ${config.bucket}`;
  if (error instanceof OriginIntegrityError) {
    return {
      result: 'mismatch',
      breaker: 'neutral',
      error: new S3Error('ServiceUnavailable', {
        message: `The object fetched from ${origin} does not match its ETag/checksum: it was neither served nor stored (${error.message}).`,
        resource,
        cause: error,
      }),
    };
  }
  if (!(error instanceof OriginError)) {
    return {
      result: 'error',
      breaker: 'failure',
      error: new S3Error('ServiceUnavailable', {
        message: `Reading through ${origin} failed.`,
        resource,
        cause: error,
      }),
    };
  }
  switch (error.kind) {
    case 'unreachable':
      return {
        result: 'unreachable',
        breaker: 'failure',
        error: unavailable(`${capitalized(origin)} could not be reached: ${error.message}.`, resource, error),
      };
    case 'timeout':
      return {
        result: 'timeout',
        breaker: 'failure',
        error: unavailable(
          `${capitalized(origin)} gave no full answer within ${config.timeoutMs} ms.`,
          resource,
          error,
        ),
      };
    case 'throttled':
      return {
        result: 'throttled',
        breaker: 'neutral',
        error: new S3Error('SlowDown', {
          message: `${capitalized(origin)} is throttling reads (${answerOf(error)}).`,
          resource,
          headers: { 'retry-after': '1' },
          cause: error,
        }),
      };
    case 'status':
      return {
        result: 'error',
        breaker: (error.details.status ?? 500) >= 500 ? 'failure' : 'neutral',
        error: unavailable(`${capitalized(origin)} answered ${answerOf(error)}.`, resource, error),
      };
  }
}

/** Over the origin's `rps`: no origin call, 503 SlowDown. */
export function rateLimited(config: OriginConfig, key: string): S3Error {
  return new S3Error('SlowDown', {
    message: `Over the rate limit of ${config.rps} origin fetches per second of bucket ${config.bucket}.`,
    resource: `/${config.bucket}/${key}`,
    headers: { 'retry-after': '1' },
  });
}

/** The breaker is open (or its half-open trial is out): no origin call. */
export function breakerOpen(config: OriginConfig, key: string): S3Error {
  return unavailable(
    `Bucket ${config.bucket}: origin circuit open; no fetch is sent until it recovers (within ${config.breaker.openMs} ms).`,
    `/${config.bucket}/${key}`,
  );
}

/** The origin has no such key (or said so less than `negativeTtl` ago). */
export function notFound(config: OriginConfig, key: string): S3Error {
  return new S3Error('NoSuchKey', { resource: `/${config.bucket}/${key}`, detail: { Key: key } });
}

function unavailable(message: string, resource: string, cause?: unknown): S3Error {
  return new S3Error('ServiceUnavailable', { message, resource, ...(cause ? { cause } : {}) });
}

function answerOf(error: OriginError): string {
  const { status, code } = error.details;
  if (status === undefined) return code ?? 'an error';
  return code ? `${status} ${code}` : String(status);
}

function capitalized(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
