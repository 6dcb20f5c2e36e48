import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { ATTR_HTTP_RESPONSE_STATUS_CODE, ATTR_HTTP_ROUTE } from '@opentelemetry/semantic-conventions';
import { loadConfig } from '../../../../shared/config/env.js';
import type { FaultEngine } from '../../../../shared/faults/engine.js';
import { createProcessFaultEngine } from '../../../../shared/injection/create-fault-engine.js';
import { withNodeFaults } from '../../../../shared/injection/storage-node-faults.js';
import { systemClock } from '../../../../shared/runtime/clock.js';
import { createHttpNode, createStorageNodeClient } from '../../../../shared/storage/adapters/http-node.js';
import { createMemoryNode } from '../../../../shared/storage/adapters/memory-node.js';
import { encodeBlob } from '../../../../shared/storage/blob-format.js';
import { silentLogger } from '../../../../shared/telemetry/logger.js';
import { createMetrics, type Metrics } from '../../../../shared/telemetry/metrics.js';
import { createTracing, type Tracing } from '../../../../shared/telemetry/tracing.js';
import { createStorageNodeServer } from '../../../../workers/storage-node/server.js';
import { AwaitableSpanExporter, callerTraceparent } from '../../../support/spans.js';

/**
 * The storage-node worker's telemetry: a SERVER span per request, a child of the caller's span,
 * named after the route, with the node's id; its own request metrics at GET /metrics.
 */
const BLOB = '0123456789abcdef0123456789abcdef';

let spans: AwaitableSpanExporter;
let tracing: Tracing;
let metrics: Metrics;
let engine: FaultEngine;
let server: Server;
let baseUrl: string;

beforeAll(async () => {
  spans = new AwaitableSpanExporter();
  tracing = createTracing({ service: 'storage-node', exporter: spans });
  metrics = createMetrics({ processMetrics: true });
  engine = createProcessFaultEngine(
    loadConfig({ FAULTS_ENABLED: 'true', LOG_LEVEL: 'silent' }),
    systemClock,
    silentLogger,
    metrics,
  );
  const disk = createMemoryNode('node-7');
  server = createStorageNodeServer(withNodeFaults(disk, engine), silentLogger, disk, {
    tracer: tracing.tracer,
    metrics,
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterEach(() => {
  for (const rule of engine.listRules()) engine.removeRule(rule.id);
  spans.reset();
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await tracing.shutdown();
});

const served = (method: string) => (span: ReadableSpan) =>
  span.kind === SpanKind.SERVER && span.attributes['http.request.method'] === method;

describe('storage-node worker spans', () => {
  it("is a child of the caller's traceparent, named after the route, with the node id", async () => {
    // Prepare
    const caller = callerTraceparent();

    // Act
    const answer = await fetch(`${baseUrl}/blobs/${BLOB}`, {
      method: 'PUT',
      headers: { traceparent: caller.traceparent },
      body: encodeBlob(Buffer.from('replica')),
    });
    const span = await spans.ended(served('PUT'));

    // Assess
    expect(answer.status).toBe(204);
    expect(span.name).toBe('PUT /blobs/{blobId}');
    expect(span.spanContext().traceId).toBe(caller.traceId);
    expect(span.parentSpanContext?.spanId).toBe(caller.spanId);
    expect(span.attributes['storage.node.id']).toBe('node-7');
    expect(span.attributes[ATTR_HTTP_ROUTE]).toBe('/blobs/{blobId}');
    expect(span.attributes[ATTR_HTTP_RESPONSE_STATUS_CODE]).toBe(204);
  });

  it("is the child of the runtime's node client span: the client sends traceparent", async () => {
    // Prepare
    const node = createHttpNode({
      id: 'node-7',
      baseUrl,
      client: createStorageNodeClient({ tracer: tracing.tracer }),
    });

    // Act
    await node.stat(BLOB);
    const span = await spans.ended(served('HEAD'));
    const client = await spans.ended((candidate) => candidate.kind === SpanKind.CLIENT);

    // Assess
    expect(span.parentSpanContext?.spanId).toBe(client.spanContext().spanId);
    expect(span.spanContext().traceId).toBe(client.spanContext().traceId);
  });

  it('is an ERROR when a node fault fails the request, and the firing acts inside it', async () => {
    // Prepare
    const rule = engine.addRule({
      match: { service: 'storage-node', point: 'node.read' },
      fault: { type: 'io_error', op: 'read', errno: 'EIO' },
    });

    // Act
    const answer = await fetch(`${baseUrl}/blobs/${BLOB}`);
    const span = await spans.ended(served('GET'));

    // Assess
    expect(answer.status).toBe(500);
    expect(span.status.code).toBe(SpanStatusCode.ERROR);
    expect(span.attributes[ATTR_HTTP_RESPONSE_STATUS_CODE]).toBe(500);
    expect(engine.events({ ruleId: rule.id })).toHaveLength(1);
  });
});

describe('storage-node worker metrics', () => {
  it("serves its own request counts and the process's default metrics at GET /metrics", async () => {
    // Prepare
    await fetch(`${baseUrl}/health`).then((answer) => answer.arrayBuffer());

    // Act
    const answer = await fetch(`${baseUrl}/metrics`);
    const text = await answer.text();

    // Assess
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toContain('text/plain');
    expect(text).toMatch(
      /http_requests_total\{service="storage-node",operation="getNodeHealth",method="GET",status="200"\} 1/,
    );
    expect(text).toContain('process_cpu_user_seconds_total');
    // A scrape is neither counted nor traced.
    expect(text).not.toContain('operation="getNodeMetrics"');
    expect(spans.getFinishedSpans().filter((span) => span.name === 'GET /metrics')).toEqual([]);
  });
});
