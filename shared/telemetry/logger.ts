import { context, isSpanContextValid, TraceFlags, trace } from '@opentelemetry/api';
import type { LogLevel } from '../config/env.js';
import { snakeCase } from './snake-case.js';

/** Structured JSON logs, one object per line, on stdout. */
export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  /** A logger that adds these fields to every line. */
  child(fields: LogFields): Logger;
}

export type LogFields = Record<string, unknown>;

/** A level that writes lines (every one but `silent`). */
export type LineLevel = Exclude<LogLevel, 'silent'>;

/** One line as a record, for a second destination (OTLP logs): what was written, parsed. */
export interface LogLine {
  level: LineLevel;
  message: string;
  time: Date;
  /** The line's other fields (snake_case keys, JSON values: errors rendered as on the line). */
  fields: Record<string, unknown>;
}

const RANK = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 } as const satisfies Record<
  LogLevel,
  number
>;

export interface LoggerOptions {
  level: LogLevel;
  /** Where lines go; stdout by default. */
  write?: (line: string) => void;
  clock?: () => Date;
  /**
   * Also hands every written line to this (OTLP logs, `otlp-logs.ts`), called in the caller's
   * context so the record can take the active span from it.
   */
  forward?: (line: LogLine) => void;
}

/**
 * A logger writing one JSON object per line. Field names are snake_case whatever the call site
 * wrote (`requestId` becomes `request_id`; nested objects are left as they are), and a line
 * written inside a sampled span carries its `trace_id` and `span_id`, so a log search and a trace
 * find each other.
 */
export function createLogger(options: LoggerOptions, bound: LogFields = {}): Logger {
  const threshold = RANK[options.level];
  const write = options.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  const clock = options.clock ?? (() => new Date());
  const boundFields = snakeCaseKeys(bound);
  const emit = (level: LineLevel, message: string, fields?: LogFields) => {
    if (RANK[level] < threshold) return;
    const time = clock();
    const line = JSON.stringify(
      {
        time: time.toISOString(),
        level,
        message,
        ...traceIds(),
        ...boundFields,
        ...(fields === undefined ? {} : snakeCaseKeys(fields)),
      },
      errorReplacer,
    );
    write(line);
    if (options.forward) {
      const { time: _time, level: _level, message: _message, ...rest } = JSON.parse(line) as LogFields;
      options.forward({ level, message, time, fields: rest });
    }
  };
  return {
    debug: (message, fields) => emit('debug', message, fields),
    info: (message, fields) => emit('info', message, fields),
    warn: (message, fields) => emit('warn', message, fields),
    error: (message, fields) => emit('error', message, fields),
    child: (fields) => createLogger(options, { ...bound, ...fields }),
  };
}

/** A logger that drops everything (tests that do not look at logs). */
export const silentLogger: Logger = createLogger({ level: 'silent' });

/** `trace_id` and `span_id` of the active span, when there is one that is sampled. */
function traceIds(): { trace_id?: string; span_id?: string } {
  const span = trace.getSpan(context.active());
  if (span === undefined) return {};
  const spanContext = span.spanContext();
  // An unsampled span is exported nowhere: its ids would lead a reader to no trace.
  if (!isSpanContextValid(spanContext) || (spanContext.traceFlags & TraceFlags.SAMPLED) === 0) return {};
  return { trace_id: spanContext.traceId, span_id: spanContext.spanId };
}

function snakeCaseKeys(fields: LogFields): LogFields {
  const converted: LogFields = {};
  for (const key of Object.keys(fields)) converted[snakeCase(key)] = fields[key];
  return converted;
}

/** Errors as {name, message, cause, errors}: the chain down to the failure that started it. */
function errorReplacer(_key: string, value: unknown): unknown {
  if (value instanceof Error) {
    return {
      name: value.name,
      message: value.message,
      // An Error cause nests (this replacer renders it too); anything else as text, since an
      // arbitrary object may not survive JSON.stringify (cycles).
      ...(value.cause === undefined
        ? {}
        : { cause: value.cause instanceof Error ? value.cause : String(value.cause) }),
      ...(value instanceof AggregateError ? { errors: value.errors } : {}),
    };
  }
  return value;
}
