/**
 * The rule model of FAULTS.md in its canonical form: what a rule matches, which fault it injects,
 * and how often. Also the catalogue of injection points and of the fault types each point accepts.
 */
import type { S3ErrorCode } from '../s3/errors.js';

/** Components a rule can target (`match.service`). */
export const FAULT_SERVICES = [
  's3-api',
  'storage',
  'storage-node',
  'metadata',
  'async',
  'admin',
  'config',
  'gateway',
  'origin',
] as const;
export type FaultService = (typeof FAULT_SERVICES)[number];

/**
 * Every place in code where the engine is asked "anything for me?", with the service it belongs
 * to (`'*'`: any service, e.g. every handler wears the `http.server` middleware).
 */
export const INJECTION_POINTS = [
  { point: 'http.server', service: '*', description: 'every Lambda handler, through the Middy middleware' },
  { point: 'http.client', service: '*', description: 'every HTTP call between services' },
  { point: 'gateway.socket', service: 'gateway', description: 'the client socket, owned by the gateway' },
  {
    point: 'storage.put.before',
    service: 'storage',
    description: 'before a blob is written to its replicas',
  },
  { point: 'storage.put.after', service: 'storage', description: 'after the replicas are written' },
  { point: 'storage.get', service: 'storage', description: 'reading a blob from a replica' },
  { point: 'storage.delete', service: 'storage', description: 'deleting a blob from its replicas' },
  { point: 'node.read', service: 'storage-node', description: 'disk read inside a storage-node worker' },
  { point: 'node.write', service: 'storage-node', description: 'disk write inside a storage-node worker' },
  { point: 'node.delete', service: 'storage-node', description: 'disk delete inside a storage-node worker' },
  { point: 'db.query', service: 'metadata', description: 'every metadata SQL statement' },
  { point: 'db.commit.before', service: 'metadata', description: 'before a metadata transaction commits' },
  { point: 'db.commit.after', service: 'metadata', description: 'after a metadata transaction commits' },
  { point: 'cache.get', service: 'metadata', description: 'metadata cache lookup' },
  { point: 'cache.set', service: 'metadata', description: 'metadata cache fill or invalidation' },
  { point: 'queue.publish', service: 'async', description: 'a task is enqueued' },
  { point: 'queue.consume', service: 'async', description: 'a task is delivered to a worker' },
  {
    point: 'origin.fetch.before',
    service: 'origin',
    description:
      'before a read-through to the origin (a GET or HEAD that missed locally; bucket: the local bucket)',
  },
  {
    point: 'origin.fetch.after',
    service: 'origin',
    description: 'after the origin answered, its body in hand (size: the body length)',
  },
] as const satisfies readonly { point: string; service: FaultService | '*'; description: string }[];

export type InjectionPoint = (typeof INJECTION_POINTS)[number]['point'];

/** Point -> owning service, for lookups. */
export const POINT_SERVICE: Readonly<Record<InjectionPoint, FaultService | '*'>> = Object.freeze(
  Object.fromEntries(INJECTION_POINTS.map((p) => [p.point, p.service])) as Record<
    InjectionPoint,
    FaultService | '*'
  >,
);

/** Tells whether a string names an injection point. */
export function isInjectionPoint(value: string): value is InjectionPoint {
  return Object.hasOwn(POINT_SERVICE, value);
}

