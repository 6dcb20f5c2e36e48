import type { OtlpSignalExport } from '../config/env.js';

/** An OpenTelemetry signal as named in OTLP paths (`/v1/traces`, ...). */
export type OtlpSignal = 'traces' | 'metrics' | 'logs';

/**
 * Where an OTLP/HTTP exporter of `signal` sends: `false` when it is not exported; `undefined`
 * when the environment names the signal's own endpoint (`signal-endpoint`: build the exporter
 * without a url, so the SDK reads `OTEL_EXPORTER_OTLP_<SIGNAL>_ENDPOINT` itself); otherwise
 * `<endpoint>/v1/<signal>`, as the SDK derives it from `OTEL_EXPORTER_OTLP_ENDPOINT`. With no
 * `mode` (a host or test naming an endpoint itself), the signal goes to `endpoint` when set.
 */
export function otlpExporterUrl(
  signal: OtlpSignal,
  endpoint: string | undefined,
  mode: OtlpSignalExport | undefined,
): string | undefined | false {
  if (mode === 'off') return false;
  if (mode === 'signal-endpoint') return undefined;
  if (endpoint === undefined) return false;
  return `${endpoint.replace(/\/+$/, '')}/v1/${signal}`;
}
