import { afterEach, describe, expect, it } from '@jest/globals';
import { SeverityNumber } from '@opentelemetry/api-logs';
import { InMemoryLogRecordExporter } from '@opentelemetry/sdk-logs';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  type SumMetricData,
} from '@opentelemetry/sdk-metrics';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import { createProcessTelemetry } from '../../../../shared/telemetry/process-telemetry.js';
import { type OtlpReceiver, startOtlpReceiver } from '../../../support/telemetry/otlp-receiver.js';

let receiver: OtlpReceiver | undefined;

afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
});

describe('createProcessTelemetry', () => {
  it('emits each log line as an OTLP log record with the active span context, fields as attributes, under the process resource', async () => {
    // Prepare
    const logs = new InMemoryLogRecordExporter();
    const spans = new InMemorySpanExporter();
    const telemetry = createProcessTelemetry({
      service: 'storage-node',
      logLevel: 'info',
      spanExporter: spans,
      logExporter: logs,
      logWrite: () => {},
      resourceAttributes: { 'storage.node.id': 'node-2' },
    });

    // Act
    const span = telemetry.tracing.tracer.startActiveSpan('node.write', (active) => {
      telemetry.logger.warn('fault injected', { ruleId: 'slow-writes', injectPoint: 'node.write' });
      active.end();
      return active;
    });

    // Assess
    const [record] = logs.getFinishedLogRecords();
    expect(record?.body).toBe('fault injected');
    expect(record?.severityNumber).toBe(SeverityNumber.WARN);
    expect(record?.severityText).toBe('WARN');
    expect(record?.attributes).toMatchObject({ rule_id: 'slow-writes', inject_point: 'node.write' });
    expect(record?.attributes.trace_id).toBe(span.spanContext().traceId);
    expect(record?.spanContext?.traceId).toBe(span.spanContext().traceId);
    expect(record?.spanContext?.spanId).toBe(span.spanContext().spanId);
    expect(record?.resource.attributes).toMatchObject({
      [ATTR_SERVICE_NAME]: 'storage-node',
      'storage.node.id': 'node-2',
    });
    expect(spans.getFinishedSpans()[0]?.resource.attributes['storage.node.id']).toBe('node-2');
    await telemetry.shutdown();
  });

  it('serves the runtime default process metrics and exports the registry over OTLP', async () => {
    // Prepare
    const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
    const telemetry = createProcessTelemetry({
      service: 'gateway-front',
      logLevel: 'silent',
      metricExporter: exporter,
    });
    telemetry.metrics.errors.inc({ service: 'gateway-front', operation: 'GetObject', code: 'SlowDown' });

    // Act
    const served = await telemetry.metrics.registry.metrics();
    await telemetry.shutdown();

    // Assess
    expect(served).toContain('process_cpu_user_seconds_total');
    expect(served).toContain('nodejs_eventloop_lag_seconds');
    const exported = exporter.getMetrics().at(-1);
    expect(exported?.resource.attributes[ATTR_SERVICE_NAME]).toBe('gateway-front');
    const metrics = exported?.scopeMetrics.flatMap((scope) => scope.metrics) ?? [];
    const errors = metrics.find((metric) => metric.descriptor.name === 'errors_total') as SumMetricData;
    expect(errors.dataPoints.map((point) => [point.attributes, point.value])).toEqual([
      [{ service: 'gateway-front', operation: 'GetObject', code: 'SlowDown' }, 1],
    ]);
    expect(metrics.map((metric) => metric.descriptor.name)).toContain('process_resident_memory_bytes');
  });

  it('sends traces, logs and metrics to <endpoint>/v1/{traces,logs,metrics} when an endpoint is set', async () => {
    // Prepare
    receiver = await startOtlpReceiver();
    const telemetry = createProcessTelemetry({
      service: 'storage-node',
      logLevel: 'info',
      otlpEndpoint: receiver.endpoint,
      logWrite: () => {},
    });

    // Act
    telemetry.tracing.tracer.startActiveSpan('node.read', (span) => {
      telemetry.logger.info('blob read', { blobId: 'b1' });
      span.end();
    });
    await telemetry.shutdown();
    await telemetry.shutdown();

    // Assess
    const [traces, logs, metrics] = await Promise.all(
      ['/v1/traces', '/v1/logs', '/v1/metrics'].map((path) => receiver!.next(path)),
    );
    expect(JSON.stringify(traces?.body)).toContain('node.read');
    expect(JSON.stringify(logs?.body)).toContain('blob read');
    expect(JSON.stringify(metrics?.body)).toContain('process_cpu_user_seconds_total');
    for (const request of [traces, logs, metrics])
      expect(JSON.stringify(request?.body)).toContain('storage-node');
  });
});
