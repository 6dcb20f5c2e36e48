import type { LogLevel } from '../config/env.js';

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

const RANK = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 } as const satisfies Record<
  LogLevel,
  number
>;

export interface LoggerOptions {
  level: LogLevel;
  /** Where lines go; stdout by default. */
  write?: (line: string) => void;
  clock?: () => Date;
}

export function createLogger(options: LoggerOptions, bound: LogFields = {}): Logger {
  const threshold = RANK[options.level];
  const write = options.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  const clock = options.clock ?? (() => new Date());
  const emit = (level: Exclude<LogLevel, 'silent'>, message: string, fields?: LogFields) => {
    if (RANK[level] < threshold) return;
    write(
      JSON.stringify({ time: clock().toISOString(), level, message, ...bound, ...fields }, errorReplacer),
    );
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
