/**
 * The load generator's contract (DRILLS.md "Commands"): what a run is asked to do, what it records,
 * and the client interface both clients (`sdk`, `raw`) implement. `mock-s3 load` and `mock-s3 drill
 * run` share one engine (tools/load/engine.ts) through these types.
 */

/** The operations of a mix (`--mix put=40,get=50,list=5,delete=5`; also head, copy, multipart). */
export const LOAD_OPERATIONS = ['put', 'get', 'head', 'list', 'delete', 'copy', 'multipart'] as const;
export type LoadOperation = (typeof LOAD_OPERATIONS)[number];

export type LoadMix = Readonly<Partial<Record<LoadOperation, number>>>;

/** `sdk`: `@aws-sdk/client-s3` as an application configures it; `raw`: the tool's lean client. */
export type ClientKind = 'sdk' | 'raw';

/** Closed loop (`concurrency` requests in flight) or open loop (a constant arrival rate). */
export type LoopSpec =
  | { readonly kind: 'closed'; readonly concurrency: number }
  | { readonly kind: 'open'; readonly ratePerSecond: number; readonly maxInFlight?: number };

/** Bytes of one object: a fixed size (`min === max`) or uniform in `[min, max]`. */
export interface SizeRange {
  readonly min: number;
  readonly max: number;
}

export interface LoadSpec {
  /** Any S3 endpoint, e.g. `http://127.0.0.1:8080`. */
  readonly target: string;
  /** The bucket the load runs in; it exists before the run starts (the caller creates it). */
  readonly bucket: string;
  /** Every key the run touches starts with it (a drill: `<runId>/`), so runs never share keys. */
  readonly keyPrefix: string;
  readonly durationMs: number;
  readonly loop: LoopSpec;
  /** Size of the key space: keys are `<keyPrefix>k<index>` for index in [0, keys). */
  readonly keys: number;
  readonly size: SizeRange;
  readonly mix: LoadMix;
  readonly client: ClientKind;
  /** Seeds operation choice, keys, sizes and payload bytes: the same seed, the same sequence. */
  readonly seed: number;
  /** `sdk` only: the SDK's `maxAttempts` (undefined: the SDK's default, 3 in standard mode). */
  readonly maxAttempts?: number;
  /** Record the history the integrity checker needs (every write, delete and read). */
  readonly recordHistory: boolean;
  /** Bound of one request (the `sdk` client: of one attempt); undefined: 10 s. */
  readonly requestTimeoutMs?: number;
  /**
   * Keys that exist before the load starts (a drill's origin seeded with them, tools/load/seeding.ts):
   * believed to exist, so reads pick them, and in the history as writes acknowledged at time 0.
   */
  readonly preexisting?: readonly SeededObject[];
}

/** An object written before the load started, under load key `index` (`<keyPrefix>k<index>`). */
export interface SeededObject {
  readonly index: number;
  /** SHA-256 (hex) of its bytes. */
  readonly sha256: string;
  readonly etag?: string;
  readonly requestIds: readonly string[];
}

/** How one operation ended, as the client saw it (after the client's own retries). */
export interface ClientAnswer {
  /** A 2xx answer (a GET of a key the generator believes exists answering 404 is not ok). */
  readonly ok: boolean;
  /** HTTP status of the last attempt; undefined when no answer came (reset, timeout). */
  readonly status?: number;
  /** The S3 error code (`SlowDown`, `NoSuchKey`, ...) or a transport one (`ECONNRESET`, `Timeout`). */
  readonly errorCode?: string;
  /** `x-amz-request-id` of every attempt that got an answer, first to last. */
  readonly requestIds: readonly string[];
  /** Attempts made (1 without retries). */
  readonly attempts: number;
}

export interface PutAnswer extends ClientAnswer {
  readonly etag?: string;
}
export interface GetAnswer extends ClientAnswer {
  /** The body received (only when ok). */
  readonly body?: Buffer;
}
export interface ListAnswer extends ClientAnswer {
  readonly keys: readonly string[];
  readonly nextContinuationToken?: string;
}

/** One S3 client of the load generator. Never throws for an S3 or network error: it answers. */
export interface S3LoadClient {
  readonly kind: ClientKind;
  putObject(bucket: string, key: string, body: Buffer): Promise<PutAnswer>;
  getObject(bucket: string, key: string): Promise<GetAnswer>;
  headObject(bucket: string, key: string): Promise<ClientAnswer>;
  listObjects(bucket: string, prefix: string, continuationToken?: string): Promise<ListAnswer>;
  deleteObject(bucket: string, key: string): Promise<ClientAnswer>;
  copyObject(bucket: string, sourceKey: string, key: string): Promise<PutAnswer>;
  /** CreateMultipartUpload, UploadPart (parts of `partSize`), CompleteMultipartUpload. */
  multipartUpload(bucket: string, key: string, body: Buffer, partSize: number): Promise<PutAnswer>;
  createBucket(bucket: string): Promise<ClientAnswer>;
  /** Deletes every object under the bucket, then the bucket. */
  emptyAndDeleteBucket(bucket: string): Promise<ClientAnswer>;
  close(): Promise<void>;
}

