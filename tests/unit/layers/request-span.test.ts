import { createHash } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import {
  ATTR_CLIENT_ADDRESS,
  ATTR_ERROR_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ATTR_URL_PATH,
  ATTR_USER_AGENT_ORIGINAL,
} from '@opentelemetry/semantic-conventions';
import {
  ATTR_AWS_REQUEST_ID,
  ATTR_AWS_S3_BUCKET,
  ATTR_AWS_S3_KEY,
  ATTR_RPC_METHOD,
  ATTR_RPC_SERVICE,
  ATTR_RPC_SYSTEM,
} from '@opentelemetry/semantic-conventions/incubating';
import { createHandler as createAdminHealth } from '../../../functions/admin/health.js';
import { createHandler as createInjectionApi } from '../../../functions/injection/api.js';
import { createHandler as createS3Api } from '../../../functions/s3-api/handler.js';
import { loadRouteTable, matchRoute, type Plane, type Route } from '../../../gateway/embedded/route-table.js';
import { bodyBytes } from '../../../layers/binary-body.js';
import type { LambdaHandler } from '../../../layers/compose-handler.js';
import type { ApiEvent, ApiResult } from '../../../layers/request-context.js';
import { requestSpanAttributes, requestSpanName } from '../../../layers/request-span.js';
import type { Runtime } from '../../../shared/runtime/runtime.js';
import {
  apiEvent,
  createUnitRuntime,
  type EventInput,
  type UnitRuntime,
  unitContext,
} from '../../support/unit-runtime.js';

const BUCKET = 'span-bucket';
const USER_AGENT = 'aws-sdk-js/3.0.0 unit';

/**
 * The request span of every function, through the real Middy pipeline over in-memory adapters,
 * with the route key the gateways put in the event (serverless.yml's route for the path).
 */
