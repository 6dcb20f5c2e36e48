import type { FaultEvent } from '../../../../shared/faults/match.js';
import type { ParseRuleOptions } from '../../../../shared/faults/parse-rule.js';
import type { Fault, FaultType } from '../../../../shared/faults/rule.js';
import type { Clock } from '../../../../shared/runtime/clock.js';

export const T0 = Date.UTC(2024, 0, 1, 12, 0, 0);
export const DAY_MS = 86_400_000;

/** A clock that moves only when told. */
export function manualClock(startMs = T0): Clock & { advance(ms: number): void } {
  let now = startMs;
  return {
    now: () => new Date(now),
    advance(ms: number) {
      now += ms;
    },
  };
}

/** Parse options with a fixed instant and counting ids. */
export function parseOptions(overrides: Partial<ParseRuleOptions> = {}): ParseRuleOptions {
  let n = 0;
  return {
    now: new Date(T0),
    maxTtlMs: DAY_MS,
    newId: () => `rule-${++n}`,
    ...overrides,
  };
}

/** An S3 request event at http.server. */
export function s3Event(method: string, path: string, extra: Partial<FaultEvent> = {}): FaultEvent {
  const [, bucket, ...rest] = path.split('?')[0]!.split('/');
  const key = rest.join('/');
  return {
    service: 's3-api',
    point: 'http.server',
    method,
    path,
    ...(bucket ? { bucket } : {}),
    ...(key ? { key } : {}),
    ...extra,
  };
}

/** One valid example of every fault type: `satisfies` fails to compile if a type is missing. */
export const SAMPLE_FAULTS = {
  latency: { type: 'latency', ms: 100, jitterMs: 10 },
  http_status: { type: 'http_status', status: 502, body: 'bad gateway', headers: { 'x-a': 'b' } },
  s3_error: { type: 's3_error', code: 'SlowDown', retryAfter: 2 },
  timeout: { type: 'timeout', ms: 1000 },
  reset: { type: 'reset' },
  truncate: { type: 'truncate', afterBytes: 10 },
  bandwidth: { type: 'bandwidth', bytesPerSec: 1024 },
  slow_body: { type: 'slow_body', chunkBytes: 16, delayMs: 50 },
  stall: { type: 'stall', afterBytes: 100, ms: 500 },
  io_error: { type: 'io_error', errno: 'EIO' },
  io_latency: { type: 'io_latency', ms: 20 },
  node_down: { type: 'node_down' },
  partial_write: { type: 'partial_write', written: 0 },
  corrupt: { type: 'corrupt', mode: 'bitflip' },
  capacity: { type: 'capacity', maxBytes: 0 },
  stale_replica: { type: 'stale_replica' },
  db_latency: { type: 'db_latency', ms: 30 },
  db_error: { type: 'db_error', sqlstate: '40001' },
  commit_fail: { type: 'commit_fail' },
  cache_stale: { type: 'cache_stale' },
  cache_miss: { type: 'cache_miss' },
  cache_hot_key_expiry: { type: 'cache_hot_key_expiry' },
  cache_flush: { type: 'cache_flush' },
  drop: { type: 'drop' },
  duplicate: { type: 'duplicate', copies: 2 },
  delay: { type: 'delay', ms: 250 },
  dead_letter: { type: 'dead_letter' },
  reorder: { type: 'reorder' },
  origin_unavailable: { type: 'origin_unavailable' },
  dirty: { type: 'dirty', mode: 'truncate', etag: 'match' },
  stale: { type: 'stale' },
  checksum_mismatch: { type: 'checksum_mismatch', code: 'XAmzContentSHA256Mismatch' },
  reject: { type: 'reject', code: 'AccessDenied' },
  throttle: { type: 'throttle', rps: 5, per: 'prefix' },
  list_lag: { type: 'list_lag', ms: 2000 },
  read_after_write_miss: { type: 'read_after_write_miss', ms: 1000 },
  stale_read: { type: 'stale_read' },
} as const satisfies { [T in FaultType]: Extract<Fault, { type: T }> };