/** Latency percentiles in milliseconds (from an HDR histogram); null when nothing succeeded. */
export interface LatencySummary {
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly max: number;
}

export interface OperationCounts {
  readonly ops: number;
  readonly errors: number;
  /** Attempts beyond the first (the SDK's retries). */
  readonly retries: number;
  /** Errors by S3 error code (or transport code); filled by the engine's recorder. */
  readonly errorsByCode?: Readonly<Record<string, number>>;
}

/** One second of the run (second `t` covers [t*1000, (t+1)*1000) ms from the load's start). */
export interface SecondSample {
  readonly t: number;
  /** Operations that started in this second and have ended (ok or not). */
  readonly ops: number;
  readonly errors: number;
  /** Errors by S3 error code (or transport code). */
  readonly errorsByCode: Readonly<Record<string, number>>;
  /** Latency of the successful operations that started in this second. */
  readonly latency: LatencySummary | null;
  readonly retries: number;
  /** Operations in flight at the end of the second. */
  readonly inFlight: number;
}

/** The run's windows (DRILLS.md "Windows and probes"); `load` alone is used by `mock-s3 load`. */
export const WINDOW_NAMES = ['warmup', 'before', 'during', 'after'] as const;
export type WindowName = (typeof WINDOW_NAMES)[number];

/** Aggregates over one window, computed from the load generator's own measurements. */
export interface WindowStats {
  readonly ops: number;
  readonly errors: number;
  /** errors / ops (0 when ops is 0). */
  readonly errorRate: number;
  /** ops / window length in seconds. */
  readonly throughput: number;
  readonly durationMs: number;
  readonly latency: LatencySummary | null;
  readonly errorsByCode: Readonly<Record<string, number>>;
  readonly byOperation: Readonly<
    Partial<Record<LoadOperation, OperationCounts & { latency: LatencySummary | null }>>
  >;
}

/**
 * The history the integrity checker reads (DRILLS.md `integrity`): every write attempted (acked or
 * not), every delete, every read that returned bytes. Times are ms from the load's start.
 */
export interface WriteRecord {
  readonly key: string;
  /** SHA-256 (hex) of the bytes sent. */
  readonly sha256: string;
  readonly startedAtMs: number;
  readonly endedAtMs: number;
  /** Acknowledged (2xx). A write that failed or got no answer may or may not have happened. */
  readonly acked: boolean;
  readonly etag?: string;
  readonly requestIds: readonly string[];
  readonly operation: 'put' | 'copy' | 'multipart';
}
export interface DeleteRecord {
  readonly key: string;
  readonly startedAtMs: number;
  readonly endedAtMs: number;
  readonly acked: boolean;
  readonly requestIds: readonly string[];
}
export interface ReadRecord {
  readonly key: string;
  /** SHA-256 (hex) of the bytes received. */
  readonly sha256: string;
  readonly startedAtMs: number;
  readonly endedAtMs: number;
  readonly requestIds: readonly string[];
}
export interface LoadHistory {
  readonly writes: readonly WriteRecord[];
  readonly deletes: readonly DeleteRecord[];
  readonly reads: readonly ReadRecord[];
}

/** What a finished run hands back (tools/load/engine.ts `startLoad(...).done`). */
export interface LoadRun {
  readonly spec: LoadSpec;
  /** Wall-clock start of the load (epoch ms); every `...Ms` time is relative to it. */
  readonly startedAtEpochMs: number;
  /** Actual length (ms) from start until the last operation ended. */
  readonly elapsedMs: number;
  /** Ended early by `stop()` (a drill aborted). */
  readonly stopped: boolean;
  readonly seconds: readonly SecondSample[];
  /** Whole run (after warm-up is not excluded here: `windows.warmup` is separate). */
  readonly total: WindowStats;
  /** Per window, for the windows the caller opened with `setWindow`. */
  readonly windows: Readonly<Partial<Record<WindowName, WindowStats>>>;
  /** Window boundaries as they happened (ms from start; `toMs` of the last one = elapsedMs). */
  readonly windowBounds: readonly {
    readonly name: WindowName;
    readonly fromMs: number;
    readonly toMs: number;
  }[];
  /** Present when `spec.recordHistory`. */
  readonly history?: LoadHistory;
  /** Every key the run touched (for the final read-back). */
  readonly touchedKeys: readonly string[];
}

/** Callbacks of a running load. */
export interface LoadHooks {
  /** Once per elapsed second, with the second just finished (status line, live charts). */
  onSecond?(sample: SecondSample, elapsedMs: number): void;
}

/** A started load (tools/load/engine.ts `startLoad(spec, hooks)`). */
export interface LoadHandle {
  /** Ms since the load started. */
  elapsedMs(): number;
  /**
   * From now on, operations that start are counted in window `name` (a drill calls it at warm-up's
   * end and at its first and last step). The initial window is `warmup`.
   */
  setWindow(name: WindowName): void;
  /** Ends the load early: no new operation starts; resolves when those in flight end. */
  stop(): Promise<LoadRun>;
  /** Resolves when the duration has passed and every operation in flight has ended. */
  readonly done: Promise<LoadRun>;
}
