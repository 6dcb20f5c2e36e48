import { type LogAttributes, SeverityNumber } from '@opentelemetry/api-logs';
import type { Resource } from '@opentelemetry/resources';
import {
  BatchLogRecordProcessor,
  LoggerProvider,
  type LogRecordExporter,
  SimpleLogRecordProcessor,
} from '@opentelemetry/sdk-logs';
import type { LineLevel, LogLine } from './logger.js';
import { TRACER_NAME } from './tracing.js';

export interface OtlpLogsOptions {
  resource: Resource;
  exporter: LogRecordExporter;
  /** Export each record as it is emitted (tests) instead of in batches. */
  simple?: boolean;
}

export interface OtlpLogs {
  /** Emits one log line as an OTLP log record; the SDK takes the span from the caller's context. */
  forward(line: LogLine): void;
  forceFlush(): Promise<void>;
  /** Exports what is queued and stops; idempotent. */
  shutdown(): Promise<void>;
}

const SEVERITY = {
  debug: SeverityNumber.DEBUG,
  info: SeverityNumber.INFO,
  warn: SeverityNumber.WARN,
  error: SeverityNumber.ERROR,
} as const satisfies Record<LineLevel, SeverityNumber>;

/**
 * The OpenTelemetry log signal for the logger's lines: body = the message, attributes = the
 * line's fields (snake_case, as written), severity from the level, and the active span's context,
 * so the collector's record carries the same trace id as the line on stdout.
 */
export function startOtlpLogs(options: OtlpLogsOptions): OtlpLogs {
  const processor = options.simple
    ? new SimpleLogRecordProcessor({ exporter: options.exporter })
    : new BatchLogRecordProcessor({ exporter: options.exporter });
  const provider = new LoggerProvider({ resource: options.resource, processors: [processor] });
  const otelLogger = provider.getLogger(TRACER_NAME);
  let shutdown: Promise<void> | undefined;
  return {
    forward(line) {
      otelLogger.emit({
        timestamp: line.time,
        severityNumber: SEVERITY[line.level],
        severityText: line.level.toUpperCase(),
        body: line.message,
        // JSON values (the line parsed back) are all valid attribute values.
        attributes: line.fields as LogAttributes,
      });
    },
    forceFlush: () => provider.forceFlush(),
    shutdown() {
      shutdown ??= provider.shutdown();
      return shutdown;
    },
  };
}
