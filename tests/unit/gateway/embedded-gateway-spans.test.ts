import { request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import {
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_URL_PATH,
} from '@opentelemetry/semantic-conventions';
import { createEmbeddedGateway, type FunctionHandler } from '../../../gateway/embedded/embedded-gateway.js';
import type { Route } from '../../../gateway/embedded/route-table.js';
import type { ApiEvent } from '../../../layers/request-context.js';
import { loadConfig } from '../../../shared/config/env.js';
import type { FaultEngine } from '../../../shared/faults/engine.js';
import { createProcessFaultEngine } from '../../../shared/injection/create-fault-engine.js';
import { systemClock } from '../../../shared/runtime/clock.js';
import { silentLogger } from '../../../shared/telemetry/logger.js';
import { createMetrics } from '../../../shared/telemetry/metrics.js';
import { createTracing, type Tracing } from '../../../shared/telemetry/tracing.js';
import { AwaitableSpanExporter, callerTraceparent, parseTraceparent } from '../../support/spans.js';

/**
 * The embedded gateway's own SERVER span (service `gateway`): the parent of the handler's span,
 * a child of the client's `traceparent`, and what a `gateway.socket` fault did to the client.
 */
const ROUTE: Route = {
  method: 'GET',
  path: '/{bucket}/{key+}',
  plane: 's3',
  functionName: 'object',
  module: 'unit',
  pattern: /^\/[^/]+\/.+$/,
};
const BODY = Buffer.alloc(10_000, 'a');

let spans: AwaitableSpanExporter;
let tracing: Tracing;
let engine: FaultEngine;
let server: Server;
let port: number;
/** The events the handler received, newest last. */
const received: ApiEvent[] = [];

const handler: FunctionHandler = async (event) => {
  received.push(event);
  return { statusCode: 200, headers: { 'content-type': 'text/plain' }, body: BODY.toString() };
};

beforeAll(async () => {
  spans = new AwaitableSpanExporter();
  tracing = createTracing({ service: 'gateway', exporter: spans });
  engine = createProcessFaultEngine(
    loadConfig({ FAULTS_ENABLED: 'true', LOG_LEVEL: 'silent' }),
    systemClock,
    silentLogger,
    createMetrics(),
  );
  const servers = createEmbeddedGateway({
    routes: [ROUTE],
    handlers: new Map([['object', handler]]),
    logger: silentLogger,
    maxBodyBytes: 1024 * 1024,
    bodyIdleTimeoutMs: 1_000,
    faults: engine,
    tracer: tracing.tracer,
  });
  server = servers.s3;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterEach(() => {
  for (const rule of engine.listRules()) engine.removeRule(rule.id);
  spans.reset();
  received.length = 0;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await tracing.shutdown();
});

/** A GET on a fresh connection: the status and body length, or the socket error the client saw. */
function get(path: string, headers: Record<string, string> = {}) {
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

const gatewaySpan = (span: ReadableSpan) => span.kind === SpanKind.SERVER;

function addSocketRule(fault: Record<string, unknown>): string {
  return engine.addRule({ match: { service: 'gateway', point: 'gateway.socket' }, fault }).id;
}

describe('embedded gateway span', () => {
  it("is a child of the client's traceparent, named after the route, and the handler's parent", async () => {
    // Prepare
    const caller = callerTraceparent();

    // Act
    const answer = await get('/photos/2024/cat.jpg', { traceparent: caller.traceparent });
    const span = await spans.ended(gatewaySpan);

    // Assess
    expect(answer).toEqual({ status: 200, length: BODY.length });
    expect(span.name).toBe('GET /{bucket}/{key+}');
    expect(span.spanContext().traceId).toBe(caller.traceId);
    expect(span.parentSpanContext?.spanId).toBe(caller.spanId);
    expect(span.attributes[ATTR_HTTP_ROUTE]).toBe('/{bucket}/{key+}');
    expect(span.attributes[ATTR_URL_PATH]).toBe('/photos/2024/cat.jpg');
    expect(span.attributes[ATTR_HTTP_RESPONSE_STATUS_CODE]).toBe(200);
    expect(span.status.code).not.toBe(SpanStatusCode.ERROR);
    // The event carries the gateway span as the handler's parent, as API Gateway's is a Lambda's.
    expect(parseTraceparent(received[0]?.headers.traceparent)).toEqual({
      traceId: caller.traceId,
      spanId: span.spanContext().spanId,
    });
  });

  it('starts a new trace for a request without traceparent, and still hands it to the handler', async () => {
    // Act
    await get('/photos/dog.jpg');
    const span = await spans.ended(gatewaySpan);

    // Assess
    expect(span.parentSpanContext).toBeUndefined();
    expect(parseTraceparent(received[0]?.headers.traceparent)?.spanId).toBe(span.spanContext().spanId);
  });

  it('says a reset client got no status: ERROR, outcome reset, the firing as an event', async () => {
    // Prepare
    const ruleId = addSocketRule({ type: 'reset' });

    // Act
    const answer = await get('/photos/cat.jpg');
    const span = await spans.ended(gatewaySpan);

    // Assess
    expect(answer.error).toBe('ECONNRESET');
    expect(span.status.code).toBe(SpanStatusCode.ERROR);
    expect(span.status.message).toContain(ruleId);
    expect(span.attributes['mock_s3.client_outcome']).toBe('reset');
    expect(span.attributes['error.type']).toBe('reset');
    expect(span.attributes[ATTR_HTTP_RESPONSE_STATUS_CODE]).toBeUndefined();
    expect(engine.events({ ruleId })).toHaveLength(1);
    const firings = span.events.filter((event) => event.name === 'fault.injected');
    expect(firings.map((event) => event.attributes?.['fault.rule_id'])).toEqual([ruleId]);
  });

  it('says a truncated body went out under a 200 status line: ERROR, outcome truncated', async () => {
    // Prepare
    addSocketRule({ type: 'truncate', afterBytes: 1_000 });

    // Act
    const answer = await get('/photos/cat.jpg');
    const span = await spans.ended(gatewaySpan);

    // Assess
    expect(answer.status).toBe(200);
    expect(answer.error ?? '').toMatch(/aborted|ECONNRESET|closed/i);
    expect(span.status.code).toBe(SpanStatusCode.ERROR);
    expect(span.attributes['mock_s3.client_outcome']).toBe('truncated');
    expect(span.attributes[ATTR_HTTP_RESPONSE_STATUS_CODE]).toBe(200);
  });

  it('marks a late but whole body with its outcome, not as an error', async () => {
    // Prepare
    addSocketRule({ type: 'slow_body', chunkBytes: 4_000, delayMs: 5 });

    // Act
    const answer = await get('/photos/cat.jpg');
    const span = await spans.ended(gatewaySpan);

    // Assess
    expect(answer).toEqual({ status: 200, length: BODY.length });
    expect(span.attributes['mock_s3.client_outcome']).toBe('slow_body');
    expect(span.status.code).not.toBe(SpanStatusCode.ERROR);
  });
});

describe('embedded gateway without an exporter', () => {
  it("opens no span and passes the client's traceparent through untouched", async () => {
    // Prepare
    const quiet = createTracing({ service: 'gateway' });
    const servers = createEmbeddedGateway({
      routes: [ROUTE],
      handlers: new Map([['object', handler]]),
      logger: silentLogger,
      maxBodyBytes: 1024,
      bodyIdleTimeoutMs: 1_000,
      tracer: quiet.tracer,
    });
    await new Promise<void>((resolve) => servers.s3.listen(0, '127.0.0.1', resolve));
    const caller = callerTraceparent();

    // Act
    const answer = await new Promise<number>((resolve, reject) => {
      const request = httpRequest(
        {
          host: '127.0.0.1',
          port: (servers.s3.address() as AddressInfo).port,
          path: '/b/k',
          headers: { traceparent: caller.traceparent },
          agent: false,
        },
        (response) => {
          response.resume();
          response.on('end', () => resolve(response.statusCode ?? 0));
        },
      );
      request.on('error', reject);
      request.end();
    });

    // Assess
    expect(answer).toBe(200);
    expect(received[0]?.headers.traceparent).toBe(caller.traceparent);
    await new Promise<void>((resolve) => servers.s3.close(() => resolve()));
    await quiet.shutdown();
  });
});