export interface LatencyFault {
  type: 'latency';
  ms: number;
  /** The delay is drawn uniformly in `ms ± jitterMs` (never below 0). */
  jitterMs?: number;
}
export interface HttpStatusFault {
  type: 'http_status';
  status: number;
  body?: string;
  headers?: Record<string, string>;
}
export interface S3ErrorFault {
  type: 's3_error';
  code: S3ErrorCode;
  message?: string;
  /** Seconds, sent as `Retry-After`. */
  retryAfter?: number;
}
export interface TimeoutFault {
  type: 'timeout';
  /** Hold the request this long, then close without a response (default: the caller's). */
  ms?: number;
}
export interface ResetFault {
  type: 'reset';
  afterBytes?: number;
}
export interface TruncateFault {
  type: 'truncate';
  afterBytes: number;
}
export interface BandwidthFault {
  type: 'bandwidth';
  bytesPerSec: number;
}
export interface SlowBodyFault {
  type: 'slow_body';
  chunkBytes: number;
  delayMs: number;
}
export interface StallFault {
  type: 'stall';
  afterBytes: number;
  ms: number;
}
export const IO_OPS = ['read', 'write', 'delete'] as const;
export interface IoErrorFault {
  type: 'io_error';
  op?: (typeof IO_OPS)[number];
  /** A Node.js errno code such as `EIO` or `ENOSPC`. */
  errno: string;
}
export interface IoLatencyFault {
  type: 'io_latency';
  ms: number;
}
export interface NodeDownFault {
  type: 'node_down';
}
export interface PartialWriteFault {
  type: 'partial_write';
  /** Replicas actually written (k of n); the others are left out. */
  written: number;
}
export const CORRUPT_MODES = ['bitflip', 'zero', 'truncate'] as const;
export interface CorruptFault {
  type: 'corrupt';
  mode: (typeof CORRUPT_MODES)[number];
}
export interface CapacityFault {
  type: 'capacity';
  maxBytes: number;
}
export interface StaleReplicaFault {
  type: 'stale_replica';
}
export interface DbLatencyFault {
  type: 'db_latency';
  ms: number;
}
export interface DbErrorFault {
  type: 'db_error';
  /** Five-character SQLSTATE, e.g. 40001 (serialization failure), 57014 (statement timeout). */
  sqlstate: string;
}
export const COMMIT_FAIL_WHEN = ['before', 'after'] as const;
export interface CommitFailFault {
  type: 'commit_fail';
  when?: (typeof COMMIT_FAIL_WHEN)[number];
}
export interface CacheStaleFault {
  type: 'cache_stale';
}
export interface CacheMissFault {
  type: 'cache_miss';
}
export interface CacheHotKeyExpiryFault {
  type: 'cache_hot_key_expiry';
}
export interface CacheFlushFault {
  type: 'cache_flush';
}
export interface DropFault {
  type: 'drop';
}
export interface DuplicateFault {
  type: 'duplicate';
  /** Extra deliveries of the message (1 = delivered twice). */
  copies: number;
}
export interface DelayFault {
  type: 'delay';
  ms: number;
}
export interface DeadLetterFault {
  type: 'dead_letter';
}
export interface ReorderFault {
  type: 'reorder';
}
export interface OriginUnavailableFault {
  type: 'origin_unavailable';
}
export const DIRTY_MODES = ['bitflip', 'truncate', 'other_object'] as const;
export const DIRTY_ETAGS = ['match', 'mismatch'] as const;
/**
 * The origin answers wrong bytes: one bit flipped, the body cut to half, or another key's body.
 * `etag: match` recomputes the ETag (and a full-object checksum) over the wrong bytes, so nothing
 * can tell; `mismatch` keeps the origin's, so verification refuses them.
 */
export interface DirtyFault {
  type: 'dirty';
  mode: (typeof DIRTY_MODES)[number];
  etag: (typeof DIRTY_ETAGS)[number];
}
/** The origin answers as it did before for the key (an older version, or its former 404). */
export interface StaleFault {
  type: 'stale';
}
export const CHECKSUM_MISMATCH_CODES = ['BadDigest', 'XAmzContentSHA256Mismatch'] as const;
export interface ChecksumMismatchFault {
  type: 'checksum_mismatch';
  code?: (typeof CHECKSUM_MISMATCH_CODES)[number];
}
export interface RejectFault {
  type: 'reject';
  code: S3ErrorCode;
}
export const THROTTLE_SCOPES = ['bucket', 'prefix', 'key'] as const;
export interface ThrottleFault {
  type: 'throttle';
  /** Requests per second admitted per scope; the rest get SlowDown. */
  rps: number;
  per: (typeof THROTTLE_SCOPES)[number];
}
export interface ListLagFault {
  type: 'list_lag';
  ms: number;
}
export interface ReadAfterWriteMissFault {
  type: 'read_after_write_miss';
  ms: number;
}
export interface StaleReadFault {
  type: 'stale_read';
}

/** Every fault of FAULTS.md, discriminated on `type`. */
export type Fault =
  | LatencyFault
  | HttpStatusFault
  | S3ErrorFault
  | TimeoutFault
  | ResetFault
  | TruncateFault
  | BandwidthFault
  | SlowBodyFault
  | StallFault
  | IoErrorFault
  | IoLatencyFault
  | NodeDownFault
  | PartialWriteFault
  | CorruptFault
  | CapacityFault
  | StaleReplicaFault
  | DbLatencyFault
  | DbErrorFault
  | CommitFailFault
  | CacheStaleFault
  | CacheMissFault
  | CacheHotKeyExpiryFault
  | CacheFlushFault
  | DropFault
  | DuplicateFault
  | DelayFault
  | DeadLetterFault
  | ReorderFault
  | OriginUnavailableFault
  | DirtyFault
  | StaleFault
  | ChecksumMismatchFault
  | RejectFault
  | ThrottleFault
  | ListLagFault
  | ReadAfterWriteMissFault
  | StaleReadFault;

export type FaultType = Fault['type'];

/** Faults that only add time: they add up, and the chain goes on (see "Combining"). */
export const DELAY_FAULT_TYPES = ['latency', 'db_latency', 'io_latency', 'delay'] as const;
export type DelayingFault = Extract<Fault, { type: (typeof DELAY_FAULT_TYPES)[number] }>;

/** Tells whether a fault only adds delay (as opposed to a terminal effect that ends the chain). */
export function isDelayFault(fault: Fault): fault is DelayingFault {
  return (DELAY_FAULT_TYPES as readonly string[]).includes(fault.type);
}

