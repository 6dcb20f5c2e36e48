import { type Attributes, type HrTime, ValueType } from '@opentelemetry/api';
import { millisToHrTime } from '@opentelemetry/core';
import type { Resource } from '@opentelemetry/resources';
import {
  AggregationTemporality,
  type CollectionResult,
  type DataPoint,
  DataPointType,
  type Histogram,
  MeterProvider,
  type MetricData,
  type MetricProducer,
  PeriodicExportingMetricReader,
  type PushMetricExporter,
} from '@opentelemetry/sdk-metrics';
import type { MetricObjectWithValues, MetricValue, Registry } from 'prom-client';
import { TRACER_NAME } from './tracing.js';

export interface OtlpMetricsOptions {
  registry: Registry;
  resource: Resource;
  exporter: PushMetricExporter;
  /** Time between two exports (OTEL_METRIC_EXPORT_INTERVAL; the SDK's 60 s when absent). */
  intervalMs?: number;
  clock?: () => Date;
}

export interface OtlpMetrics {
  /** Exports what the registry holds now (tests; shutdown does it too). */
  forceFlush(): Promise<void>;
  /** Exports a last time and stops; idempotent. */
  shutdown(): Promise<void>;
}

/**
 * Exports a prom-client registry over OTLP: the same series `/metrics` serves, read periodically
 * by the SDK's PeriodicExportingMetricReader through a MetricProducer, with the process's
 * resource. Counters become monotonic cumulative sums, gauges gauges, histograms histograms with
 * the registry's bucket bounds; labels become attributes.
 */
export function startOtlpMetrics(options: OtlpMetricsOptions): OtlpMetrics {
  const clock = options.clock ?? (() => new Date());
  const reader = new PeriodicExportingMetricReader({
    exporter: options.exporter,
    ...(options.intervalMs === undefined ? {} : { exportIntervalMillis: options.intervalMs }),
    metricProducers: [registryProducer(options.registry, options.resource, clock)],
  });
  // The reader collects only once bound to a provider, which also lends it the resource.
  const provider = new MeterProvider({ resource: options.resource, readers: [reader] });
  let shutdown: Promise<void> | undefined;
  return {
    forceFlush: () => provider.forceFlush(),
    shutdown() {
      shutdown ??= provider.shutdown();
      return shutdown;
    },
  };
}

/** A MetricProducer over a prom-client registry (one instrumentation scope, `mock-s3`). */
function registryProducer(registry: Registry, resource: Resource, clock: () => Date): MetricProducer {
  const startTime = millisToHrTime(clock().getTime());
  return {
    async collect(): Promise<CollectionResult> {
      const endTime = millisToHrTime(clock().getTime());
      const metrics: MetricData[] = [];
      for (const metric of await registry.getMetricsAsJSON()) {
        const converted = toMetricData(metric, startTime, endTime);
        if (converted !== undefined) metrics.push(converted);
      }
      return {
        // The reader keeps its provider's resource (the same one) and takes the scopes from here.
        resourceMetrics: { resource, scopeMetrics: [{ scope: { name: TRACER_NAME }, metrics }] },
        errors: [],
      };
    },
  };
}

function toMetricData(
  metric: MetricObjectWithValues<MetricValue<string>>,
  startTime: HrTime,
  endTime: HrTime,
) {
  const descriptor = { name: metric.name, description: metric.help, unit: '', valueType: ValueType.DOUBLE };
  const point = (value: MetricValue<string>): DataPoint<number> => ({
    startTime,
    endTime,
    attributes: labelsOf(value.labels),
    value: value.value,
  });
  // prom-client types `type` as a numeric enum, but the values are these strings.
  switch (String(metric.type)) {
    case 'counter':
      return {
        descriptor,
        aggregationTemporality: AggregationTemporality.CUMULATIVE,
        dataPointType: DataPointType.SUM,
        isMonotonic: true,
        dataPoints: metric.values.map(point),
      } satisfies MetricData;
    case 'gauge':
      return {
        descriptor,
        aggregationTemporality: AggregationTemporality.CUMULATIVE,
        dataPointType: DataPointType.GAUGE,
        dataPoints: metric.values.map(point),
      } satisfies MetricData;
    case 'histogram':
      return {
        descriptor,
        aggregationTemporality: AggregationTemporality.CUMULATIVE,
        dataPointType: DataPointType.HISTOGRAM,
        dataPoints: histogramPoints(metric, startTime, endTime),
      } satisfies MetricData;
    default:
      // Summaries (none here) hold quantiles an OTLP histogram cannot carry.
      return undefined;
  }
}

/**
 * prom-client gives a histogram as `_bucket` series with cumulative counts per `le`, plus `_sum`
 * and `_count`, all flat; OTLP wants one point per label set with the count in each bucket.
 */
function histogramPoints(
  metric: MetricObjectWithValues<MetricValue<string>>,
  startTime: HrTime,
  endTime: HrTime,
): DataPoint<Histogram>[] {
  const series = new Map<
    string,
    { attributes: Attributes; bounds: Map<number, number>; sum: number; count: number }
  >();
  for (const value of metric.values) {
    const { le, ...labels } = value.labels as Record<string, string | number | undefined>;
    const attributes = labelsOf(labels);
    const key = JSON.stringify(attributes);
    let entry = series.get(key);
    if (entry === undefined) {
      entry = { attributes, bounds: new Map(), sum: 0, count: 0 };
      series.set(key, entry);
    }
    const name = (value as { metricName?: string }).metricName ?? '';
    if (name.endsWith('_sum')) entry.sum = value.value;
    else if (name.endsWith('_count')) entry.count = value.value;
    else if (le !== undefined && le !== '+Inf') entry.bounds.set(Number(le), value.value);
  }
  return [...series.values()].map(({ attributes, bounds, sum, count }) => {
    const boundaries = [...bounds.keys()].sort((a, b) => a - b);
    const cumulative = boundaries.map((bound) => bounds.get(bound)!);
    // Per-bucket counts from cumulative ones; the last bucket is (last bound, +Inf).
    const counts = [...cumulative, count].map(
      (total, index) => total - (index === 0 ? 0 : cumulative[index - 1]!),
    );
    return { startTime, endTime, attributes, value: { buckets: { boundaries, counts }, sum, count } };
  });
}

function labelsOf(labels: Partial<Record<string, string | number | undefined>>): Attributes {
  const attributes: Attributes = {};
  for (const [name, value] of Object.entries(labels)) if (value !== undefined) attributes[name] = value;
  return attributes;
}
