import { afterEach, describe, expect, it } from '@jest/globals';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_NAMESPACE } from '@opentelemetry/semantic-conventions';
import { createTracing, isRecording, tracePort } from '../../../../shared/telemetry/tracing.js';
import { type OtlpReceiver, startOtlpReceiver } from '../../../support/telemetry/otlp-receiver.js';

/** The OTLP/JSON trace export body, as far as these tests read it. */
interface TraceExport {
  resourceSpans: Array<{
    resource: { attributes: Array<{ key: string; value: { stringValue?: string } }> };
    scopeSpans: Array<{ spans: Array<{ name: string; traceId: string }> }>;
  }>;
}

const OTEL_VARIABLES = [
  'OTEL_TRACES_SAMPLER',
  'OTEL_TRACES_SAMPLER_ARG',
  'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT',
  'OTEL_EXPORTER_OTLP_HEADERS',
] as const;
const savedEnvironment = Object.fromEntries(OTEL_VARIABLES.map((name) => [name, process.env[name]]));
let receiver: OtlpReceiver | undefined;

afterEach(async () => {
  // The SDK reads these from the process environment itself: put it back as it was.
  for (const name of OTEL_VARIABLES) {
    if (savedEnvironment[name] === undefined) delete process.env[name];
    else process.env[name] = savedEnvironment[name];
  }
  await receiver?.close();
  receiver = undefined;
});

function serviceOf(exported: TraceExport, index = 0): string | undefined {
  return exported.resourceSpans[index]?.resource.attributes.find((a) => a.key === ATTR_SERVICE_NAME)?.value
    .stringValue;
}

describe('tracing', () => {
  it('records port calls as spans when an exporter is configured', async () => {
    // Prepare
    const exporter = new InMemorySpanExporter();
    const tracing = createTracing({ service: 's3-api', exporter });
    const port = { get: async (id: string) => `value of ${id}` };

    // Act
    const traced = tracePort(tracing.tracer, 'storage', port);
    const value = await traced.get('a');

    // Assess
    expect(isRecording(tracing.tracer)).toBe(true);
    expect(traced).not.toBe(port);
    expect(value).toBe('value of a');
    expect(exporter.getFinishedSpans().map((span) => span.name)).toEqual(['storage.get']);
    await tracing.shutdown();
  });

  it('leaves ports unwrapped when no exporter would ever read a span', async () => {
    // Prepare
    const tracing = createTracing({ service: 's3-api' });
    const port = { get: async (id: string) => `value of ${id}` };

    // Act
    const traced = tracePort(tracing.tracer, 'storage', port);

    // Assess
    expect(isRecording(tracing.tracer)).toBe(false);
    expect(isRecording(tracing.tracerFor('admin'))).toBe(false);
    expect(traced).toBe(port);
    await expect(traced.get('b')).resolves.toBe('value of b');
    await tracing.shutdown();
  });

  it('gives each service its own tracer, whose spans carry that service in their resource', async () => {
    // Prepare
    const exporter = new InMemorySpanExporter();
    const tracing = createTracing({ service: 's3-api', exporter });

    // Act
    const admin = tracing.tracerFor('admin');
    tracing.tracer.startSpan('GET /{bucket}/{key+}').end();
    admin.startSpan('GET /api/v1/injection/rules').end();

    // Assess
    expect(tracing.tracerFor('admin')).toBe(admin);
    expect(tracing.tracerFor('s3-api')).toBe(tracing.tracer);
    expect(isRecording(admin)).toBe(true);
    expect(
      exporter.getFinishedSpans().map((span) => [span.name, span.resource.attributes[ATTR_SERVICE_NAME]]),
    ).toEqual([
      ['GET /{bucket}/{key+}', 's3-api'],
      ['GET /api/v1/injection/rules', 'admin'],
    ]);
    expect(exporter.getFinishedSpans()[1]?.resource.attributes[ATTR_SERVICE_NAMESPACE]).toBe('mock-s3');
    await tracing.shutdown();
  });

  it('samples as OTEL_TRACES_SAMPLER says', async () => {
    // Prepare
    process.env.OTEL_TRACES_SAMPLER = 'always_off';
    const exporter = new InMemorySpanExporter();
    const tracing = createTracing({ service: 's3-api', exporter });

    // Act
    const span = tracing.tracerFor('admin').startSpan('GET /health');
    span.end();

    // Assess
    expect(span.isRecording()).toBe(false);
    expect(exporter.getFinishedSpans()).toEqual([]);
    await tracing.shutdown();
  });

  it('exports spans over OTLP/HTTP to <endpoint>/v1/traces, one resource per service', async () => {
    // Prepare
    receiver = await startOtlpReceiver();
    process.env.OTEL_EXPORTER_OTLP_HEADERS = 'x-drill=d42';
    const tracing = createTracing({ service: 'gateway-front', otlpEndpoint: receiver.endpoint });

    // Act
    tracing.tracer.startSpan('PUT /{bucket}/{key+}').end();
    await tracing.shutdown();

    // Assess
    const request = await receiver.next('/v1/traces');
    const exported = request.body as TraceExport;
    expect(serviceOf(exported)).toBe('gateway-front');
    expect(exported.resourceSpans[0]?.scopeSpans[0]?.spans.map((span) => span.name)).toEqual([
      'PUT /{bucket}/{key+}',
    ]);
    // Headers come from the SDK's own reading of the environment, url or not.
    expect(request.headers['x-drill']).toBe('d42');
  });

  it('lets the SDK read OTEL_EXPORTER_OTLP_TRACES_ENDPOINT when the config says the environment names it', async () => {
    // Prepare: the common endpoint points nowhere useful; the traces one at the receiver
    receiver = await startOtlpReceiver();
    process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT = `${receiver.endpoint}/custom/traces`;
    const tracing = createTracing({
      service: 'storage-node',
      otlpEndpoint: 'http://127.0.0.1:9',
      otlpExport: { traces: 'signal-endpoint' },
    });

    // Act
    tracing.tracer.startSpan('node.write').end();
    await tracing.shutdown();

    // Assess
    expect(serviceOf((await receiver.next('/custom/traces')).body as TraceExport)).toBe('storage-node');
  });

  it('exports nothing when the config turns traces off, even with an endpoint', async () => {
    // Prepare
    const tracing = createTracing({
      service: 's3-api',
      otlpEndpoint: 'http://127.0.0.1:9',
      otlpExport: { traces: 'off' },
    });

    // Assess
    expect(isRecording(tracing.tracer)).toBe(false);
    await tracing.shutdown();
  });
});
