import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { ATTR_HTTP_RESPONSE_STATUS_CODE } from '@opentelemetry/semantic-conventions';
import { loadFrontConfig } from '../../../gateway/front/config.js';
import { createSocketFaultFront, type SocketFaultFront } from '../../../gateway/front/socket-fault-front.js';
import { ConfigError, loadConfig } from '../../../shared/config/env.js';
import type { FaultEngine } from '../../../shared/faults/engine.js';
import { createProcessFaultEngine } from '../../../shared/injection/create-fault-engine.js';
import { systemClock } from '../../../shared/runtime/clock.js';
import { silentLogger } from '../../../shared/telemetry/logger.js';
import { createMetrics, type Metrics } from '../../../shared/telemetry/metrics.js';
import { serveMetrics } from '../../../shared/telemetry/metrics-endpoint.js';
import { createTracing, type Tracing } from '../../../shared/telemetry/tracing.js';
import { AwaitableSpanExporter, callerTraceparent, parseTraceparent } from '../../support/spans.js';

/**
 * The socket-fault front's telemetry: its SERVER span continues the client's trace and is the
 * parent of the upstream hop; socket faults say on it what the client got; its requests are
 * counted on the registry it serves on FRONT_METRICS_PORT.
 */
const BODY = Buffer.alloc(10_000, 'b');

let upstream: Server;
/** Headers of each request the upstream (nginx's place) received, newest last. */
const upstreamSaw: IncomingHttpHeaders[] = [];
let spans: AwaitableSpanExporter;
let tracing: Tracing;
let metrics: Metrics;
let engine: FaultEngine;
let front: SocketFaultFront;
let frontPort: number;

