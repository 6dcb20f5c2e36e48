import type { MetricValue, Registry } from 'prom-client';
import type { QueueStats } from '../queue/ports.js';
import type { Clock } from '../runtime/clock.js';

/** What one operation did in one window. */
export interface OperationWindow {
  /** Requests answered in the window. */
  requests: number;
  /** Of those, answered with a 5xx (injected or real). */
  serverErrors: number;
  /** Of those, answered with a 4xx (a missing key counts: it is what the client saw). */
  clientErrors: number;
  /**
   * The 99th percentile of the handling time in ms, interpolated within the histogram bucket it
   * falls in (as PromQL's `histogram_quantile`); null when no request was answered.
   */
  p99Ms: number | null;
}

/** One sample of the process: the operations answered since the sample before, and the queue now. */
export interface SeriesWindow {
  /** End of the window in ms since the epoch, a multiple of the interval (so instances line up). */
  t: number;
  /** By S3 operation (`GetObject`, ...); `*` is every operation together. */
  operations: Record<string, OperationWindow>;
  /** The task queue at `t`, when the sampler was given a way to read it and the read worked. */
  queue?: QueueStats;
}

export interface MetricSeriesOptions {
  /** The process registry holding `http_requests_total` and `http_request_duration_seconds`. */
  registry: Registry;
  clock: Clock;
  /** Time between samples (2 s by default). */
  intervalMs?: number;
  /** Windows kept (300 by default: 10 minutes at 2 s). */
  capacity?: number;
  /** The `service` labels counted (the data plane, `s3-api`, by default: not the dashboard's own polling). */
  services?: readonly string[];
  /** Reads the task queue's depth, lag and dead letters at each sample. */
  queueStats?: () => Promise<QueueStats>;
}

/** A ring of recent windows sampled from the registry, for the dashboard's charts. */
export interface MetricSeries {
  readonly intervalMs: number;
  /** Takes one sample now (the timer calls it; tests call it with a stepped clock). */
  sample(): Promise<void>;
  /** The windows kept that end after `sinceMs` (all of them by default), oldest first. */
  windows(sinceMs?: number): SeriesWindow[];
  /** Starts sampling every interval, on the interval's boundaries; idempotent. The timer never holds the process. */
  start(): void;
  /** Stops sampling (the windows kept stay readable). */
  stop(): void;
  readonly running: boolean;
}

const DEFAULT_INTERVAL_MS = 2000;
const DEFAULT_CAPACITY = 300;
const ALL = '*';

/** Cumulative counts of one operation as the registry holds them. */
interface Totals {
  requests: number;
  serverErrors: number;
  clientErrors: number;
  /** Cumulative histogram counts by upper bound (seconds; Infinity for `+Inf`). */
  buckets: Map<number, number>;
}

/**
 * A sampler of the process registry for the dashboard: every interval it reads the request
 * counters and the duration histogram (a few label sets: operation x method x status), and keeps
 * what changed since the sample before — requests, 4xx and 5xx, p99 — per operation, in a ring of
 * windows. The request path pays nothing: the registry is read on a timer, never per request.
 */
