import { describe, expect, it } from '@jest/globals';
import { parse } from 'yaml';
import { loadCompose, readRepoFile } from './compose-file.js';

interface CollectorConfig {
  receivers: Record<string, { protocols?: { http?: { endpoint: string } } }>;
  processors?: Record<string, unknown>;
  exporters: Record<string, { endpoints?: string[]; logs_index?: string; traces_index?: string }>;
  extensions?: Record<string, unknown>;
  service: {
    extensions?: string[];
    pipelines: Record<string, { receivers: string[]; processors?: string[]; exporters: string[] }>;
  };
}

// The collector runs only under Docker: check its configuration's wiring by reading it.
describe('infrastructure/otel-collector.yaml', () => {
  const config = parse(readRepoFile('infrastructure/otel-collector.yaml')) as CollectorConfig;
  const compose = loadCompose();

  it('is the file the compose collector service mounts as its --config', () => {
    const collector = compose.services['otel-collector'];
    const mount = collector?.volumes?.find((volume) =>
      volume.startsWith('./infrastructure/otel-collector.yaml:'),
    );
    expect(mount).toBeDefined();
    expect(collector?.command).toContain(`--config=${mount?.split(':')[1]}`);
  });

  it('builds its pipelines from defined receivers, processors and exporters only', () => {
    const pipelines = Object.entries(config.service.pipelines);
    expect(pipelines.map(([name]) => name)).toEqual(expect.arrayContaining(['traces', 'logs']));
    for (const [name, pipeline] of pipelines) {
      for (const receiver of pipeline.receivers)
        expect({ name, receiver, ok: receiver in config.receivers }).toEqual({ name, receiver, ok: true });
      for (const processor of pipeline.processors ?? [])
        expect({ name, processor, ok: processor in (config.processors ?? {}) }).toEqual({
          name,
          processor,
          ok: true,
        });
      for (const exporter of pipeline.exporters)
        expect({ name, exporter, ok: exporter in config.exporters }).toEqual({ name, exporter, ok: true });
    }
    for (const extension of config.service.extensions ?? [])
      expect(config.extensions ?? {}).toHaveProperty([extension]);
  });

  it('sends traces and logs to Elasticsearch, a compose service', () => {
    for (const signal of ['traces', 'logs']) {
      expect(config.service.pipelines[signal]?.exporters).toContain('elasticsearch');
    }
    const elasticsearch = config.exporters.elasticsearch;
    for (const endpoint of elasticsearch?.endpoints ?? []) {
      expect(Object.keys(compose.services)).toContain(new URL(endpoint).hostname);
    }
    expect(elasticsearch).toMatchObject({ logs_index: 'mock-s3-logs', traces_index: 'mock-s3-traces' });
  });

  it('receives OTLP/HTTP on the port the services export to', () => {
    const exportTo = new URL(compose.services.front?.environment?.OTEL_EXPORTER_OTLP_ENDPOINT ?? '');
    const listen = config.receivers.otlp?.protocols?.http?.endpoint ?? '';
    expect(exportTo.hostname).toBe('otel-collector');
    expect(listen.split(':').at(-1)).toBe(exportTo.port);
    expect(config.service.pipelines.traces?.receivers).toContain('otlp');
  });
});