beforeAll(async () => {
  upstream = createServer((request, response) => {
    upstreamSaw.push(request.headers);
    request.resume();
    request.on('end', () => response.writeHead(200, { 'content-type': 'text/plain' }).end(BODY));
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  spans = new AwaitableSpanExporter();
  tracing = createTracing({ service: 'gateway-front', exporter: spans });
  metrics = createMetrics();
  engine = createProcessFaultEngine(
    loadConfig({ FAULTS_ENABLED: 'true', LOG_LEVEL: 'silent' }),
    systemClock,
    silentLogger,
    metrics,
  );
  front = createSocketFaultFront({
    upstream: new URL(`http://127.0.0.1:${(upstream.address() as AddressInfo).port}/`),
    engine,
    logger: silentLogger,
    maxBodyBytes: 1024 * 1024,
    s3Domain: 'localhost',
    tracer: tracing.tracer,
    metrics,
  });
  await new Promise<void>((resolve) => front.server.listen(0, '127.0.0.1', resolve));
  frontPort = (front.server.address() as AddressInfo).port;
});

afterEach(() => {
  for (const rule of engine.listRules()) engine.removeRule(rule.id);
  spans.reset();
  upstreamSaw.length = 0;
});

afterAll(async () => {
  await front.close();
  upstream.closeAllConnections();
  await new Promise<void>((resolve) => upstream.close(() => resolve()));
  await tracing.shutdown();
});

/** A GET through the front on a fresh connection: status and length, or the socket error seen. */
function get(port: number, path: string, headers: Record<string, string> = {}) {
  return new Promise<{ status?: number; length?: number; error?: string }>((resolve) => {
    const request = httpRequest({ host: '127.0.0.1', port, path, headers, agent: false }, (response) => {
      let length = 0;
      response.on('data', (chunk: Buffer) => {
        length += chunk.length;
      });
      response.on('end', () => resolve({ status: response.statusCode ?? 0, length }));
      response.on('error', (error) => resolve({ status: response.statusCode ?? 0, error: error.message }));
    });
    request.on('error', (error: NodeJS.ErrnoException) => resolve({ error: error.code ?? error.message }));
    request.end();
  });
}

const frontSpan = (span: ReadableSpan) => span.kind === SpanKind.SERVER;

describe('front span', () => {
  it("continues the client's trace and is the upstream hop's parent, replacing the client's traceparent", async () => {
    // Prepare
    const caller = callerTraceparent();

    // Act
    const answer = await get(frontPort, '/photos/cat.jpg', {
      traceparent: caller.traceparent,
      tracestate: 'vendor=client',
    });
    const span = await spans.ended(frontSpan);

    // Assess
    expect(answer).toEqual({ status: 200, length: BODY.length });
    expect(span.name).toBe('GET');
    expect(span.spanContext().traceId).toBe(caller.traceId);
    expect(span.parentSpanContext?.spanId).toBe(caller.spanId);
    expect(span.attributes[ATTR_HTTP_RESPONSE_STATUS_CODE]).toBe(200);
    expect(parseTraceparent(upstreamSaw[0]?.traceparent as string)).toEqual({
      traceId: caller.traceId,
      spanId: span.spanContext().spanId,
    });
    // The state the client set travels on with its trace.
    expect(upstreamSaw[0]?.tracestate).toBe('vendor=client');
  });

  it('says a reset client got no status: ERROR, outcome reset', async () => {
    // Prepare
    const rule = engine.addRule({
      match: { service: 'gateway', point: 'gateway.socket' },
      fault: { type: 'reset' },
    });

    // Act
    const answer = await get(frontPort, '/photos/cat.jpg');
    const span = await spans.ended(frontSpan);

    // Assess
    expect(answer.error).toBe('ECONNRESET');
    expect(span.status.code).toBe(SpanStatusCode.ERROR);
    expect(span.status.message).toContain(rule.id);
    expect(span.attributes['mock_s3.client_outcome']).toBe('reset');
    expect(span.attributes[ATTR_HTTP_RESPONSE_STATUS_CODE]).toBeUndefined();
    const firings = span.events.filter((event) => event.name === 'fault.injected');
    expect(firings.map((event) => event.attributes?.['fault.rule_id'])).toEqual([rule.id]);
  });

  it('says a client held and closed without an answer timed out', async () => {
    // Prepare
    engine.addRule({
      match: { service: 'gateway', point: 'gateway.socket' },
      fault: { type: 'timeout', ms: 50 },
    });

    // Act
    const answer = await get(frontPort, '/photos/cat.jpg');
    const span = await spans.ended(frontSpan);

    // Assess
    expect(answer.status).toBeUndefined();
    expect(span.status.code).toBe(SpanStatusCode.ERROR);
    expect(span.attributes['mock_s3.client_outcome']).toBe('timeout');
    expect(span.attributes[ATTR_HTTP_RESPONSE_STATUS_CODE]).toBeUndefined();
  });
});

describe('front metrics', () => {
  it('counts its requests and serves them on its own metrics port', async () => {
    // Prepare
    const server = await serveMetrics(metrics.registry, 0, '127.0.0.1');
    const port = (server.address() as AddressInfo).port;
    await get(frontPort, '/photos/dog.jpg');

    // Act
    const scrape = await fetch(`http://127.0.0.1:${port}/metrics`);
    const text = await scrape.text();
    const other = await fetch(`http://127.0.0.1:${port}/photos/dog.jpg`);

    // Assess
    expect(scrape.status).toBe(200);
    expect(text).toMatch(
      /http_requests_total\{service="gateway-front",operation="forward",method="GET",status="200"\} [1-9]/,
    );
    expect(text).toMatch(/http_inflight_requests\{service="gateway-front"\} 0/);
    expect(other.status).toBe(404);
    await other.arrayBuffer();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('reads FRONT_METRICS_PORT: off unless set, a clear error when it is not a port', () => {
    const env = { FRONT_UPSTREAM: 'http://127.0.0.1:7180' };
    expect(loadFrontConfig(env).metricsPort).toBe(0);
    expect(loadFrontConfig({ ...env, FRONT_METRICS_PORT: '9464' }).metricsPort).toBe(9464);
    expect(() => loadFrontConfig({ ...env, FRONT_METRICS_PORT: 'abc' })).toThrow(ConfigError);
    expect(() => loadFrontConfig({ ...env, FRONT_METRICS_PORT: '70000' })).toThrow(/FRONT_METRICS_PORT/);
  });
});

describe('front without an exporter', () => {
  it("passes the client's traceparent through untouched", async () => {
    // Prepare
    const quiet = createTracing({ service: 'gateway-front' });
    const plain = createSocketFaultFront({
      upstream: new URL(`http://127.0.0.1:${(upstream.address() as AddressInfo).port}/`),
      engine,
      logger: silentLogger,
      maxBodyBytes: 1024,
      s3Domain: 'localhost',
      tracer: quiet.tracer,
    });
    await new Promise<void>((resolve) => plain.server.listen(0, '127.0.0.1', resolve));
    const caller = callerTraceparent();

    // Act
    await get((plain.server.address() as AddressInfo).port, '/b/k', { traceparent: caller.traceparent });

    // Assess
    expect(upstreamSaw[0]?.traceparent).toBe(caller.traceparent);
    await plain.close();
    await quiet.shutdown();
  });
});
