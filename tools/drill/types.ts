/**
 * The drill's contract (DRILLS.md): the parsed drill file, probes and their verdicts, the integrity
 * report, the actions and the result every report file is rendered from. The modules that fill
 * them: drill-file.ts (parse), windows.ts and probes.ts (judge), integrity/ (checker), actions/
 * (apply and roll back), report/ (files), runner.ts (the run).
 */
import type {
  ClientKind,
  LatencySummary,
  LoadMix,
  LoadOperation,
  LoopSpec,
  SecondSample,
  SizeRange,
  WindowName,
} from '../load/types.js';

// --- the drill file -------------------------------------------------------------------------------

export interface DrillLoad {
  readonly durationMs: number;
  readonly loop: LoopSpec;
  readonly keys: number;
  readonly size: SizeRange;
  readonly mix: LoadMix;
  readonly client: ClientKind;
  /** `sdk` only (`load.max_attempts`): 1 turns the SDK's retries off. */
  readonly maxAttempts?: number;
  /** `bucket:` with `{run}` replaced by the run id. */
  readonly bucket: string;
  /** Keep the bucket and its objects after the run (`keep: true`). */
  readonly keep: boolean;
}

/**
 * `origin:` *(extension)*: the drill's bucket reads through to `bucket` of the same target, seeded
 * with `keys` objects (`<run id>/k0`...) before the load, so its reads of them miss locally.
 */
export interface DrillOrigin {
  /** With `{run}` as written (the runner replaces it); default `<load.bucket>-origin`. */
  readonly bucket: string;
  /** Objects seeded at the origin: load keys `0 .. keys-1`. */
  readonly keys: number;
  readonly size: SizeRange;
  /** The rest of the body of `PUT /api/v1/origins/{bucket}` (writeBack, rps, timeoutMs, breaker...). */
  readonly config: Readonly<Record<string, unknown>>;
}

/** Judged over `before` and `after`, and over `during` when `during` is true. */
export type ProbeSpec =
  | { readonly probe: 'error_rate'; readonly max: number; readonly during: boolean }
  | {
      readonly probe: 'latency_p50' | 'latency_p95' | 'latency_p99' | 'latency_max';
      /** Milliseconds. */
      readonly max: number;
      readonly during: boolean;
    }
  | { readonly probe: 'throughput_min'; readonly min: number; readonly during: boolean }
  /** Judged once, after recovery (DRILLS.md `integrity`). */
  | { readonly probe: 'integrity' }
  | {
      readonly probe: 'http';
      readonly url: string;
      readonly expect_status: number;
      /** A regular expression the body must match. */
      readonly expect_body?: string;
      readonly during: boolean;
    }
  /**
   * The task queue's pending count (`GET /api/v1/async/queue`, polled once a second; the server's
   * own say, shown as such). `before` and `during` (when asked): every sample <= max; `after`:
   * the last sample <= max (the backlog must have drained by the end of recovery).
   */
  | { readonly probe: 'queue_pending'; readonly max: number; readonly during: boolean };

export type ProbeName = ProbeSpec['probe'];

/** The node and service actions that need processes (stack mode). */
export const NODE_ACTIONS = ['kill_node', 'stop_node', 'start_node', 'partition_node', 'heal_node'] as const;
export const SERVICE_ACTIONS = ['stop_service', 'start_service'] as const;
export const SERVICES = ['postgres', 'redis', 'etcd'] as const;
export type ServiceName = (typeof SERVICES)[number];

/** One step's action (a `rules:` list without `action:` is the `rules` action). */
export type DrillAction =
  /** FAULTS.md rules, any form the control API accepts. */
  | { readonly action: 'rules'; readonly rules: readonly unknown[] }
  /** A scenario file (path as written, resolved from the drill file's folder) and its parsed body. */
  | { readonly action: 'scenario'; readonly file: string; readonly scenario: unknown }
  | {
      readonly action: 'preset';
      readonly preset: string;
      readonly params?: Readonly<Record<string, unknown>>;
    }
  /** Remove what this drill applied so far (its rules); stopped nodes and services stay as they are. */
  | { readonly action: 'clear' }
  | { readonly action: 'disable_all' }
  | { readonly action: (typeof NODE_ACTIONS)[number]; readonly node: string }
  | { readonly action: (typeof SERVICE_ACTIONS)[number]; readonly service: ServiceName }
  /** A marker: nothing is applied. */
  | { readonly action: 'wait' };

export type DrillActionName = DrillAction['action'];