const NODE_POINTS = ['node.read', 'node.write', 'node.delete'] as const;
const STORAGE_POINTS = ['storage.put.before', 'storage.put.after', 'storage.get', 'storage.delete'] as const;
const DB_POINTS = ['db.query', 'db.commit.before', 'db.commit.after'] as const;
const QUEUE_POINTS = ['queue.publish', 'queue.consume'] as const;
const ORIGIN_POINTS = ['origin.fetch.before', 'origin.fetch.after'] as const;
/** The origin points: the types of FAULTS.md's origin row, each where its effect can be made. */
const ORIGIN_BEFORE = 'origin.fetch.before';
const ORIGIN_AFTER = 'origin.fetch.after';
const ALL_POINTS = INJECTION_POINTS.map((p) => p.point);

/**
 * Which fault types make sense at which point: the layer that owns a point is the one able to
 * produce the effect (a TCP reset needs the socket; a SQLSTATE needs the database client).
 * `latency` is a plain delay and is accepted everywhere.
 */
export const FAULT_POINTS = {
  latency: ALL_POINTS,
  http_status: ['http.server', 'http.client', ...ORIGIN_POINTS],
  s3_error: ['http.server', ...STORAGE_POINTS, ...ORIGIN_POINTS],
  timeout: ['http.server', 'http.client', 'gateway.socket', ORIGIN_BEFORE],
  reset: ['http.client', 'gateway.socket'],
  truncate: ['gateway.socket'],
  bandwidth: ['gateway.socket'],
  slow_body: ['gateway.socket', ORIGIN_AFTER],
  stall: ['gateway.socket'],
  io_error: NODE_POINTS,
  io_latency: NODE_POINTS,
  node_down: NODE_POINTS,
  partial_write: ['storage.put.before', 'storage.put.after', 'node.write'],
  corrupt: ['node.read', 'node.write'],
  capacity: ['node.write'],
  stale_replica: ['node.read', 'node.write'],
  db_latency: DB_POINTS,
  db_error: DB_POINTS,
  commit_fail: ['db.commit.before', 'db.commit.after'],
  cache_stale: ['cache.get'],
  cache_miss: ['cache.get'],
  cache_hot_key_expiry: ['cache.get'],
  cache_flush: ['cache.get', 'cache.set'],
  drop: QUEUE_POINTS,
  duplicate: QUEUE_POINTS,
  delay: QUEUE_POINTS,
  dead_letter: QUEUE_POINTS,
  reorder: QUEUE_POINTS,
  origin_unavailable: [ORIGIN_BEFORE],
  dirty: [ORIGIN_AFTER],
  stale: [ORIGIN_BEFORE],
  checksum_mismatch: ['http.server', 'storage.put.before'],
  reject: ['http.server', 'storage.put.before'],
  throttle: ['http.server', ORIGIN_BEFORE],
  list_lag: ['http.server'],
  read_after_write_miss: ['http.server'],
  stale_read: ['http.server'],
} as const satisfies Record<FaultType, readonly InjectionPoint[]>;

/** Tells whether a fault type can be injected at a point. */
export function faultAllowedAt(type: FaultType, point: InjectionPoint): boolean {
  return (FAULT_POINTS[type] as readonly string[]).includes(point);
}

/** What a rule matches; every field given must match, absent fields match anything. */
export interface RuleMatch {
  service?: FaultService;
  point: InjectionPoint;
  /** S3 operation name (`PutObject`) or internal operation (`delete_from_storage`); exact. */
  operation?: string;
  /** Route pattern `METHOD /:bucket/:key` (`:key` greedy, `*` any characters). */
  endpoint?: string;
  /** Glob: `*` matches any characters, `/` included. */
  bucket?: string;
  /** Glob: `*` matches any characters, `/` included. */
  key?: string;
  /** Glob over the storage-node id. */
  node?: string;
  /** Exact header values; names are lower-cased. */
  headers?: Record<string, string>;
  minSize?: number;
  maxSize?: number;
}

/** A rule in the canonical form of FAULTS.md, as `POST` answers and `GET` returns it. */
export interface Rule {
  id: string;
  name?: string;
  /** Tag: a scenario is the set of rules sharing it. */
  scenario?: string;
  enabled: boolean;
  /** Higher first. */
  priority: number;
  match: RuleMatch;
  fault: Fault;
  /** Probability of firing per matching event, in 0..1. */
  rate: number;
  /** Let the first N matches pass. */
  after: number;
  /** Fire at most N times, then the rule is spent; absent: unlimited. */
  times?: number;
  /** Fire on every Nth match (after `after`). */
  every: number;
  /** Decisions are a pure function of (seed, rule id, match index). */
  seed: number | string;
  /** The TTL as given (`"5m"`); `expiresAt` is what counts. */
  ttl?: string;
  expiresAt: string;
  /** Active only between these instants. */
  window?: { start?: string; end?: string };
  createdAt: string;
  /** Firings on this instance. */
  hits: number;
}
