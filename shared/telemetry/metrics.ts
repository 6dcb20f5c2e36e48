import { Counter, collectDefaultMetrics, Gauge, Histogram, type Metric, Registry } from 'prom-client';

/** The Prometheus metrics of one process, served on the control plane at /metrics. */
export interface Metrics {
  registry: Registry;
  httpRequests: Counter<'service' | 'operation' | 'method' | 'status'>;
  httpRequestDuration: Histogram<'service' | 'operation' | 'method' | 'status'>;
  /** Requests being handled now (incremented when the handler receives the event). */
  httpInflight: Gauge<'service'>;
  /** Requests answered with an error: S3 error code (or `InternalError`), injected or real. */
  errors: Counter<'service' | 'operation' | 'code'>;
}

export interface MetricsOptions {
  /**
   * Serve the runtime's default process metrics too (`process_cpu_seconds_total`,
   * `nodejs_heap_size_used_bytes`, `nodejs_eventloop_lag_seconds`, GC, ...): the process's
   * telemetry does; a second registry in the same process (a rule follower) does not need them.
   */
  processMetrics?: boolean;
}

/** The metrics of one process (or of one part of it), on a registry of their own. */
export function createMetrics(options: MetricsOptions = {}): Metrics {
  const registry = new Registry();
  if (options.processMetrics) {
    // getMetricsAsArray gives the metric objects themselves (typed as their plain descriptions).
    for (const metric of processMetrics().getMetricsAsArray())
      registry.registerMetric(metric as unknown as Metric);
  }
  const labelNames = ['service', 'operation', 'method', 'status'] as const;
  return {
    registry,
    httpRequests: new Counter({
      name: 'http_requests_total',
      help: 'HTTP requests handled, by service, S3 operation, method and status',
      labelNames,
      registers: [registry],
    }),
    httpRequestDuration: new Histogram({
      name: 'http_request_duration_seconds',
      help: 'Time to handle an HTTP request, from the handler receiving the event to its response',
      labelNames,
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    httpInflight: new Gauge({
      name: 'http_inflight_requests',
      help: 'HTTP requests being handled now, by service',
      labelNames: ['service'],
      registers: [registry],
    }),
    errors: new Counter({
      name: 'errors_total',
      help: 'Requests answered with an error, by service, S3 operation and error code',
      labelNames: ['service', 'operation', 'code'],
      registers: [registry],
    }),
  };
}

let processRegistry: Registry | undefined;

/**
 * The default metrics, collected once per process and registered into every registry that asks:
 * each `collectDefaultMetrics` call starts its own event-loop monitor and GC observer for the
 * life of the process, and a test file builds many runtimes in one process.
 */
function processMetrics(): Registry {
  if (processRegistry === undefined) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}