export type DrillStep = DrillAction & {
  /** Ms from the start of load. */
  readonly at: number;
  /** Index in `method` (for messages: `method[2].node`). */
  readonly index: number;
};

export interface DrillFile {
  readonly name: string;
  readonly description: string;
  readonly seed: number;
  readonly load: DrillLoad;
  /** `origin:` *(extension)*: the bucket reads through to a seeded origin. */
  readonly origin?: DrillOrigin;
  readonly steadyState: readonly ProbeSpec[];
  readonly method: readonly DrillStep[];
  readonly recoveryMs: number;
  readonly rollback: 'always';
  /** `mode:` of a library drill: which mode it needs (`any` runs on both). */
  readonly mode: 'embedded' | 'stack' | 'any';
  /** The file's text as read (the report prints it). */
  readonly source: string;
  /** Where it was read from (scenario paths resolve against its folder). */
  readonly path: string;
}

/** A bad drill file or an action the target cannot do: exit 2, `field` names it (`method[1].at`). */
export class DrillFileError extends Error {
  override readonly name = 'DrillFileError';
  readonly field: string;

  constructor(field: string, message: string) {
    super(`${field}: ${message}`);
    this.field = field;
  }
}

// --- the target -----------------------------------------------------------------------------------

/** What the runner found at `--target` / `--admin` before any load (actions/target.ts). */
export interface TargetInfo {
  readonly target: string;
  /** Undefined when no control plane answered. */
  readonly admin?: string;
  readonly mode: 'embedded' | 'stack' | 'unknown';
  /** Storage nodes as `/api/v1/storage/nodes` lists them (address in stack mode). */
  readonly nodes: readonly { readonly id: string; readonly address?: string }[];
  /** Stack mode: the run dir with the pid files (`--run-dir`, MOCK_S3_RUN_DIR, or the default). */
  readonly runDir?: string;
  /** Root may add kernel packet filters (a real partition). */
  readonly canPartition: boolean;
}

// --- probes and the verdict -------------------------------------------------------------------------

export interface ProbeWindowResult {
  readonly window: WindowName;
  /** The measured value (a rate, ms, ops/s, a status...); null when the window had nothing to judge. */
  readonly value: number | null;
  /** The threshold, as a number in the probe's unit. */
  readonly threshold: number | null;
  readonly ok: boolean;
  /** Why it failed or what was seen, for people: "0.42 > 0.01 (412 of 981 operations)". */
  readonly detail: string;
  /** When the probe was first violated in this window (ms from start), if it was. */
  readonly violatedAtMs?: number;
}

export interface ProbeResult {
  readonly spec: ProbeSpec;
  /** `error_rate`, `latency_p99 <= 250ms`, ... */
  readonly label: string;
  readonly windows: readonly ProbeWindowResult[];
  readonly ok: boolean;
}

// --- integrity ------------------------------------------------------------------------------------

export const VIOLATION_KINDS = ['lost', 'phantom', 'resurrected', 'listing_gap'] as const;
export type ViolationKind = (typeof VIOLATION_KINDS)[number];

export interface IntegrityViolation {
  readonly kind: ViolationKind;
  readonly key: string;
  /** For people: "acknowledged 3f2a… at 2.31s, read back: 404 NoSuchKey". */
  readonly detail: string;
  /** The requests involved (the acknowledged write, the phantom read, the final read...). */
  readonly requestIds: readonly string[];
  /** Ids of the rules that fired on those requests (from the hit log). */
  readonly rules: readonly string[];
  readonly atMs?: number;
}

/** What the final check read back (integrity/read-back.ts): the truth after recovery. */
export interface ReadBack {
  /** Per key touched: the SHA-256 of the bytes a GET returned, or null for 404; `error` otherwise. */
  readonly objects: ReadonlyMap<
    string,
    {
      readonly sha256: string | null;
      readonly requestId?: string;
      readonly error?: string;
      /** The HTTP status of a failed read, when an answer came (a 5xx is judged, see checker.ts). */
      readonly status?: number;
    }
  >;
  /** Every key a full listing of the prefix returned. */
  readonly listed: ReadonlySet<string>;
  readonly listingRequestIds: readonly string[];
  /** The listing could not complete (errors): listing gaps are then not judged. */
  readonly listingError?: string;
}

export interface IntegrityReport {
  readonly keysChecked: number;
  readonly acknowledgedWrites: number;
  readonly acknowledgedDeletes: number;
  readonly readsChecked: number;
  readonly violations: readonly IntegrityViolation[];
  /** Keys the final read could not judge (the read itself failed), listed, not violations. */
  readonly unverifiable: readonly string[];
}

