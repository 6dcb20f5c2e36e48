import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { BreakerState } from '../http/circuit-breaker.js';

/** `origin_breaker_state`: 0 closed, 1 half-open, 2 open. */
const BREAKER_VALUE = { closed: 0, 'half-open': 1, open: 2 } as const satisfies Record<BreakerState, number>;

export interface OriginMetrics {
  /** One read-through's outcome (`origin_requests_total{bucket,result}`). */
  request(bucket: string, result: string): void;
  /** A GET or HEAD of an origin-backed bucket, answered locally or through the origin. */
  read(bucket: string, source: 'local' | 'origin'): void;
  fetchDuration(bucket: string, seconds: number): void;
  /** Where `origin_breaker_state` reads each bucket's breaker at scrape (the fallback's governors). */
  breakersFrom(source: () => Iterable<[bucket: string, state: BreakerState]>): void;
  writeBack(bucket: string, result: 'stored' | 'lost_race' | 'failed', bytes: number): void;
}

/**
 * The origin read-through's metrics (docs/metrics.md, "Origin"), on the process registry. The hit
 * ratio is read at scrape from the read counter: local reads over all reads of the bucket.
 */
export function createOriginMetrics(registry: Registry): OriginMetrics {
  const requests = new Counter({
    name: 'origin_requests_total',
    help: 'Read-throughs of local misses by outcome (fetched, not_found, negative_cached, unreachable, timeout, throttled, error, rate_limited, breaker_open, mismatch)',
    labelNames: ['bucket', 'result'] as const,
    registers: [registry],
  });
  const reads = new Counter({
    name: 'origin_reads_total',
    help: 'GET and HEAD of buckets with an origin, by where they were answered from (local, origin)',
    labelNames: ['bucket', 'source'] as const,
    registers: [registry],
  });
  new Gauge({
    name: 'origin_hit_ratio',
    help: 'Local reads over all reads of a bucket with an origin, since the process started',
    labelNames: ['bucket'] as const,
    registers: [registry],
    async collect() {
      const totals = new Map<string, { local: number; all: number }>();
      for (const sample of (await reads.get()).values) {
        const bucket = String(sample.labels.bucket);
        const total = totals.get(bucket) ?? { local: 0, all: 0 };
        total.all += sample.value;
        if (sample.labels.source === 'local') total.local += sample.value;
        totals.set(bucket, total);
      }
      this.reset();
      for (const [bucket, total] of totals) this.set({ bucket }, total.all > 0 ? total.local / total.all : 0);
    },
  });
  const duration = new Histogram({
    name: 'origin_fetch_duration_seconds',
    help: 'Time of one origin fetch, headers and body, failed fetches included',
    labelNames: ['bucket'] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  let breakers: () => Iterable<[string, BreakerState]> = () => [];
  new Gauge({
    name: 'origin_breaker_state',
    help: 'The circuit breaker of a bucket origin in this process: 0 closed, 1 half-open, 2 open',
    labelNames: ['bucket'] as const,
    registers: [registry],
    collect() {
      // Read at scrape: open turns half-open by time alone, with no call to notice it.
      this.reset();
      for (const [bucket, state] of breakers()) this.set({ bucket }, BREAKER_VALUE[state]);
    },
  });
  const writeBackBytes = new Counter({
    name: 'origin_write_back_bytes_total',
    help: 'Bytes of objects fetched from an origin and stored locally',
    labelNames: ['bucket'] as const,
    registers: [registry],
  });
  const writeBacks = new Counter({
    name: 'origin_write_back_total',
    help: 'Write-backs of fetched objects by result: stored, lost_race (a client write committed first), failed',
    labelNames: ['bucket', 'result'] as const,
    registers: [registry],
  });
  return {
    request: (bucket, result) => requests.inc({ bucket, result }),
    read: (bucket, source) => reads.inc({ bucket, source }),
    fetchDuration: (bucket, seconds) => duration.observe({ bucket }, seconds),
    breakersFrom(source) {
      breakers = source;
    },
    writeBack(bucket, result, bytes) {
      writeBacks.inc({ bucket, result });
      if (result === 'stored') writeBackBytes.inc({ bucket }, bytes);
    },
  };
}
