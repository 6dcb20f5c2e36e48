import { describe, expect, it } from '@jest/globals';
import {
  AggregationTemporality,
  DataPointType,
  type HistogramMetricData,
  InMemoryMetricExporter,
  type MetricData,
  type SumMetricData,
} from '@opentelemetry/sdk-metrics';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { startOtlpMetrics } from '../../../../shared/telemetry/otlp-metrics.js';
import { serviceResource } from '../../../../shared/telemetry/resource.js';

/** Exports the registry once and returns what the exporter got, by metric name. */
async function exportOnce(registry: Registry) {
  const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const otlp = startOtlpMetrics({ registry, resource: serviceResource('s3-api'), exporter });
  await otlp.forceFlush();
  const [exported] = exporter.getMetrics();
  await otlp.shutdown();
  const metrics = new Map<string, MetricData>();
  for (const scope of exported?.scopeMetrics ?? [])
    for (const metric of scope.metrics) metrics.set(metric.descriptor.name, metric);
  return { resource: exported?.resource, metrics };
}

describe('startOtlpMetrics', () => {
  it('exports a counter as a monotonic cumulative sum, its labels as attributes, under the service resource', async () => {
    // Prepare
    const registry = new Registry();
    const errors = new Counter({
      name: 'errors_total',
      help: 'errors',
      labelNames: ['service', 'code'],
      registers: [registry],
    });
    errors.inc({ service: 's3-api', code: 'SlowDown' }, 3);
    errors.inc({ service: 's3-api', code: 'InternalError' });

    // Act
    const { resource, metrics } = await exportOnce(registry);

    // Assess
    expect(resource?.attributes[ATTR_SERVICE_NAME]).toBe('s3-api');
    const sum = metrics.get('errors_total') as SumMetricData;
    expect(sum.dataPointType).toBe(DataPointType.SUM);
    expect(sum.isMonotonic).toBe(true);
    expect(sum.aggregationTemporality).toBe(AggregationTemporality.CUMULATIVE);
    expect(sum.dataPoints.map((point) => [point.attributes, point.value])).toEqual([
      [{ service: 's3-api', code: 'SlowDown' }, 3],
      [{ service: 's3-api', code: 'InternalError' }, 1],
    ]);
  });

  it('exports a gauge as a gauge', async () => {
    // Prepare
    const registry = new Registry();
    new Gauge({ name: 'queue_pending', help: 'pending', labelNames: ['queue'], registers: [registry] }).set(
      { queue: 'tasks' },
      7,
    );

    // Act
    const { metrics } = await exportOnce(registry);

    // Assess
    const gauge = metrics.get('queue_pending');
    expect(gauge?.dataPointType).toBe(DataPointType.GAUGE);
    expect(gauge?.dataPoints.map((point) => [point.attributes, point.value])).toEqual([
      [{ queue: 'tasks' }, 7],
    ]);
  });

  it('exports a histogram with its bucket bounds and the count in each bucket, per label set', async () => {
    // Prepare: two of 0.0025 fall in (0.001, 0.005], 0.25 in (0.1, +Inf)
    const registry = new Registry();
    const duration = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'duration',
      labelNames: ['operation'],
      buckets: [0.001, 0.005, 0.1],
      registers: [registry],
    });
    for (const seconds of [0.0025, 0.0025, 0.25]) duration.observe({ operation: 'GetObject' }, seconds);
    duration.observe({ operation: 'PutObject' }, 0.0005);

    // Act
    const { metrics } = await exportOnce(registry);

    // Assess
    const histogram = metrics.get('http_request_duration_seconds') as HistogramMetricData;
    expect(histogram.dataPointType).toBe(DataPointType.HISTOGRAM);
    expect(histogram.dataPoints.map((point) => [point.attributes, point.value])).toEqual([
      [
        { operation: 'GetObject' },
        { buckets: { boundaries: [0.001, 0.005, 0.1], counts: [0, 2, 0, 1] }, sum: 0.255, count: 3 },
      ],
      [
        { operation: 'PutObject' },
        { buckets: { boundaries: [0.001, 0.005, 0.1], counts: [1, 0, 0, 0] }, sum: 0.0005, count: 1 },
      ],
    ]);
  });
});