export function createMetricSeries(options: MetricSeriesOptions): MetricSeries {
  const intervalMs = options.intervalMs ?? DEFAULT_INTERVAL_MS;
  const capacity = options.capacity ?? DEFAULT_CAPACITY;
  const services = new Set(options.services ?? ['s3-api']);
  const ring: SeriesWindow[] = [];
  let previous: Map<string, Totals> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let running = false;
  let sampling: Promise<void> | undefined;

  async function readTotals(): Promise<Map<string, Totals>> {
    const totals = new Map<string, Totals>();
    const totalsOf = (operation: string): Totals => {
      let entry = totals.get(operation);
      if (entry === undefined) {
        entry = { requests: 0, serverErrors: 0, clientErrors: 0, buckets: new Map() };
        totals.set(operation, entry);
      }
      return entry;
    };
    const requests = await options.registry.getSingleMetric('http_requests_total')?.get();
    for (const { labels, value } of requests?.values ?? []) {
      if (!services.has(String(labels.service))) continue;
      const status = Number(labels.status);
      for (const operation of [String(labels.operation), ALL]) {
        const entry = totalsOf(operation);
        entry.requests += value;
        if (status >= 500) entry.serverErrors += value;
        else if (status >= 400) entry.clientErrors += value;
      }
    }
    const durations = await options.registry.getSingleMetric('http_request_duration_seconds')?.get();
    // A histogram's values are its buckets, `_sum` and `_count`, told apart by `metricName`.
    for (const { labels, value, metricName } of (durations?.values ?? []) as (MetricValue<string> & {
      metricName?: string;
    })[]) {
      if (!metricName?.endsWith('_bucket') || !services.has(String(labels.service))) continue;
      const le = labels.le === '+Inf' ? Number.POSITIVE_INFINITY : Number(labels.le);
      for (const operation of [String(labels.operation), ALL]) {
        const { buckets } = totalsOf(operation);
        buckets.set(le, (buckets.get(le) ?? 0) + value);
      }
    }
    return totals;
  }

  async function takeSample(): Promise<void> {
    const t = Math.round(options.clock.now().getTime() / intervalMs) * intervalMs;
    const [totals, queue] = await Promise.all([
      readTotals(),
      options.queueStats?.().catch(() => undefined) ?? Promise.resolve(undefined),
    ]);
    const before = previous;
    previous = totals;
    // The first sample only sets the baseline: what came before it has no window to belong to.
    if (before === undefined) return;
    const operations: Record<string, OperationWindow> = {};
    for (const [operation, now] of totals) {
      const window = difference(now, before.get(operation));
      if (window.requests > 0) operations[operation] = window;
    }
    const last = ring[ring.length - 1];
    // A late timer may land on the boundary already taken: the window goes to the next one.
    const at = last !== undefined && t <= last.t ? last.t + intervalMs : t;
    ring.push({ t: at, operations, ...(queue === undefined ? {} : { queue }) });
    if (ring.length > capacity) ring.splice(0, ring.length - capacity);
  }

  function schedule(): void {
    const now = options.clock.now().getTime();
    timer = setTimeout(tick, intervalMs - (now % intervalMs));
    timer.unref();
  }

  function tick(): void {
    // A sample in flight reschedules itself when it ends.
    if (sampling !== undefined) return;
    sampling = takeSample()
      .catch(() => undefined)
      .finally(() => {
        sampling = undefined;
        if (running) schedule();
      });
  }

  return {
    intervalMs,
    sample: () => sampling ?? takeSample(),
    windows: (sinceMs = Number.NEGATIVE_INFINITY) => ring.filter((window) => window.t > sinceMs),
    start() {
      if (running) return;
      running = true;
      // The baseline now, so that the first window is whole.
      tick();
    },
    stop() {
      running = false;
      clearTimeout(timer);
    },
    get running() {
      return running;
    },
  };
}

/** What changed between two cumulative readings; a counter that went back (a reset) counts from 0. */
function difference(now: Totals, before: Totals | undefined): OperationWindow {
  const delta = (a: number, b: number | undefined) => (b === undefined || a < b ? a : a - b);
  const buckets = [...now.buckets]
    .map(([le, count]): [number, number] => [le, delta(count, before?.buckets.get(le))])
    .sort((a, b) => a[0] - b[0]);
  return {
    requests: delta(now.requests, before?.requests),
    serverErrors: delta(now.serverErrors, before?.serverErrors),
    clientErrors: delta(now.clientErrors, before?.clientErrors),
    p99Ms: quantileMs(buckets, 0.99),
  };
}

/**
 * The q-quantile of cumulative histogram buckets `[upper bound in s, count]` (sorted), in ms:
 * linear within the bucket it falls in; the largest finite bound when it falls in `+Inf`.
 */
export function quantileMs(buckets: readonly (readonly [number, number])[], q: number): number | null {
  const total = buckets[buckets.length - 1]?.[1] ?? 0;
  if (total <= 0) return null;
  const rank = q * total;
  let lower = 0;
  let below = 0;
  for (const [upper, count] of buckets) {
    if (count >= rank) {
      if (upper === Number.POSITIVE_INFINITY) return lower * 1000;
      const within = count - below;
      const fraction = within > 0 ? (rank - below) / within : 1;
      return (lower + (upper - lower) * fraction) * 1000;
    }
    lower = upper;
    below = count;
  }
  return lower * 1000;
}
