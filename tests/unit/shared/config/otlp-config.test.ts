import { describe, expect, it } from '@jest/globals';
import { ConfigError, loadConfig } from '../../../../shared/config/env.js';

const ENDPOINT = 'http://127.0.0.1:4318';

describe('OTLP export (the standard OTEL_* variables)', () => {
  it('exports nothing by default', () => {
    // Act
    const config = loadConfig({});

    // Assess
    expect(config.otlpExport).toEqual({ traces: 'off', metrics: 'off', logs: 'off' });
    expect(config.otlpMetricExportIntervalMs).toBe(60_000);
  });

  it('sends every signal to OTEL_EXPORTER_OTLP_ENDPOINT, and one to its own endpoint when that is named', () => {
    // Act
    const config = loadConfig({
      OTEL_EXPORTER_OTLP_ENDPOINT: ENDPOINT,
      OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: 'http://127.0.0.1:4319/v1/logs',
    });

    // Assess
    expect(config.otlpEndpoint).toBe(ENDPOINT);
    expect(config.otlpExport).toEqual({ traces: 'endpoint', metrics: 'endpoint', logs: 'signal-endpoint' });
  });

  it('turns a signal off with OTEL_<SIGNAL>_EXPORTER=none, and all with OTEL_SDK_DISABLED=true', () => {
    // Act
    const noMetrics = loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: ENDPOINT, OTEL_METRICS_EXPORTER: 'none' });
    const disabled = loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: ENDPOINT, OTEL_SDK_DISABLED: 'TRUE' });
    const notDisabled = loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: ENDPOINT, OTEL_SDK_DISABLED: 'yes' });

    // Assess
    expect(noMetrics.otlpExport).toEqual({ traces: 'endpoint', metrics: 'off', logs: 'endpoint' });
    expect(disabled.otlpExport).toEqual({ traces: 'off', metrics: 'off', logs: 'off' });
    // The specification: only `true` disables the SDK; anything else is ignored.
    expect(notDisabled.otlpExport.traces).toBe('endpoint');
  });

  it('takes the metric export interval from OTEL_METRIC_EXPORT_INTERVAL and rejects a bad one', () => {
    // Act
    const config = loadConfig({ OTEL_METRIC_EXPORT_INTERVAL: '5000' });
    const load = () => loadConfig({ OTEL_METRIC_EXPORT_INTERVAL: 'soon' });

    // Assess
    expect(config.otlpMetricExportIntervalMs).toBe(5_000);
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(/OTEL_METRIC_EXPORT_INTERVAL/);
  });
});
