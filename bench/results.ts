import type { LoadResult } from './client/load-loop.js';
import { median, mergeSorted, percentile } from './stats.js';
import type { Phase } from './workload.js';

/** The summary of one target, op and size over all rounds. */
export interface ResultRow {
  readonly target: string;
  readonly op: Phase['op'];
  readonly sizeLabel: string;
  /** Median over rounds of each round's ops/s. */
  readonly opsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly requests: number;
  readonly errors: number;
  readonly firstError?: string;
}

interface Accumulator {
  readonly target: string;
  readonly phase: Phase;
  readonly opsPerSecond: number[];
  readonly latencies: number[][];
  requests: number;
  errors: number;
  firstError?: string;
}

/** Collects the rounds of every target/op/size, then summarises them in insertion order. */
export class ResultCollector {
  private readonly byKey = new Map<string, Accumulator>();

  /** Records one round of one phase on one target. */
  add(target: string, phase: Phase, result: LoadResult): void {
    const key = `${target}|${phase.op}|${phase.sizeLabel}`;
    let entry = this.byKey.get(key);
    if (!entry) {
      entry = { target, phase, opsPerSecond: [], latencies: [], requests: 0, errors: 0 };
      this.byKey.set(key, entry);
    }
    entry.opsPerSecond.push(result.elapsedMs > 0 ? (result.completed * 1000) / result.elapsedMs : 0);
    entry.latencies.push(result.latenciesMs);
    entry.requests += result.completed;
    entry.errors += result.errors;
    entry.firstError ??= result.firstError;
  }

  rows(): ResultRow[] {
    return [...this.byKey.values()].map((entry) => {
      const sorted = mergeSorted(entry.latencies);
      return {
        target: entry.target,
        op: entry.phase.op,
        sizeLabel: entry.phase.sizeLabel,
        opsPerSecond: median(entry.opsPerSecond),
        p50Ms: percentile(sorted, 0.5),
        p99Ms: percentile(sorted, 0.99),
        requests: entry.requests,
        errors: entry.errors,
        firstError: entry.firstError,
      };
    });
  }
}
