import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { SpanStatusCode } from '@opentelemetry/api';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import {
  ATTR_ERROR_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ATTR_URL_FULL,
} from '@opentelemetry/semantic-conventions';
import { Registry } from 'prom-client';
import { CircuitOpenError, HttpConnectionError, HttpTimeoutError } from '../../../shared/http/errors.js';
import { createHttpClient, type HttpClientOptions } from '../../../shared/http/http-client.js';
import { createHttpClientMetrics } from '../../../shared/http/metrics.js';
import { createTracing } from '../../../shared/telemetry/tracing.js';

/** A real node:http server whose behaviour is chosen by the path; it records what it received. */
const received: Array<{ method: string; path: string; headers: IncomingHttpHeaders }> = [];
const failuresLeft = new Map<string, number>();
let connections = 0;
let server: Server;
let base: string;

beforeAll(async () => {
  server = createServer((request, response) => {
    const path = request.url ?? '/';
    received.push({ method: request.method ?? '', path, headers: request.headers });
    const left = failuresLeft.get(path) ?? 0;
    if (path.startsWith('/reset') && left > 0) {
      failuresLeft.set(path, left - 1);
      request.socket.destroy();
      return;
    }
    if (path.startsWith('/flaky') && left > 0) {
      failuresLeft.set(path, left - 1);
      response.writeHead(503).end('busy');
      return;
    }
    if (path.startsWith('/stall')) return; // never answers: the client's timeout must end it
    request.resume();
    request.on('end', () => response.writeHead(200, { 'content-type': 'text/plain' }).end(`ok ${path}`));
  });
  server.on('connection', () => {
    connections += 1;
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

function client(overrides: Partial<HttpClientOptions> = {}) {
  const registry = new Registry();
  const http = createHttpClient({
    service: 'storage',
    timeoutMs: 2000,
    retries: 3,
    backoff: { baseMs: 5, maxMs: 20 },
    breaker: { failureThreshold: 5, resetMs: 60_000 },
    metrics: createHttpClientMetrics(registry),
    ...overrides,
  });
  const metric = async (name: string) =>
    (await registry.getSingleMetric(name)?.get())?.values.reduce((sum, value) => sum + value.value, 0) ?? 0;
  return { http, metric };
}

const hits = (path: string) => received.filter((request) => request.path === path).length;

describe('createHttpClient against a real server', () => {
  it('retries 503s and returns the success, counting the retries', async () => {
    // Prepare
    const { http, metric } = client();
    failuresLeft.set('/flaky/1', 2);

    // Act
    const response = await http.request({ method: 'GET', url: `${base}/flaky/1` });

    // Assess
    expect(response.status).toBe(200);
    expect(response.body.toString()).toBe('ok /flaky/1');
    expect(hits('/flaky/1')).toBe(3);
    expect(await metric('retry_attempts_total')).toBe(2);
    http.close();
  });

  it('retries a PUT whose connection was reset, sending the body again', async () => {
    // Prepare
    const { http } = client();
    failuresLeft.set('/reset/1', 1);

    // Act
    const response = await http.request({
      method: 'PUT',
      url: `${base}/reset/1`,
      body: Buffer.alloc(1024, 7),
    });

    // Assess
    expect(response.status).toBe(200);
    expect(hits('/reset/1')).toBe(2);
    http.close();
  });

  it('does not retry a POST answered with 503', async () => {
    // Prepare
    const { http } = client();
    failuresLeft.set('/flaky/post', 5);

    // Act
    const response = await http.request({ method: 'POST', url: `${base}/flaky/post`, body: '{}' });

    // Assess
    expect(response.status).toBe(503);
    expect(hits('/flaky/post')).toBe(1);
    http.close();
  });

  it('ends an attempt that gets no answer at its timeout', async () => {
    // Prepare
    const { http } = client({ timeoutMs: 200, retries: 0 });
    const started = performance.now();

    // Act
    const call = http.request({ method: 'GET', url: `${base}/stall/1` });

    // Assess
    await expect(call).rejects.toBeInstanceOf(HttpTimeoutError);
    const elapsed = performance.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(190);
    expect(elapsed).toBeLessThan(1000);
    http.close();
  });

  it('opens the breaker on a target that refuses connections, then refuses without dialling', async () => {
    // Prepare: a port that was just free, so connecting is refused.
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const { http, metric } = client({ retries: 0, breaker: { failureThreshold: 2, resetMs: 60_000 } });
    const url = `http://127.0.0.1:${port}/health`;

    // Act
    const first = http.request({ method: 'GET', url });
    await expect(first).rejects.toBeInstanceOf(HttpConnectionError);
    const second = http.request({ method: 'GET', url });
    await expect(second).rejects.toBeInstanceOf(HttpConnectionError);
    const third = http.request({ method: 'GET', url });

    // Assess
    await expect(third).rejects.toBeInstanceOf(CircuitOpenError);
    expect(http.breakerState(`127.0.0.1:${port}`)).toBe('open');
    expect(await metric('circuit_breaker_open_total')).toBe(1);
    http.close();
  });

  it('reuses one keep-alive connection for consecutive calls', async () => {
    // Prepare
    const { http } = client();
    await http.request({ method: 'GET', url: `${base}/keepalive/0` });
    const before = connections;

    // Act
    for (let i = 1; i <= 5; i += 1) await http.request({ method: 'GET', url: `${base}/keepalive/${i}` });

    // Assess
    expect(connections).toBe(before);
    http.close();
  });
});

describe('createHttpClient trace propagation', () => {
  const exporter = new InMemorySpanExporter();
  const tracing = createTracing({ exporter, service: 'storage' });

  afterAll(() => tracing.shutdown());

  it('sends traceparent naming the client span, a child of the caller span', async () => {
    // Prepare
    const { http } = client({ tracer: tracing.tracer });

    // Act
    const callerIds = await tracing.tracer.startActiveSpan('caller', async (span) => {
      await http.request({ method: 'GET', url: `${base}/traced/1` });
      span.end();
      return span.spanContext();
    });

    // Assess
    const header = received.find((request) => request.path === '/traced/1')?.headers.traceparent;
    const clientSpan = exporter.getFinishedSpans().find((span) => span.name.startsWith('GET '));
    expect(header).toBe(`00-${callerIds.traceId}-${clientSpan?.spanContext().spanId}-01`);
    expect(clientSpan?.parentSpanContext?.spanId).toBe(callerIds.spanId);
    expect(clientSpan?.attributes['http.response.status_code']).toBe(200);
    http.close();
  });

  it('names what it called by the semantic conventions: method, server, url.full, status', async () => {
    // Prepare
    const { http } = client({ tracer: tracing.tracer });
    exporter.reset();

    // Act
    await http.request({ method: 'GET', url: `${base}/traced/3?part=1` });

    // Assess
    const [span] = exporter.getFinishedSpans();
    expect(span?.attributes).toMatchObject({
      [ATTR_HTTP_REQUEST_METHOD]: 'GET',
      [ATTR_SERVER_ADDRESS]: '127.0.0.1',
      [ATTR_SERVER_PORT]: Number(new URL(base).port),
      [ATTR_URL_FULL]: `${base}/traced/3?part=1`,
      [ATTR_HTTP_RESPONSE_STATUS_CODE]: 200,
    });
    expect(span?.attributes[ATTR_ERROR_TYPE]).toBeUndefined();
    expect(span?.status.code).toBe(SpanStatusCode.UNSET);
    http.close();
  });

  it('a 5xx answer is an ERROR span with the status as error.type', async () => {
    // Prepare
    const { http } = client({ tracer: tracing.tracer, retries: 0 });
    failuresLeft.set('/flaky/traced', 1);
    exporter.reset();

    // Act
    const response = await http.request({ method: 'GET', url: `${base}/flaky/traced` });

    // Assess
    expect(response.status).toBe(503);
    const [span] = exporter.getFinishedSpans();
    expect(span?.attributes[ATTR_ERROR_TYPE]).toBe('503');
    expect(span?.status).toEqual({
      code: SpanStatusCode.ERROR,
      message: `HTTP 503 from ${new URL(base).host}`,
    });
    http.close();
  });

  it('a connection reset is an ERROR span with the failure class as error.type', async () => {
    // Prepare
    const { http } = client({ tracer: tracing.tracer, retries: 0 });
    failuresLeft.set('/reset/traced', 1);
    exporter.reset();

    // Act
    await expect(http.request({ method: 'GET', url: `${base}/reset/traced` })).rejects.toThrow();

    // Assess
    const [span] = exporter.getFinishedSpans();
    expect(span?.attributes[ATTR_ERROR_TYPE]).toBe('HttpConnectionError');
    expect(span?.status.code).toBe(SpanStatusCode.ERROR);
    expect(span?.status.message).toMatch(/^HttpConnectionError: /);
    http.close();
  });

  it('without a tracer of its own, passes the active span on', async () => {
    // Prepare
    const { http } = client();

    // Act
    const callerIds = await tracing.tracer.startActiveSpan('caller', async (span) => {
      await http.request({ method: 'GET', url: `${base}/traced/2` });
      span.end();
      return span.spanContext();
    });

    // Assess
    const header = received.find((request) => request.path === '/traced/2')?.headers.traceparent;
    expect(header).toBe(`00-${callerIds.traceId}-${callerIds.spanId}-01`);
    http.close();
  });
});
