import { performance } from 'node:perf_hooks';
import { type Endpoint, type S3Request, sendS3Request } from './s3-request.js';

/** Stops a phase that only fails (a target that died), so a broken run ends quickly. */
const MAX_ERRORS_PER_PHASE = 1_000;
/** Upper bound on requests a worker sends in one phase, whatever the clock says. */
const MAX_REQUESTS_PER_WORKER = 10_000_000;

/** One phase of closed-loop load: `concurrency` workers, each with one request in flight at a time. */
export interface LoadSpec {
  readonly endpoint: Endpoint;
  readonly concurrency: number;
  readonly warmupMs: number;
  readonly measureMs: number;
  /** Builds the n-th request of the phase (n counts across workers). */
  readonly requestAt: (n: number) => S3Request;
}

/** Closed-loop load of any operation: the n-th call (n counts across workers) rejects on failure. */
export interface OperationLoadSpec {
  readonly concurrency: number;
  readonly warmupMs: number;
  readonly measureMs: number;
  readonly operation: (n: number) => Promise<void>;
  /** Ends the phase after this many calls (warm-up included), whatever the clock says. */
  readonly maxOperations?: number;
}

/** What a phase measured; latencies only of requests started inside the measured window. */
export interface LoadResult {
  readonly completed: number;
  readonly errors: number;
  readonly elapsedMs: number;
  readonly latenciesMs: number[];
  readonly firstError?: string;
  /** Every call made, warm-up and failures included (what a server's CPU time over the phase paid for). */
  readonly calls?: number;
}

/**
 * Runs warm-up then the measured window. Requests that start in the window count; the window closes
 * when the last of them completes, so ops/s = completed / elapsed covers no idle tail. Errors of the
 * warm-up count too: a run with any error is reported as such.
 */
export function runLoad(spec: LoadSpec): Promise<LoadResult> {
  return runOperations({
    concurrency: spec.concurrency,
    warmupMs: spec.warmupMs,
    measureMs: spec.measureMs,
    operation: (n) => sendS3Request(spec.endpoint, spec.requestAt(n)),
  });
}

/** {@link runLoad} over any operation, optionally bounded by a count as well as by time. */
export async function runOperations(spec: OperationLoadSpec): Promise<LoadResult> {
  const startedAt = performance.now();
  const measureFrom = startedAt + spec.warmupMs;
  const measureUntil = measureFrom + spec.measureMs;
  const maxOperations = spec.maxOperations ?? Number.POSITIVE_INFINITY;
  const latenciesMs: number[] = [];
  let nextRequest = 0;
  let completed = 0;
  let errors = 0;
  let lastCompletion = measureFrom;
  let firstError: string | undefined;

  async function worker(): Promise<void> {
    for (let sent = 0; sent < MAX_REQUESTS_PER_WORKER; sent++) {
      const requestStart = performance.now();
      if (requestStart >= measureUntil || errors >= MAX_ERRORS_PER_PHASE) return;
      if (nextRequest >= maxOperations) return;
      try {
        await spec.operation(nextRequest++);
        if (requestStart >= measureFrom) {
          const now = performance.now();
          latenciesMs.push(now - requestStart);
          completed++;
          lastCompletion = Math.max(lastCompletion, now);
        }
      } catch (error) {
        errors++;
        firstError ??= error instanceof Error ? error.message : String(error);
      }
    }
  }

  await Promise.all(Array.from({ length: spec.concurrency }, () => worker()));
  return {
    completed,
    errors,
    elapsedMs: lastCompletion - measureFrom,
    latenciesMs,
    firstError,
    calls: nextRequest,
  };
}
