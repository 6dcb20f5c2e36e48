import { randomBytes } from 'node:crypto';
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { expectS3Error, rawRequest, sdkError } from '../support/e2e/http.js';
import { type Target, useTarget } from '../support/e2e/server.js';

jest.setTimeout(60_000);

const body = randomBytes(1000);
const key = 'range/object.bin';

let target: Target;
let bucket: string;
let etag: string;
let lastModified: Date;

beforeAll(async () => {
  target = await useTarget();
  bucket = await target.createBucket('ranges');
  const put = await target.client.send(
    new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: 'application/octet-stream' }),
  );
  etag = put.ETag ?? '';
  const head = await target.client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
  lastModified = head.LastModified ?? new Date(0);
});

afterAll(async () => {
  await target?.close();
});

async function getRange(range: string) {
  const got = await target.client.send(new GetObjectCommand({ Bucket: bucket, Key: key, Range: range }));
  return { got, bytes: Buffer.from((await got.Body?.transformToByteArray()) ?? []) };
}

describe('Range', () => {
  it.each([
    ['first-last', 'bytes=10-19', 10, 20],
    ['open-ended', 'bytes=990-', 990, 1000],
    ['suffix', 'bytes=-5', 995, 1000],
    ['past the end, clamped', 'bytes=900-5000', 900, 1000],
    ['single byte', 'bytes=0-0', 0, 1],
    ['suffix longer than the object', 'bytes=-5000', 0, 1000],
  ])('serves a %s range with 206 and Content-Range', async (_label, range, start, end) => {
    // Act
    const { got, bytes } = await getRange(range);

    // Assess
    expect(got.$metadata.httpStatusCode).toBe(206);
    expect(got.ContentRange).toBe(`bytes ${start}-${end - 1}/1000`);
    expect(got.ContentLength).toBe(end - start);
    expect(bytes.equals(body.subarray(start, end))).toBe(true);
  });

  it('answers an unsatisfiable range with 416 InvalidRange', async () => {
    // Act
    const response = await rawRequest(target.endpoint, {
      method: 'GET',
      path: `/${bucket}/${key}`,
      headers: { range: 'bytes=1000-1001' },
    });

    // Assess
    expectS3Error(response, 'InvalidRange', 416);
  });
});

describe('conditional GET', () => {
  it('If-Match with the ETag serves the object', async () => {
    // Act
    const got = await target.client.send(new GetObjectCommand({ Bucket: bucket, Key: key, IfMatch: etag }));

    // Assess
    expect(got.$metadata.httpStatusCode).toBe(200);
    expect(got.ETag).toBe(etag);
  });

  it('If-Match with the unquoted ETag or * serves the object', async () => {
    // Act
    const unquoted = await rawRequest(target.endpoint, {
      method: 'GET',
      path: `/${bucket}/${key}`,
      headers: { 'if-match': etag.replaceAll('"', '') },
    });
    const star = await rawRequest(target.endpoint, {
      method: 'GET',
      path: `/${bucket}/${key}`,
      headers: { 'if-match': '*' },
    });

    // Assess
    expect([unquoted.status, star.status]).toEqual([200, 200]);
  });

  it('If-Match with another ETag answers 412 PreconditionFailed', async () => {
    // Act
    const response = await rawRequest(target.endpoint, {
      method: 'GET',
      path: `/${bucket}/${key}`,
      headers: { 'if-match': '"0123456789abcdef0123456789abcdef"' },
    });

    // Assess
    expectS3Error(response, 'PreconditionFailed', 412);
  });

  it('If-None-Match with the ETag answers 304 without a body', async () => {
    // Act
    const response = await rawRequest(target.endpoint, {
      method: 'GET',
      path: `/${bucket}/${key}`,
      headers: { 'if-none-match': etag },
    });

    // Assess
    expect(response.status).toBe(304);
    expect(response.body.length).toBe(0);
    expect(response.headers.etag).toBe(etag);
  });

  it('If-None-Match with another ETag serves the object', async () => {
    // Act
    const got = await target.client.send(
      new GetObjectCommand({ Bucket: bucket, Key: key, IfNoneMatch: '"other"' }),
    );

    // Assess
    expect(got.$metadata.httpStatusCode).toBe(200);
  });

  it('If-Modified-Since after the last change answers 304', async () => {
    // Act
    const error = await sdkError(
      target.client.send(
        new GetObjectCommand({
          Bucket: bucket,
          Key: key,
          IfModifiedSince: new Date(lastModified.getTime() + 60_000),
        }),
      ),
    );

    // Assess
    expect(error.status).toBe(304);
  });

  it('If-Modified-Since before the last change serves the object', async () => {
    // Act
    const got = await target.client.send(
      new GetObjectCommand({
        Bucket: bucket,
        Key: key,
        IfModifiedSince: new Date(lastModified.getTime() - 60_000),
      }),
    );

    // Assess
    expect(got.$metadata.httpStatusCode).toBe(200);
  });

  it('If-Unmodified-Since before the last change answers 412', async () => {
    // Act
    const response = await rawRequest(target.endpoint, {
      method: 'GET',
      path: `/${bucket}/${key}`,
      headers: { 'if-unmodified-since': new Date(lastModified.getTime() - 60_000).toUTCString() },
    });

    // Assess
    expectS3Error(response, 'PreconditionFailed', 412);
  });

  it('If-Unmodified-Since after the last change serves the object', async () => {
    // Act
    const got = await target.client.send(
      new GetObjectCommand({
        Bucket: bucket,
        Key: key,
        IfUnmodifiedSince: new Date(lastModified.getTime() + 60_000),
      }),
    );

    // Assess
    expect(got.$metadata.httpStatusCode).toBe(200);
  });

  it('HEAD with a failing If-Match answers 412 with no body', async () => {
    // Act
    const response = await rawRequest(target.endpoint, {
      method: 'HEAD',
      path: `/${bucket}/${key}`,
      headers: { 'if-match': '"nope"' },
    });

    // Assess
    expect(response.status).toBe(412);
    expect(response.body.length).toBe(0);
  });
});

describe('response-* overrides', () => {
  it('overrides Content-Type, Content-Disposition and Cache-Control of the response', async () => {
    // Act
    const got = await target.client.send(
      new GetObjectCommand({
        Bucket: bucket,
        Key: key,
        ResponseContentType: 'text/csv',
        ResponseContentDisposition: 'attachment; filename="data.csv"',
        ResponseCacheControl: 'no-store',
      }),
    );
    const bytes = Buffer.from((await got.Body?.transformToByteArray()) ?? []);

    // Assess
    expect(got.ContentType).toBe('text/csv');
    expect(got.ContentDisposition).toBe('attachment; filename="data.csv"');
    expect(got.CacheControl).toBe('no-store');
    expect(bytes.equals(body)).toBe(true);
  });

  it('leaves the stored metadata unchanged', async () => {
    // Act
    const head = await target.client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));

    // Assess
    expect(head.ContentType).toBe('application/octet-stream');
    expect(head.CacheControl).toBeUndefined();
  });
});