describe('request span', () => {
  let unit: UnitRuntime;
  let routes: Route[];
  let s3: LambdaHandler;

  /** An event as the embedded gateway builds it: the route key of the serverless.yml route it matched. */
  const routed = (input: EventInput, plane: Plane = 's3'): ApiEvent => {
    const event = apiEvent({ ...input, headers: { 'user-agent': USER_AGENT, ...input.headers } });
    const route = matchRoute(routes, plane, input.method, input.path);
    if (!route) throw new Error(`no route for ${input.method} ${input.path}`);
    event.routeKey = `${route.method} ${route.path}`;
    event.requestContext.routeKey = event.routeKey;
    event.requestContext.http.sourceIp = '10.1.2.3';
    event.requestContext.http.userAgent = USER_AGENT;
    return event;
  };

  /** Sends one request and returns its answer and its request span (the only SERVER span). */
  const serve = async (
    handler: LambdaHandler,
    event: ApiEvent,
    name = 's3Api',
  ): Promise<{ result: ApiResult; span: ReadableSpan }> => {
    unit.spans.reset();
    const result = await handler(event, unitContext(name));
    const servers = unit.spans.getFinishedSpans().filter((span) => span.kind === SpanKind.SERVER);
    expect(servers).toHaveLength(1);
    return { result, span: servers[0]! };
  };

  beforeAll(async () => {
    unit = await createUnitRuntime();
    routes = await loadRouteTable(new URL('../../../serverless.yml', import.meta.url).pathname);
    s3 = createS3Api(unit.runtime);
  });

  afterAll(async () => {
    await unit.runtime.close();
  });

  describe('per S3 operation: name `METHOD route` and the semantic-convention attributes', () => {
    // Each row depends on the ones before it (the bucket, the upload, the parts), so they run in order.
    let uploadId = '';
    let partEtag = '';
    const deleteBody = `<Delete><Object><Key>copy</Key></Object></Delete>`;
    const operations: Array<{
      operation: string;
      request: () => EventInput;
      route: string;
      status: number;
      key?: string;
      after?: (result: ApiResult) => void;
    }> = [
      {
        operation: 'CreateBucket',
        request: () => ({ method: 'PUT', path: `/${BUCKET}` }),
        route: '/{bucket}',
        status: 200,
      },
      { operation: 'ListBuckets', request: () => ({ method: 'GET', path: '/' }), route: '/', status: 200 },
      {
        operation: 'PutObject',
        request: () => ({ method: 'PUT', path: `/${BUCKET}/a/b.txt`, body: 'hello spans' }),
        route: '/{bucket}/{key+}',
        status: 200,
        key: 'a/b.txt',
      },
      {
        operation: 'GetObject',
        request: () => ({ method: 'GET', path: `/${BUCKET}/a/b.txt` }),
        route: '/{bucket}/{key+}',
        status: 200,
        key: 'a/b.txt',
      },
      {
        operation: 'HeadObject',
        request: () => ({ method: 'HEAD', path: `/${BUCKET}/a/b.txt` }),
        route: '/{bucket}/{key+}',
        status: 200,
        key: 'a/b.txt',
      },
      {
        operation: 'ListObjectsV2',
        request: () => ({ method: 'GET', path: `/${BUCKET}`, query: 'list-type=2' }),
        route: '/{bucket}',
        status: 200,
      },
      {
        operation: 'CreateMultipartUpload',
        request: () => ({ method: 'POST', path: `/${BUCKET}/big`, query: 'uploads' }),
        route: '/{bucket}/{key+}',
        status: 200,
        key: 'big',
        after: (result) => {
          uploadId = /<UploadId>([^<]+)<\/UploadId>/.exec(bodyBytes(result).toString())![1]!;
        },
      },
      {
        operation: 'UploadPart',
        request: () => ({
          method: 'PUT',
          path: `/${BUCKET}/big`,
          query: `partNumber=1&uploadId=${uploadId}`,
          body: 'part one',
        }),
        route: '/{bucket}/{key+}',
        status: 200,
        key: 'big',
        after: (result) => {
          partEtag = String(result.headers?.etag);
        },
      },
      {
        operation: 'CompleteMultipartUpload',
        request: () => ({
          method: 'POST',
          path: `/${BUCKET}/big`,
          query: `uploadId=${uploadId}`,
          body: `<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>${partEtag}</ETag></Part></CompleteMultipartUpload>`,
        }),
        route: '/{bucket}/{key+}',
        status: 200,
        key: 'big',
      },
      {
        operation: 'CopyObject',
        request: () => ({
          method: 'PUT',
          path: `/${BUCKET}/copy`,
          headers: { 'x-amz-copy-source': `/${BUCKET}/a/b.txt` },
        }),
        route: '/{bucket}/{key+}',
        status: 200,
        key: 'copy',
      },
      {
        operation: 'DeleteObjects',
        request: () => ({
          method: 'POST',
          path: `/${BUCKET}`,
          query: 'delete',
          body: deleteBody,
          headers: { 'content-md5': createHash('md5').update(deleteBody).digest('base64') },
        }),
        route: '/{bucket}',
        status: 200,
      },
      {
        operation: 'DeleteObject',
        request: () => ({ method: 'DELETE', path: `/${BUCKET}/a/b.txt` }),
        route: '/{bucket}/{key+}',
        status: 204,
        key: 'a/b.txt',
      },
    ];

    for (const { operation, request, route, status, key, after } of operations) {
      it(`${operation}`, async () => {
        // Prepare
        const input = request();

        // Act
        const { result, span } = await serve(s3, routed(input));
        after?.(result);

        // Assess
        expect(result.statusCode).toBe(status);
        expect(span.name).toBe(`${input.method} ${route}`);
        expect(span.kind).toBe(SpanKind.SERVER);
        expect(span.status.code).toBe(SpanStatusCode.UNSET);
        expect(span.attributes).toMatchObject({
          [ATTR_HTTP_REQUEST_METHOD]: input.method,
          [ATTR_URL_PATH]: input.path,
          [ATTR_HTTP_ROUTE]: route,
          [ATTR_HTTP_RESPONSE_STATUS_CODE]: status,
          [ATTR_SERVER_ADDRESS]: '127.0.0.1',
          [ATTR_SERVER_PORT]: 8080,
          [ATTR_CLIENT_ADDRESS]: '10.1.2.3',
          [ATTR_USER_AGENT_ORIGINAL]: USER_AGENT,
          [ATTR_RPC_SYSTEM]: 'aws-api',
          [ATTR_RPC_SERVICE]: 'S3',
          [ATTR_RPC_METHOD]: operation,
          [ATTR_AWS_REQUEST_ID]: result.headers?.['x-amz-request-id'],
        });
        if (input.path !== '/') expect(span.attributes[ATTR_AWS_S3_BUCKET]).toBe(BUCKET);
        else expect(span.attributes[ATTR_AWS_S3_BUCKET]).toBeUndefined();
        expect(span.attributes[ATTR_AWS_S3_KEY]).toBe(key);
        expect(span.attributes[ATTR_ERROR_TYPE]).toBeUndefined();
      });
    }
  });

  it('joins the caller trace: a traceparent makes the request span its child', async () => {
    // Prepare
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const callerSpanId = '00f067aa0ba902b7';
    const event = routed({
      method: 'GET',
      path: '/',
      headers: { traceparent: `00-${traceId}-${callerSpanId}-01`, tracestate: 'vendor=1' },
    });

    // Act
    const { span } = await serve(s3, event);

    // Assess
    expect(span.spanContext().traceId).toBe(traceId);
    expect(span.parentSpanContext?.spanId).toBe(callerSpanId);
    expect(span.parentSpanContext?.isRemote).toBe(true);
    expect(span.spanContext().traceState?.get('vendor')).toBe('1');
  });

  it('a malformed traceparent starts a new trace, the request is served', async () => {
    // Act
    const { result, span } = await serve(
      s3,
      routed({ method: 'GET', path: '/', headers: { traceparent: 'junk' } }),
    );

    // Assess
    expect(result.statusCode).toBe(200);
    expect(span.parentSpanContext).toBeUndefined();
  });

  it('a 4xx answer names its S3 error code in error.type and leaves the status unset', async () => {
    // Act
    const { result, span } = await serve(s3, routed({ method: 'GET', path: `/${BUCKET}/missing` }));

    // Assess
    expect(result.statusCode).toBe(404);
    expect(span.attributes[ATTR_ERROR_TYPE]).toBe('NoSuchKey');
    expect(span.attributes[ATTR_HTTP_RESPONSE_STATUS_CODE]).toBe(404);
    expect(span.status.code).toBe(SpanStatusCode.UNSET);
  });

  it('a real 500 is an ERROR span with the S3 code and message as description', async () => {
    // Prepare: a metadata store that fails as a bug would (not an S3 error).
    const metadata = new Proxy(unit.runtime.services.metadata, {
      get(target, property, receiver) {
        if (property === 'getBucket') return async () => Promise.reject(new TypeError('boom'));
        return Reflect.get(target, property, receiver);
      },
    });
    const broken: Runtime = { ...unit.runtime, services: { ...unit.runtime.services, metadata } };

    // Act
    const { result, span } = await serve(
      createS3Api(broken),
      routed({ method: 'GET', path: `/${BUCKET}/x` }),
    );

    // Assess
    expect(result.statusCode).toBe(500);
    expect(span.attributes[ATTR_ERROR_TYPE]).toBe('InternalError');
    expect(span.status).toEqual({
      code: SpanStatusCode.ERROR,
      message: 'InternalError: We encountered an internal error. Please try again.',
    });
  });

  describe('injected faults', () => {
    beforeEach(() => {
      unit.runtime.faults.setConfigSwitch(true);
      for (const rule of unit.runtime.faults.listRules()) unit.runtime.faults.removeRule(rule.id);
    });

    afterAll(() => {
      for (const rule of unit.runtime.faults.listRules()) unit.runtime.faults.removeRule(rule.id);
      unit.runtime.faults.setConfigSwitch(undefined);
    });

    it('an injected 503 is an ERROR span naming the code and the rule', async () => {
      // Prepare
      unit.runtime.faults.addRule({
        id: 'unavailable',
        match: { point: 'http.server', operation: 'GetObject' },
        fault: { type: 's3_error', code: 'ServiceUnavailable' },
      });

      // Act
      const { result, span } = await serve(s3, routed({ method: 'GET', path: `/${BUCKET}/big` }));

      // Assess
      expect(result.statusCode).toBe(503);
      expect(span.attributes[ATTR_ERROR_TYPE]).toBe('ServiceUnavailable');
      expect(span.status.code).toBe(SpanStatusCode.ERROR);
      expect(span.status.message).toMatch(/^ServiceUnavailable: .*rule unavailable/);
    });

    it('an injected 403 is red too: a fault the user asked for', async () => {
      // Prepare
      unit.runtime.faults.addRule({
        id: 'denied',
        match: { point: 'http.server', operation: 'GetObject' },
        fault: { type: 's3_error', code: 'AccessDenied' },
      });

      // Act
      const { result, span } = await serve(s3, routed({ method: 'GET', path: `/${BUCKET}/big` }));

      // Assess
      expect(result.statusCode).toBe(403);
      expect(span.attributes[ATTR_ERROR_TYPE]).toBe('AccessDenied');
      expect(span.status.code).toBe(SpanStatusCode.ERROR);
      expect(span.status.message).toMatch(/^AccessDenied: .*rule denied/);
    });

    it('an injected raw status (http_status) is red, with the status as error.type', async () => {
      // Prepare
      unit.runtime.faults.addRule({
        id: 'teapot',
        match: { point: 'http.server', operation: 'GetObject' },
        fault: { type: 'http_status', status: 418 },
      });

      // Act
      const { result, span } = await serve(s3, routed({ method: 'GET', path: `/${BUCKET}/big` }));

      // Assess
      expect(result.statusCode).toBe(418);
      expect(span.attributes[ATTR_ERROR_TYPE]).toBe('418');
      expect(span.status.code).toBe(SpanStatusCode.ERROR);
      expect(span.status.message).toMatch(/rule teapot/);
    });
  });

  describe('control plane', () => {
    it('names the span after its /api/v1 route and carries no rpc.* attributes', async () => {
      // Prepare
      const injection = createInjectionApi(unit.runtime);
      const event = routed({ method: 'GET', path: '/api/v1/injection/rules' }, 'control');

      // Act
      const { result, span } = await serve(injection, event, 'injectionApi');

      // Assess
      expect(result.statusCode).toBe(200);
      expect(span.name).toBe('GET /api/v1/injection/{proxy+}');
      expect(span.attributes).toMatchObject({
        [ATTR_HTTP_REQUEST_METHOD]: 'GET',
        [ATTR_HTTP_ROUTE]: '/api/v1/injection/{proxy+}',
        [ATTR_URL_PATH]: '/api/v1/injection/rules',
        [ATTR_HTTP_RESPONSE_STATUS_CODE]: 200,
      });
      expect(Object.keys(span.attributes).filter((name) => name.startsWith('rpc.'))).toEqual([]);
    });

    it('/health is `GET /health`', async () => {
      // Act
      const { span } = await serve(
        createAdminHealth(unit.runtime),
        routed({ method: 'GET', path: '/health' }, 'control'),
        'adminHealth',
      );

      // Assess
      expect(span.name).toBe('GET /health');
    });
  });

  describe('metrics', () => {
    it('http_inflight_requests counts a request while it is served and is back to 0 after', async () => {
      // Prepare: a handler that reads the gauge while the request is in flight.
      let during = '';
      const metadata = new Proxy(unit.runtime.services.metadata, {
        get(target, property, receiver) {
          if (property === 'listBuckets')
            return async () => {
              during = await unit.runtime.metrics.registry.getSingleMetricAsString('http_inflight_requests');
              return [];
            };
          return Reflect.get(target, property, receiver);
        },
      });
      const probe: Runtime = { ...unit.runtime, services: { ...unit.runtime.services, metadata } };

      // Act
      await serve(createS3Api(probe), routed({ method: 'GET', path: '/' }));
      const after = await unit.runtime.metrics.registry.getSingleMetricAsString('http_inflight_requests');

      // Assess
      expect(during).toMatch(/http_inflight_requests\{service="s3-api"\} 1\n?/);
      expect(after).toMatch(/http_inflight_requests\{service="s3-api"\} 0\n?/);
    });

    it('errors_total counts an error answer by service, operation and S3 code', async () => {
      // Act
      await serve(s3, routed({ method: 'HEAD', path: `/${BUCKET}/nope` }));

      // Assess
      const errors = await unit.runtime.metrics.registry.getSingleMetricAsString('errors_total');
      expect(errors).toMatch(/errors_total\{service="s3-api",operation="HeadObject",code="NoSuchKey"\} 1\n?/);
    });
  });
});

describe('requestSpanAttributes', () => {
  it.each([
    ['[::1]:9000', '::1', 9000],
    ['photos.s3.localhost', 'photos.s3.localhost', undefined],
    ['localhost:4566', 'localhost', 4566],
  ])('Host %s is server.address %s, server.port %s', (host, address, port) => {
    // Act
    const attributes = requestSpanAttributes(apiEvent({ method: 'GET', path: '/', headers: { host } }));

    // Assess
    expect(attributes[ATTR_SERVER_ADDRESS]).toBe(address);
    expect(attributes[ATTR_SERVER_PORT]).toBe(port);
  });

  it('a $default route names no http.route and the span is named by its method alone', () => {
    // Prepare
    const event = apiEvent({ method: 'DELETE', path: '/b/k' });

    // Act
    const attributes = requestSpanAttributes(event);

    // Assess
    expect(requestSpanName(event)).toBe('DELETE');
    expect(attributes[ATTR_HTTP_ROUTE]).toBeUndefined();
    expect(Object.keys(attributes).filter((name) => name.startsWith('rpc.'))).toEqual([]);
  });
});
