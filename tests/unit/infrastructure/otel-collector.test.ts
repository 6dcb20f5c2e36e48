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

// The loopback collector of `npm run telemetry` (scripts/telemetry.sh), and what it is built from. The
// built binary's own `validate` runs in tests/telemetry (it needs the Go build); these checks do not.
describe('infrastructure/telemetry (npm run telemetry)', () => {
  const local = parse(readRepoFile('infrastructure/telemetry/otelcol-local.yaml')) as CollectorConfig & {
    exporters: Record<string, { path?: string; endpoint?: string }>;
  };
  const compose = parse(readRepoFile('infrastructure/otel-collector.yaml')) as CollectorConfig;
  const jaeger = parse(readRepoFile('infrastructure/telemetry/jaeger.yaml')) as {
    extensions: { jaeger_query: { enable_tracing: boolean; http: { endpoint: string } } };
    receivers: { otlp: { protocols: Record<string, { endpoint: string }> } };
  };
  const manifest = parse(readRepoFile('infrastructure/telemetry/otelcol-builder.yaml')) as Record<
    'receivers' | 'processors' | 'exporters' | 'extensions',
    { gomod: string }[]
  >;

  /** The component types a manifest section builds: `.../otlpreceiver v0.148.0` -> `otlp`. */
  function built(kind: 'receivers' | 'processors' | 'exporters' | 'extensions'): string[] {
    const suffix = kind.slice(0, -1);
    return manifest[kind].map((entry) =>
      (entry.gomod.split(' ')[0]?.split('/').at(-1) ?? '').replace(suffix, ''),
    );
  }

  it.each([
    ['the compose collector', compose],
    ['the loopback collector', local],
  ])('builds every component type %s uses', (_name, config) => {
    for (const kind of ['receivers', 'processors', 'exporters', 'extensions'] as const) {
      // `memory_limiter` is the module `memorylimiterprocessor`; `otlp/jaeger` is an `otlp`.
      const used = Object.keys(config[kind] ?? {}).map((id) => (id.split('/')[0] ?? '').replaceAll('_', ''));
      expect({ kind, missing: used.filter((type) => !built(kind).includes(type)) }).toEqual({
        kind,
        missing: [],
      });
    }
  });

  it('wires every pipeline to defined components and sends traces, logs and metrics to files', () => {
    for (const [name, pipeline] of Object.entries(local.service.pipelines)) {
      for (const [kind, ids] of [
        ['receivers', pipeline.receivers],
        ['processors', pipeline.processors ?? []],
        ['exporters', pipeline.exporters],
      ] as const) {
        const defined = Object.keys(local[kind] ?? {});
        expect({ name, kind, undefined: ids.filter((id) => !defined.includes(id)) }).toEqual({
          name,
          kind,
          undefined: [],
        });
      }
      expect(pipeline.processors).toEqual(['memory_limiter', 'batch']);
    }
    for (const signal of ['traces', 'logs', 'metrics']) {
      const file = local.service.pipelines[signal]?.exporters.find((id) => id.startsWith('file/')) ?? '';
      expect(local.exporters[file]?.path).toBe(
        `\${env:TELEMETRY_RUN_DIR:-./.telemetry}/collector/${signal}.jsonl`,
      );
    }
  });

  it("exports traces to Jaeger's OTLP gRPC receiver", () => {
    const exporter = local.service.pipelines.traces?.exporters.find((id) => id.startsWith('otlp/')) ?? '';
    expect(local.exporters[exporter]?.endpoint).toBe(jaeger.receivers.otlp.protocols.grpc?.endpoint);
  });

  it('listens on loopback only, and Jaeger does not trace its own queries', () => {
    const listeners = [
      ...Object.values(local.receivers.otlp?.protocols ?? {}).map((protocol) => protocol?.endpoint),
      ...Object.values(jaeger.receivers.otlp.protocols).map((protocol) => protocol.endpoint),
      jaeger.extensions.jaeger_query.http.endpoint,
    ];
    for (const endpoint of listeners) expect(endpoint).toMatch(/^127\.0\.0\.1:/);
    expect(jaeger.extensions.jaeger_query.enable_tracing).toBe(false);
  });
});