/** One firing of the hit log (GET /api/v1/injection/events), as the runner keeps it. */
export interface Firing {
  readonly ruleId: string;
  readonly scenario?: string;
  readonly point: string;
  readonly type: string;
  readonly requestId?: string;
  /** Ms from the start of load (from the firing's timestamp). */
  readonly atMs: number;
  /** The event as the control plane returned it. */
  readonly raw: Readonly<Record<string, unknown>>;
}

// --- actions --------------------------------------------------------------------------------------

export interface StepOutcome {
  readonly ok: boolean;
  /** For the report: "3 rules (ids r-1, r-2, r-3)", "node-2 SIGKILL (pid 4411)". */
  readonly detail: string;
  /** Rule ids this step added (the hit log is filtered by them). */
  readonly ruleIds?: readonly string[];
  /** Whether a fault is active after this step (the report shades from here until one that clears). */
  readonly faultActive: boolean;
}

/** Applies steps and undoes everything a drill applied (actions/actuator.ts `createActuator`). */
export interface Actuator {
  apply(step: DrillStep): Promise<StepOutcome>;
  /** Removes the drill's rules, restarts stopped nodes and services, heals partitions; never throws. */
  rollback(): Promise<readonly string[]>;
  /** The scenario name every rule of this drill carries (the hit log filter). */
  readonly scenario: string;
}

// --- the result (result.json; every report file is rendered from it) -------------------------------

export type Verdict = 'passed' | 'failed' | 'aborted' | 'error';

export interface StepRecord {
  readonly index: number;
  readonly atMs: number;
  readonly appliedAtMs: number;
  readonly action: DrillActionName;
  /** "kill_node node-2", "rules: PutObject s3_error SlowDown 20%". */
  readonly label: string;
  readonly ok: boolean;
  readonly detail: string;
}

export interface OperationRow {
  readonly operation: LoadOperation;
  readonly ops: number;
  readonly errors: number;
  readonly errorRate: number;
  readonly retries: number;
  readonly latency: LatencySummary | null;
}

export interface FiringSummary {
  readonly ruleId: string;
  readonly point: string;
  readonly type: string;
  readonly count: number;
  readonly firstAtMs: number;
  readonly lastAtMs: number;
}

export interface DrillResult {
  readonly schema: 'mock-s3/drill-result@1';
  readonly name: string;
  readonly description: string;
  readonly verdict: Verdict;
  /** 0 passed, 1 a probe violated, 2 could not run, 130 aborted. */
  readonly exitCode: 0 | 1 | 2 | 130;
  /** One line for people: which probe, in which window, by how much; or why it could not run. */
  readonly reason: string;
  readonly runId: string;
  readonly seed: number;
  readonly startedAt: string;
  readonly endedAt: string;
  readonly target: string;
  readonly admin?: string;
  readonly mode: TargetInfo['mode'];
  readonly client: ClientKind;
  readonly loop: LoopSpec;
  readonly load: {
    readonly durationMs: number;
    readonly elapsedMs: number;
    readonly keys: number;
    readonly size: SizeRange;
    readonly mix: LoadMix;
    readonly bucket: string;
    readonly keyPrefix: string;
    readonly maxAttempts?: number;
    /** The origin the bucket read through to, and how many objects were seeded there. */
    readonly origin?: { readonly bucket: string; readonly keys: number };
  };
  /** The command that replays this run (same seed, file, target). */
  readonly command: string;
  readonly versions: { readonly mockS3: string; readonly node: string; readonly awsSdk?: string };
  readonly windows: readonly { readonly name: WindowName; readonly fromMs: number; readonly toMs: number }[];
  readonly steps: readonly StepRecord[];
  /** Intervals where a fault of the drill was active (shaded in the charts). */
  readonly faultWindows: readonly {
    readonly fromMs: number;
    readonly toMs: number;
    readonly label: string;
  }[];
  readonly series: readonly SecondSample[];
  /** Server-side samples, once a second (the server's own say): the task queue's pending count. */
  readonly serverSeries: { readonly queuePending: readonly { readonly t: number; readonly value: number }[] };
  readonly operations: readonly OperationRow[];
  readonly probes: readonly ProbeResult[];
  readonly integrity?: IntegrityReport;
  readonly firings: readonly FiringSummary[];
  /** What rollback did (and anything it could not undo). */
  readonly rollback: readonly string[];
  /** The drill file's text as run. */
  readonly drillFile: string;
}
