import { describe, expect, it } from '@jest/globals';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { createTracing, isRecording, tracePort } from '../../../../shared/telemetry/tracing.js';

describe('tracing', () => {
  it('records port calls as spans when an exporter is configured', async () => {
    // Prepare
    const exporter = new InMemorySpanExporter();
    const tracing = createTracing({ exporter });
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
    const tracing = createTracing();
    const port = { get: async (id: string) => `value of ${id}` };

    // Act
    const traced = tracePort(tracing.tracer, 'storage', port);

    // Assess
    expect(isRecording(tracing.tracer)).toBe(false);
    expect(traced).toBe(port);
    await expect(traced.get('b')).resolves.toBe('value of b');
    await tracing.shutdown();
  });
});
