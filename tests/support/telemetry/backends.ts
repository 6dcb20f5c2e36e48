import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * The telemetry backends of the test stack (scripts/telemetry.sh with the TELEMETRY_* settings of
 * scripts/test-stack.env; scripts/test.sh exports `scripts/telemetry.sh env` for tests/telemetry).
 */
export interface TelemetryEnv {
  /** Jaeger's query API and UI, e.g. http://127.0.0.1:26686. */
  readonly jaegerUrl: string;
  /** Prometheus, e.g. http://127.0.0.1:19090. */
  readonly prometheusUrl: string;
  /** The collector's file exports: `collector/{traces,logs,metrics}.jsonl` under it. */
  readonly runDir: string;
}

function required(name: string): string {
  const value = process.env[name];
  if (!value) {
    throw new Error(`${name} is not set: run tests/telemetry through scripts/test.sh (see jest.config.js)`);
  }
  return value;
}

/** The backends as the environment names them; a missing variable fails the file with its name. */
export function telemetryEnv(): TelemetryEnv {
  return {
    jaegerUrl: required('JAEGER_QUERY_URL'),
    prometheusUrl: required('PROMETHEUS_URL'),
    runDir: required('TELEMETRY_RUN_DIR'),
  };
}

/** An OTLP attribute as the JSON encoding carries it. */
export interface OtlpAttribute {
  key: string;
  value: { stringValue?: string; intValue?: string | number; boolValue?: boolean; doubleValue?: number };
}

export interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind?: number | string;
  attributes?: OtlpAttribute[];
  events?: { name: string; attributes?: OtlpAttribute[] }[];
  status?: { code?: number | string; message?: string };
}

/** One span with the `service.name` of its resource. */
export interface ServiceSpan extends OtlpSpan {
  service: string;
}

/** The value of attribute `key` as a string (numbers and booleans as their text). */
export function attribute(attributes: OtlpAttribute[] | undefined, key: string): string | undefined {
  const value = attributes?.find((candidate) => candidate.key === key)?.value;
  if (value === undefined) return undefined;
  const scalar = value.stringValue ?? value.intValue ?? value.boolValue ?? value.doubleValue;
  return scalar === undefined ? undefined : String(scalar);
}

interface OtlpTraces {
  resourceSpans?: {
    resource?: { attributes?: OtlpAttribute[] };
    scopeSpans?: { spans?: OtlpSpan[] }[];
  }[];
}

function spansOf(traces: OtlpTraces): ServiceSpan[] {
  return (traces.resourceSpans ?? []).flatMap((resourceSpans) => {
    const service = attribute(resourceSpans.resource?.attributes, 'service.name') ?? '';
    return (resourceSpans.scopeSpans ?? []).flatMap((scope) =>
      (scope.spans ?? []).map((span) => ({ ...span, service })),
    );
  });
}

/**
 * The spans Jaeger holds for `traceId` (its OTLP-shaped API v3, `GET /api/v3/traces/{id}`); empty
 * while it has none. Trace ids are compared lower-case hex, as W3C writes them.
 */
export async function jaegerTrace(env: TelemetryEnv, traceId: string): Promise<ServiceSpan[]> {
  // An empty id would ask for the UI's page, not the API.
  if (!/^[0-9a-f]{32}$/.test(traceId)) throw new Error(`not a W3C trace id: '${traceId}'`);
  const response = await fetch(`${env.jaegerUrl}/api/v3/traces/${traceId}`, {
    signal: AbortSignal.timeout(5_000),
  });
  if (response.status === 404) return [];
  if (!response.ok) throw new Error(`Jaeger answered ${response.status}: ${await response.text()}`);
  const body = (await response.json()) as { result?: OtlpTraces };
  return spansOf(body.result ?? {}).map((span) => ({ ...span, traceId: span.traceId.toLowerCase() }));
}

/** One sample of a PromQL instant query: its labels and value. */
export interface PromSample {
  metric: Record<string, string>;
  value: number;
}

/** A PromQL instant query (`/api/v1/query`); throws on an error answer (a bad query fails loudly). */
export async function promQuery(env: TelemetryEnv, query: string): Promise<PromSample[]> {
  const response = await fetch(`${env.prometheusUrl}/api/v1/query?${new URLSearchParams({ query })}`, {
    signal: AbortSignal.timeout(5_000),
  });
  const body = (await response.json()) as {
    status: string;
    error?: string;
    data?: { result: { metric: Record<string, string>; value: [number, string] }[] };
  };
  if (body.status !== 'success') throw new Error(`PromQL ${query}: ${body.error ?? response.status}`);
  return (body.data?.result ?? []).map((sample) => ({
    metric: sample.metric,
    value: Number(sample.value[1]),
  }));
}

/** One log record of the collector's file export, with the `service.name` of its resource. */
export interface ExportedLogRecord {
  service: string;
  traceId?: string;
  spanId?: string;
  severityText?: string;
  body?: { stringValue?: string };
  attributes?: OtlpAttribute[];
}

/** Lines of one JSONL file of the collector's file exporter; none while it does not exist. */
async function exportedLines(env: TelemetryEnv, file: string): Promise<unknown[]> {
  let text: string;
  try {
    text = await readFile(join(env.runDir, 'collector', file), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  // The last line may be half-written while the collector flushes: only whole lines count.
  return text
    .split('\n')
    .slice(0, -1)
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as unknown);
}

/** Every log record the collector wrote to `collector/logs.jsonl` (OTLP JSON, one batch a line). */
export async function exportedLogRecords(env: TelemetryEnv): Promise<ExportedLogRecord[]> {
  const batches = (await exportedLines(env, 'logs.jsonl')) as {
    resourceLogs?: {
      resource?: { attributes?: OtlpAttribute[] };
      scopeLogs?: { logRecords?: Omit<ExportedLogRecord, 'service'>[] }[];
    }[];
  }[];
  return batches.flatMap((batch) =>
    (batch.resourceLogs ?? []).flatMap((resourceLogs) => {
      const service = attribute(resourceLogs.resource?.attributes, 'service.name') ?? '';
      return (resourceLogs.scopeLogs ?? []).flatMap((scope) =>
        (scope.logRecords ?? []).map((record) => ({
          ...record,
          service,
          traceId: record.traceId?.toLowerCase(),
        })),
      );
    }),
  );
}

/** Every span the collector wrote to `collector/traces.jsonl`. */
export async function exportedSpans(env: TelemetryEnv): Promise<ServiceSpan[]> {
  const batches = (await exportedLines(env, 'traces.jsonl')) as OtlpTraces[];
  return batches.flatMap(spansOf).map((span) => ({ ...span, traceId: span.traceId.toLowerCase() }));
}

/** The `service.name`s of the resources in the collector's `collector/metrics.jsonl`, sorted. */
export async function exportedMetricServices(env: TelemetryEnv): Promise<string[]> {
  const batches = (await exportedLines(env, 'metrics.jsonl')) as {
    resourceMetrics?: { resource?: { attributes?: OtlpAttribute[] } }[];
  }[];
  const services = batches.flatMap((batch) =>
    (batch.resourceMetrics ?? []).map(
      (resourceMetrics) => attribute(resourceMetrics.resource?.attributes, 'service.name') ?? '',
    ),
  );
  return [...new Set(services)].sort();
}
