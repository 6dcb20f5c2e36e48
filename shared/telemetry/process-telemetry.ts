import type { Attributes } from '@opentelemetry/api';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import type { LogRecordExporter } from '@opentelemetry/sdk-logs';
import type { PushMetricExporter } from '@opentelemetry/sdk-metrics';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { LogLevel, OtlpExport } from '../config/env.js';
import { createLogger, type Logger } from './logger.js';
import { createMetrics, type Metrics } from './metrics.js';
import { otlpExporterUrl } from './otlp-exporter-url.js';
import { type OtlpLogs, startOtlpLogs } from './otlp-logs.js';
import { type OtlpMetrics, startOtlpMetrics } from './otlp-metrics.js';
import { serviceResource } from './resource.js';
import type { ServiceName } from './service-names.js';
import { createTracing, type Tracing } from './tracing.js';

export interface ProcessTelemetryOptions {
  /** The process's main service: its tracer is `tracing.tracer`, its resource the logs' and metrics'. */
  service: ServiceName;
  logLevel: LogLevel;
  /** OTLP/HTTP endpoint the host names itself (`config.otlpEndpoint`): every signal goes there. */
  otlpEndpoint?: string;
  /**
   * Per signal, where it goes (`config.otlpExport`): `off` turns it off even with an endpoint,
   * `signal-endpoint` lets the SDK read the signal's own endpoint from the environment.
   */
  otlpExport?: Partial<OtlpExport>;
  /** Time between two OTLP metric exports (`config.otlpMetricExportIntervalMs`). */
  metricExportIntervalMs?: number;
  /** An exporter of one's own for spans (tests use InMemorySpanExporter). */
  spanExporter?: SpanExporter;
  /** An exporter of one's own for log records, fed each as it is written (tests). */
  logExporter?: LogRecordExporter;
  /** An exporter of one's own for metrics (tests; `forceFlush` on shutdown exports once). */
  metricExporter?: PushMetricExporter;
  /** Where log lines go (stdout by default). */
  logWrite?: (line: string) => void;
  /** A logger to use as it is (tests): its lines are not exported over OTLP. */
  logger?: Logger;
  /** Resource attributes of this process beside the service's (a worker's `storage.node.id`). */
  resourceAttributes?: Attributes;
}

/** Everything a process reports about itself. */
export interface ProcessTelemetry {
  tracing: Tracing;
  logger: Logger;
  /** With the runtime's default process metrics; served at /metrics, exported when configured. */
  metrics: Metrics;
  /** Flushes and stops every exporter (spans, logs, metrics); idempotent. */
  shutdown(): Promise<void>;
}

/**
 * The one call every process makes (the runtime of embedded mode and of each serverless-offline
 * instance, the socket-fault front, each storage-node worker): a tracer per hosted service, a
 * logger whose lines also go out as OTLP log records, and a metrics registry with the process
 * metrics, exported over OTLP too when an endpoint is configured.
 */
export function createProcessTelemetry(options: ProcessTelemetryOptions): ProcessTelemetry {
  const { service, otlpEndpoint, otlpExport = {} } = options;
  const tracing = createTracing({
    service,
    ...(otlpEndpoint === undefined ? {} : { otlpEndpoint }),
    ...(otlpExport.traces === undefined ? {} : { otlpExport: { traces: otlpExport.traces } }),
    ...(options.spanExporter ? { exporter: options.spanExporter } : {}),
    ...(options.resourceAttributes ? { resourceAttributes: options.resourceAttributes } : {}),
  });
  const resource = serviceResource(service, options.resourceAttributes);

  // A logger given as it is (tests) has its own destination: no log exporter is made for it.
  const logsUrl =
    options.logger === undefined ? otlpExporterUrl('logs', otlpEndpoint, otlpExport.logs) : false;
  const logExporter =
    options.logExporter ??
    (logsUrl === false ? undefined : new OTLPLogExporter(logsUrl === undefined ? {} : { url: logsUrl }));
  const otlpLogs: OtlpLogs | undefined =
    options.logger === undefined && logExporter !== undefined
      ? startOtlpLogs({ resource, exporter: logExporter, simple: options.logExporter !== undefined })
      : undefined;
  const logger =
    options.logger ??
    createLogger({
      level: options.logLevel,
      ...(options.logWrite ? { write: options.logWrite } : {}),
      ...(otlpLogs ? { forward: otlpLogs.forward } : {}),
    });

  const metrics = createMetrics({ processMetrics: true });
  const metricsUrl = otlpExporterUrl('metrics', otlpEndpoint, otlpExport.metrics);
  const metricExporter =
    options.metricExporter ??
    (metricsUrl === false
      ? undefined
      : new OTLPMetricExporter(metricsUrl === undefined ? {} : { url: metricsUrl }));
  const otlpMetrics: OtlpMetrics | undefined =
    metricExporter === undefined
      ? undefined
      : startOtlpMetrics({
          registry: metrics.registry,
          resource,
          exporter: metricExporter,
          ...(options.metricExportIntervalMs === undefined
            ? {}
            : { intervalMs: options.metricExportIntervalMs }),
        });

  let shutdown: Promise<void> | undefined;
  return {
    tracing,
    logger,
    metrics,
    shutdown() {
      // One exporter failing to flush (its endpoint gone) must not keep the others from flushing.
      shutdown ??= Promise.allSettled([
        otlpMetrics?.shutdown(),
        otlpLogs?.shutdown(),
        tracing.shutdown(),
      ]).then(() => undefined);
      return shutdown;
    },
  };
}
