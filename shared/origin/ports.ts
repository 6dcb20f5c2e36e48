/**
 * Ports of origin fallback: a bucket may name a third-party origin (an S3 endpoint, or a plain HTTP
 * base URL) that a GET or HEAD of a key the bucket lacks reads through to (ARCHITECTURE.md, "Request
 * path"). The storage service owns the fetch; the s3-api read path asks it on a local miss.
 */
import type { BreakerState } from '../http/circuit-breaker.js';
import type { ObjectHeaders, ObjectRecord, StoredChecksum } from '../metadata/ports.js';

export const ORIGIN_KINDS = ['s3', 'http'] as const;
/** `s3`: through `@aws-sdk/client-s3` (signed); `http`: `GET {endpoint}/{key}`. */
export type OriginKind = (typeof ORIGIN_KINDS)[number];

export interface OriginCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** One bucket's origin, every default filled in (`origin-config.ts` parses and checks it). */
export interface OriginConfig {
  /** The local bucket this origin serves. */
  bucket: string;
  /** Base URL, `http(s)://host[:port][/path]`. */
  endpoint: string;
  /** The bucket at the origin (`kind: s3`); the local bucket's name when not given. */
  remoteBucket: string;
  kind: OriginKind;
  region: string;
  forcePathStyle: boolean;
  /** Never echoed back or logged (see `originView`). */
  credentials?: OriginCredentials;
  /** Store what was fetched locally (replicated like any PUT), so the next read is local. */
  writeBack: boolean;
  /** How long an origin 404 is remembered (no origin call for that key meanwhile); 0: not at all. */
  negativeTtlMs: number;
  /** Fetches per second sent to this origin (token bucket); 0: no limit. */
  rps: number;
  /** Limit of one fetch, headers and body; past it the client gets 503 ServiceUnavailable. */
  timeoutMs: number;
  /** Consecutive failed fetches that open the circuit, and how long it stays open. */
  breaker: { failures: number; openMs: number };
  /** Where the config comes from: the control plane (`PUT /api/v1/origins/{bucket}`) or the environment. */
  source: 'stored' | 'environment';
}

/** An object as the origin served it. */
export interface OriginObject {
  body: Buffer;
  /** Quoted, as the origin sent it (`"<md5>"`, or `"<md5>-N"` for a multipart object); absent over plain HTTP without one. */
  etag?: string;
  lastModified?: Date;
  headers: ObjectHeaders;
  /** `x-amz-meta-*`, names lower-cased without the prefix. */
  userMetadata: Record<string, string>;
  /** The full-object checksum the origin gave (`x-amz-checksum-*`), when it gave one. */
  checksum?: StoredChecksum;
}

/** What the origin answered for a key: the object, or that it has none (404). */
export type OriginAnswer = { found: true; object: OriginObject } | { found: false };

/**
 * Why an origin fetch failed. `unreachable`: connection refused or reset, DNS; `timeout`: no full
 * answer within `timeoutMs`; `throttled`: the origin answered 503 SlowDown or 429; `status`: any other
 * answer than 200 or 404 (`status`, and the S3 `code` when the body had one).
 */
export type OriginFailureKind = 'unreachable' | 'timeout' | 'throttled' | 'status';

export class OriginError extends Error {
  override readonly name = 'OriginError';
  constructor(
    readonly kind: OriginFailureKind,
    message: string,
    readonly details: { status?: number; code?: string } = {},
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** One origin, as a client: asked for one key at a time. */
export interface OriginClient {
  /** Throws OriginError when the origin could not give an answer (`signal` aborted: `timeout`). */
  get(key: string, options: { signal: AbortSignal }): Promise<OriginAnswer>;
  close(): void;
}

/** The origins configured now, kept current from the config store (`origin-registry.ts`). */
export interface OriginDirectory {
  /** The origin of a local bucket now, if it has one (a stored config wins over the environment's). */
  originFor(bucket: string): OriginConfig | undefined;
  /** Every stored origin, and the environment's for the buckets it names (not `*`). */
  list(): OriginConfig[];
  /** Calls `listener` whenever a bucket's stored origin changes (undefined: removed); returns the unsubscribe. */
  onChange(listener: (bucket: string, config: OriginConfig | undefined) => void): () => void;
  close(): Promise<void>;
}

/** The state of one bucket's origin in this process (the admin view, `GET /api/v1/origins`). */
export interface OriginStatus {
  breaker: BreakerState;
  /** Fetches sent to the origin by this process, and how many failed. */
  fetches: number;
  failures: number;
  /** The last failure's message, when there was one. */
  lastError?: string;
  /** Keys remembered as missing at the origin (negative cache). */
  negativeEntries: number;
}

/** An object read through from the origin, as the read path serves it. */
export interface FetchedObject {
  /** The record as written back (or as it would have been, with `writeBack: false`). */
  object: ObjectRecord;
  body: Buffer;
}

/** The read-through the s3-api read path calls on a local miss (`S3Services.origin`). */
export interface OriginFallback {
  /**
   * For a key the local bucket does not have: undefined when the bucket has no origin; else the
   * object fetched from it (one fetch per key at a time; written back when configured), or an
   * S3Error: NoSuchKey (origin 404, or remembered as missing), 503 SlowDown (over `rps`, or the
   * origin throttled), 503 ServiceUnavailable (unreachable, timed out, breaker open, an error
   * answer, or bytes that do not match the origin's ETag or checksum: never cached).
   */
  fetchMissing(bucket: string, key: string): Promise<FetchedObject | undefined>;
  /**
   * A GET or HEAD the bucket answered locally: counted for the hit ratio when the bucket has an
   * origin (`origin_reads_total{source="local"}`).
   */
  noteLocalRead?(bucket: string): void;
  /** This process's view of a bucket's origin; undefined when the bucket has none. */
  status(bucket: string): OriginStatus | undefined;
  close(): Promise<void>;
}

/**
 * Who fetches a key now, across processes (stack mode: Redis; one process: nobody else, so always
 * granted). A holder releases when its write-back has committed or the fetch failed; a lease also
 * lapses after `ttlMs`, so a crashed holder blocks nobody for long.
 */
export interface FetchLease {
  /** True when this process may fetch `id` now. */
  acquire(id: string, ttlMs: number): Promise<boolean>;
  release(id: string): Promise<void>;
  close(): Promise<void>;
}
