import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { SpanKind } from '@opentelemetry/api';
import { createHandler } from '../../../../functions/s3-api/handler.js';
import { bodyBytes } from '../../../../layers/binary-body.js';
import type { LambdaHandler } from '../../../../layers/compose-handler.js';
import {
  apiEvent,
  createUnitRuntime,
  type EventInput,
  type UnitRuntime,
  unitContext,
} from '../../../support/unit-runtime.js';

// The s3-api function through its real Middy pipeline, over in-memory adapters.
describe('s3-api handler', () => {
  let unit: UnitRuntime;
  let handler: LambdaHandler;
  const send = (input: EventInput) => handler(apiEvent(input), unitContext());

  beforeAll(async () => {
    unit = await createUnitRuntime();
    handler = createHandler(unit.runtime);
    await send({ method: 'PUT', path: '/unit-bucket' });
  });

  afterAll(async () => {
    await unit.runtime.close();
  });

  it('stores an object on two replicas and reads the same bytes back', async () => {
    // Prepare
    const body = Buffer.from([0, 1, 2, 255, 254, 10, 13]);
    // Act
    const put = await send({
      method: 'PUT',
      path: '/unit-bucket/bin',
      body,
      headers: { 'content-type': 'image/png' },
    });
    const get = await send({ method: 'GET', path: '/unit-bucket/bin' });
    // Assess
    expect(put.statusCode).toBe(200);
    expect(put.headers?.etag).toBe(`"${createHash('md5').update(body).digest('hex')}"`);
    expect(get.statusCode).toBe(200);
    expect(bodyBytes(get).equals(body)).toBe(true);
    expect(get.headers?.['content-type']).toBe('image/png');
    const health = await Promise.all(unit.nodes.map((node) => node.health()));
    expect(health.filter((node) => (node.blobs ?? 0) > 0)).toHaveLength(2);
  });

  it('refuses %00 in a key, a copy source, a list prefix and a continuation token with InvalidArgument', async () => {
    // Act
    const put = await send({ method: 'PUT', path: '/unit-bucket/a%00b', body: Buffer.from('x') });
    const get = await send({ method: 'GET', path: '/unit-bucket/a%00b' });
    const copy = await send({
      method: 'PUT',
      path: '/unit-bucket/copy',
      headers: { 'x-amz-copy-source': '/unit-bucket/a%00b' },
    });
    const list = await send({ method: 'GET', path: '/unit-bucket', query: 'list-type=2&prefix=a%00' });
    const token = Buffer.from('ka\u0000b', 'utf8').toString('base64url');
    const listAfter = await send({
      method: 'GET',
      path: '/unit-bucket',
      query: `list-type=2&continuation-token=${token}`,
    });

    // Assess
    for (const response of [put, get, copy, list, listAfter]) {
      expect(response.statusCode).toBe(400);
      expect(String(bodyBytes(response))).toContain('<Code>InvalidArgument</Code>');
    }
  });

  it('answers every response with an S3 request id and host id', async () => {
    const response = await send({ method: 'HEAD', path: '/unit-bucket' });
    expect(response.statusCode).toBe(200);
    expect(response.headers?.['x-amz-request-id']).toMatch(/^[0-9A-F]{16}$/);
    expect(response.headers?.['x-amz-id-2']).toBeTruthy();
  });

  it('maps a missing key to NoSuchKey XML carrying the same request id as the header', async () => {
    const response = await send({ method: 'GET', path: '/unit-bucket/missing%20key' });
    expect(response.statusCode).toBe(404);
    expect(response.headers?.['content-type']).toBe('application/xml');
    const xml = String(response.body);
    expect(xml).toContain('<Code>NoSuchKey</Code>');
    expect(xml).toContain('<Key>missing key</Key>');
    expect(xml).toContain(`<RequestId>${response.headers?.['x-amz-request-id']}</RequestId>`);
  });

  it('sends no body with a HEAD error', async () => {
    const response = await send({ method: 'HEAD', path: '/unit-bucket/missing' });
    expect(response.statusCode).toBe(404);
    expect(response.body).toBe('');
  });

  it('refuses unsupported sub-resources with NotImplemented instead of overwriting the object', async () => {
    await send({ method: 'PUT', path: '/unit-bucket/tagged', body: 'original' });
    const response = await send({
      method: 'PUT',
      path: '/unit-bucket/tagged',
      query: 'retention',
      body: '<Retention/>',
    });
    const get = await send({ method: 'GET', path: '/unit-bucket/tagged' });
    expect(response.statusCode).toBe(501);
    expect(String(response.body)).toContain('<Code>NotImplemented</Code>');
    expect(bodyBytes(get).toString()).toBe('original');
  });

  it('answers a write no storage node can take with a retryable 503 that leaks nothing', async () => {
    // Prepare: every node down, so the write fails deep in the storage layer.
    for (const node of unit.nodes) node.setDown(true);
    try {
      // Act
      const response = await send({ method: 'PUT', path: '/unit-bucket/doomed', body: 'x' });
      // Assess
      expect(response.statusCode).toBe(503);
      expect(String(response.body)).toContain('<Code>ServiceUnavailable</Code>');
      expect(String(response.body)).not.toMatch(/node-\d|replica|healthy|blob/i);
    } finally {
      for (const node of unit.nodes) node.setDown(false);
    }
    const get = await send({ method: 'GET', path: '/unit-bucket/doomed' });
    expect(get.statusCode).toBe(404);
  });

  it('turns an unexpected failure into InternalError without leaking its message', async () => {
    // Prepare: a metadata store that fails the way a bug would, with a telling message.
    const broken = await createUnitRuntime({
      ...unit.store,
      getBucket: () => Promise.reject(new TypeError('secret internals: cannot read x of undefined')),
      // The PGlite underneath belongs to the suite's runtime: closing this one must not close it.
      close: () => Promise.resolve(),
    });
    try {
      // Act
      const response = await createHandler(broken.runtime)(
        apiEvent({ method: 'HEAD', path: '/any-bucket' }),
        unitContext(),
      );
      const get = await createHandler(broken.runtime)(
        apiEvent({ method: 'GET', path: '/any-bucket/k' }),
        unitContext(),
      );
      // Assess
      expect(response.statusCode).toBe(500);
      expect(get.statusCode).toBe(500);
      expect(String(get.body)).toContain('<Code>InternalError</Code>');
      expect(String(get.body)).not.toContain('secret');
    } finally {
      await broken.runtime.close();
    }
  });

  it('records http_requests_total by operation and status', async () => {
    await send({ method: 'GET', path: '/unit-bucket', query: 'list-type=2' });
    const metrics = await unit.runtime.metrics.registry.metrics();
    expect(metrics).toMatch(
      /http_requests_total\{service="s3-api",operation="ListObjectsV2",method="GET",status="200"\} 1/,
    );
    expect(metrics).toMatch(
      /http_requests_total\{service="s3-api",operation="GetObject",method="GET",status="404"\} \d+/,
    );
  });

  it('opens a request span with the port calls as its children', async () => {
    // Prepare
    unit.spans.reset();
    // Act
    await send({ method: 'PUT', path: '/unit-bucket/traced', body: 'trace me' });
    // Assess
    const spans = unit.spans.getFinishedSpans();
    const request = spans.find((span) => span.kind === SpanKind.SERVER);
    expect(request?.attributes['rpc.method']).toBe('PutObject');
    const children = spans.filter((span) => span.parentSpanContext?.spanId === request?.spanContext().spanId);
    expect(children.map((span) => span.name)).toEqual(
      expect.arrayContaining(['metadata.getBucket', 'storage.put', 'metadata.putObject', 'queue.publish']),
    );
  });
});
