import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import { isRecording } from '../../../../shared/telemetry/tracing.js';
import { createUnitRuntime, type UnitRuntime } from '../../../support/unit-runtime.js';

// One runtime for the file: PGlite takes seconds to start, and these tests only read.
let unit: UnitRuntime;

beforeAll(async () => {
  unit = await createUnitRuntime();
});

afterAll(async () => {
  await unit.runtime.close();
});

describe('createRuntime telemetry', () => {
  it('gives each hosted service a tracer of its own, so one process reports as several services', async () => {
    // Prepare
    const { runtime, spans } = unit;

    // Act
    runtime.tracerFor('admin').startSpan('GET /api/v1/injection/rules').end();
    runtime.tracerFor('s3-api').startSpan('GET /{bucket}/{key+}').end();

    // Assess
    expect(isRecording(runtime.tracerFor('injection'))).toBe(true);
    expect(runtime.tracerFor('admin')).not.toBe(runtime.tracerFor('s3-api'));
    expect(
      spans.getFinishedSpans().map((span) => [span.name, span.resource.attributes[ATTR_SERVICE_NAME]]),
    ).toEqual([
      ['GET /api/v1/injection/rules', 'admin'],
      ['GET /{bucket}/{key+}', 's3-api'],
    ]);
  });

  it('reports each port call under the component it reaches: storage, metadata, async', async () => {
    // Prepare
    const { runtime, spans } = unit;
    spans.reset();

    // Act
    await runtime.services.metadata.listBuckets();
    await runtime.services.blobs.nodes();
    await runtime.services.queue.stats();

    // Assess
    expect(
      spans.getFinishedSpans().map((span) => [span.name, span.resource.attributes[ATTR_SERVICE_NAME]]),
    ).toEqual([
      ['metadata.listBuckets', 'metadata'],
      // The storage service asks each node (node port spans, children of storage.nodes, end first).
      ['node.health', 'storage'],
      ['node.health', 'storage'],
      ['node.health', 'storage'],
      ['storage.nodes', 'storage'],
      ['queue.stats', 'async'],
    ]);
  });

  it('serves the process metrics on its registry beside the request metrics', async () => {
    // Act
    const served = await unit.runtime.metrics.registry.metrics();

    // Assess
    expect(served).toContain('process_resident_memory_bytes');
    expect(served).toContain('http_requests_total');
  });
});
