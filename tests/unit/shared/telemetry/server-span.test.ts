import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import {
  ATTR_CLIENT_ADDRESS,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ATTR_URL_PATH,
  ATTR_USER_AGENT_ORIGINAL,
} from '@opentelemetry/semantic-conventions';
import { endServerSpanWithResponse, startServerSpan } from '../../../../shared/telemetry/server-span.js';
import { createTracing, type Tracing } from '../../../../shared/telemetry/tracing.js';
import { AwaitableSpanExporter } from '../../../support/spans.js';

/** A listener that answers each request with the status its path names (`/status/503`). */
let server: Server;
let port: number;
let spans: AwaitableSpanExporter;
let tracing: Tracing;

beforeAll(async () => {
  spans = new AwaitableSpanExporter();
  tracing = createTracing({ service: 'storage-node', exporter: spans });
  server = createServer((request, response) => {
    const { span } = startServerSpan(tracing.tracer, request, { route: '/status/{code}' });
    endServerSpanWithResponse(span, response);
    const status = Number((request.url ?? '').split('?', 1)[0]!.split('/')[2]);
    if (status === 0) return void response.socket?.destroy();
    response.writeHead(status).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await tracing.shutdown();
});

function send(path: string, headers: Record<string, string>) {
  return new Promise<void>((resolve) => {
    const request = httpRequest({ host: '127.0.0.1', port, path, headers, agent: false }, (response) => {
      response.resume();
      response.on('end', () => resolve());
    });
    request.on('error', () => resolve());
    request.end();
  });
}

describe('server spans', () => {
  it('carry the HTTP semantic-convention attributes of the request and its answer', async () => {
    // Act
    await send('/status/204?x=1', { host: 'node-1.internal:7101', 'user-agent': 'probe/1' });
    const span = await spans.ended((candidate) => candidate.attributes[ATTR_URL_PATH] === '/status/204');

    // Assess
    expect(span.kind).toBe(SpanKind.SERVER);
    expect(span.name).toBe('GET /status/{code}');
    expect(span.attributes).toMatchObject({
      [ATTR_HTTP_REQUEST_METHOD]: 'GET',
      [ATTR_SERVER_ADDRESS]: 'node-1.internal',
      [ATTR_SERVER_PORT]: 7101,
      [ATTR_CLIENT_ADDRESS]: '127.0.0.1',
      [ATTR_USER_AGENT_ORIGINAL]: 'probe/1',
      [ATTR_HTTP_RESPONSE_STATUS_CODE]: 204,
    });
  });

  it('start a new trace when the traceparent is malformed', async () => {
    // Act
    await send('/status/200', { traceparent: '00-not-a-trace-01' });
    const span = await spans.ended((candidate) => candidate.attributes[ATTR_URL_PATH] === '/status/200');

    // Assess
    expect(span.parentSpanContext).toBeUndefined();
    expect(span.spanContext().traceId).toMatch(/^[0-9a-f]{32}$/);
  });

  it('are ERROR on a 5xx, and on a connection closed without an answer (no status code then)', async () => {
    // Act
    await send('/status/503', {});
    await send('/status/0', {});
    const failed = await spans.ended((candidate) => candidate.attributes[ATTR_URL_PATH] === '/status/503');
    const closed = await spans.ended((candidate) => candidate.attributes[ATTR_URL_PATH] === '/status/0');

    // Assess
    expect(failed.status).toEqual({ code: SpanStatusCode.ERROR, message: 'HTTP 503' });
    expect(failed.attributes['error.type']).toBe('503');
    expect(closed.status.code).toBe(SpanStatusCode.ERROR);
    expect(closed.attributes['error.type']).toBe('connection_closed');
    expect(closed.attributes[ATTR_HTTP_RESPONSE_STATUS_CODE]).toBeUndefined();
  });
});
