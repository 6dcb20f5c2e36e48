import { randomBytes } from 'node:crypto';
import {
  DeleteObjectCommand,
  GetBucketCorsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { TEST_CREDENTIALS } from '../support/e2e/clients.js';
import { expectS3Error, rawRequest, sdkError } from '../support/e2e/http.js';
import { presignUrl } from '../support/e2e/presign.js';
import { awsCli, type Target, useTarget } from '../support/e2e/server.js';

jest.setTimeout(60_000);

let target: Target;
let bucket: string;

beforeAll(async () => {
  target = await useTarget();
  bucket = await target.createBucket('presigned');
});

afterAll(async () => {
  await target?.close();
});

/** The path and query of a URL, for rawRequest (which sends it as it is). */
function pathOf(url: string): string {
  const parsed = new URL(url);
  return `${parsed.pathname}${parsed.search}`;
}

/** `2026-12-07T10:00:00Z`, as S3 writes times in its error elements. */
function isoSeconds(time: Date): string {
  return time.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

describe('SigV4 URLs from @aws-sdk/s3-request-presigner', () => {
  it('PUT, GET, HEAD and DELETE through presigned URLs, with no other credentials', async () => {
    // Prepare
    const body = randomBytes(2048);
    const Key = 'sdk/object.bin';
    const options = { expiresIn: 300 };
    const putUrl = await getSignedUrl(target.client, new PutObjectCommand({ Bucket: bucket, Key }), options);
    const getUrl = await getSignedUrl(target.client, new GetObjectCommand({ Bucket: bucket, Key }), options);
    const headUrl = await getSignedUrl(
      target.client,
      new HeadObjectCommand({ Bucket: bucket, Key }),
      options,
    );
    const deleteUrl = await getSignedUrl(
      target.client,
      new DeleteObjectCommand({ Bucket: bucket, Key }),
      options,
    );

    // Act
    const put = await fetch(putUrl, { method: 'PUT', body });
    const get = await fetch(getUrl);
    const bytes = Buffer.from(await get.arrayBuffer());
    const head = await fetch(headUrl, { method: 'HEAD' });
    const del = await fetch(deleteUrl, { method: 'DELETE' });
    const after = await sdkError(target.client.send(new HeadObjectCommand({ Bucket: bucket, Key })));

    // Assess
    expect(putUrl).toContain('X-Amz-Expires=300');
    expect([put.status, get.status, head.status, del.status]).toEqual([200, 200, 200, 204]);
    expect(bytes.equals(body)).toBe(true);
    expect(head.headers.get('content-length')).toBe('2048');
    expect(after).toEqual({ name: 'NotFound', status: 404 });
  });

  it('a URL signed two hours ago for 60 s -> 403 AccessDenied "Request has expired" with X-Amz-Expires, Expires, ServerTime', async () => {
    // Prepare
    await target.client.send(new PutObjectCommand({ Bucket: bucket, Key: 'expired.txt', Body: 'old' }));
    const signingDate = new Date(Date.now() - 2 * 3600_000);
    const url = await getSignedUrl(
      target.client,
      new GetObjectCommand({ Bucket: bucket, Key: 'expired.txt' }),
      {
        expiresIn: 60,
        signingDate,
      },
    );
    const before = Date.now();

    // Act
    const response = await rawRequest(target.endpoint, { method: 'GET', path: pathOf(url) });
    const head = await rawRequest(target.endpoint, { method: 'HEAD', path: pathOf(url) });

    // Assess
    const error = expectS3Error(response, 'AccessDenied', 403) as Record<string, string>;
    expect(error.Message).toBe('Request has expired');
    expect(error['X-Amz-Expires']).toBe('60');
    expect(error.Expires).toBe(
      isoSeconds(new Date(Math.floor(signingDate.getTime() / 1000) * 1000 + 60_000)),
    );
    expect(Date.parse(error.ServerTime ?? '')).toBeGreaterThanOrEqual(
      Math.floor(before / 1000) * 1000 - 1000,
    );
    expect(response.text).toMatch(
      /<Message>Request has expired<\/Message><X-Amz-Expires>60<\/X-Amz-Expires><Expires>/,
    );
    expect(head.status).toBe(403);
    expect(head.body.length).toBe(0);
  });

  it('a PUT through an expired URL stores nothing', async () => {
    // Prepare
    const url = await getSignedUrl(
      target.client,
      new PutObjectCommand({ Bucket: bucket, Key: 'never.txt' }),
      {
        expiresIn: 1,
        signingDate: new Date(Date.now() - 60_000),
      },
    );

    // Act
    const put = await fetch(url, { method: 'PUT', body: 'late' });
    await put.arrayBuffer();
    const after = await sdkError(
      target.client.send(new HeadObjectCommand({ Bucket: bucket, Key: 'never.txt' })),
    );

    // Assess
    expect(put.status).toBe(403);
    expect(after).toEqual({ name: 'NotFound', status: 404 });
  });
});

describe('malformed SigV4 query parameters -> 400 AuthorizationQueryParametersError', () => {
  const url = () => presignUrl(target.endpoint, 'GET', bucket, 'expired.txt', { expiresSeconds: 60 });

  it.each([
    [
      'X-Amz-Expires over a week',
      (u: URL) => u.searchParams.set('X-Amz-Expires', '604801'),
      'X-Amz-Expires must be less than a week (in seconds); that is, the given X-Amz-Expires must be less than 604800 seconds',
    ],
    [
      'X-Amz-Expires of 0',
      (u: URL) => u.searchParams.set('X-Amz-Expires', '0'),
      'X-Amz-Expires must be non-negative',
    ],
    [
      'X-Amz-Expires that is not a number',
      (u: URL) => u.searchParams.set('X-Amz-Expires', 'soon'),
      'X-Amz-Expires should be a number',
    ],
    [
      'an X-Amz-Date in another format',
      (u: URL) => u.searchParams.set('X-Amz-Date', '2026-12-07T10:00:00Z'),
      `X-Amz-Date must be in the ISO8601 Long Format "yyyyMMdd'T'HHmmss'Z'"`,
    ],
    [
      'no X-Amz-Credential',
      (u: URL) => u.searchParams.delete('X-Amz-Credential'),
      'Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.',
    ],
  ])('%s', async (_name, change, message) => {
    // Prepare
    const changed = new URL(url());
    change(changed);

    // Act
    const response = await rawRequest(target.endpoint, { method: 'GET', path: pathOf(changed.toString()) });

    // Assess
    expect(expectS3Error(response, 'AuthorizationQueryParametersError', 400).Message).toBe(message);
  });

  it('the longest allowed, 604800 s, is taken', async () => {
    // Act
    const response = await fetch(
      presignUrl(target.endpoint, 'GET', bucket, 'expired.txt', { expiresSeconds: 604_800 }),
    );

    // Assess
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('old');
  });
});

describe('aws-cli s3 presign', () => {
  it('a URL made with --expires-in reads the object', async () => {
    // Prepare
    await target.client.send(new PutObjectCommand({ Bucket: bucket, Key: 'cli/report.txt', Body: 'by cli' }));

    // Act
    const presigned = await awsCli(
      ['s3', 'presign', `s3://${bucket}/cli/report.txt`, '--expires-in', '120'],
      {
        endpoint: target.endpoint,
      },
    );
    const url = presigned.stdout.trim();
    const response = await fetch(url);

    // Assess
    expect(presigned.code).toBe(0);
    expect(url).toMatch(/X-Amz-Expires=120|Expires=\d+/);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('by cli');
  });
});

describe('SigV2 query-string URLs (AWSAccessKeyId, Expires, Signature)', () => {
  const v2 = (expires: number | string) =>
    `/${bucket}/expired.txt?AWSAccessKeyId=${TEST_CREDENTIALS.accessKeyId}&Expires=${expires}&Signature=c2lnbmF0dXJl`;

  it('Expires in the future: served', async () => {
    // Act
    const response = await rawRequest(target.endpoint, {
      method: 'GET',
      path: v2(Math.floor(Date.now() / 1000) + 600),
    });

    // Assess
    expect(response.status).toBe(200);
    expect(response.text).toBe('old');
  });

  it('Expires in the past: 403 AccessDenied "Request has expired" with Expires and ServerTime', async () => {
    // Prepare
    const expires = Math.floor(Date.now() / 1000) - 600;

    // Act
    const response = await rawRequest(target.endpoint, { method: 'GET', path: v2(expires) });

    // Assess
    const error = expectS3Error(response, 'AccessDenied', 403) as Record<string, string>;
    expect(error.Message).toBe('Request has expired');
    expect(error.Expires).toBe(isoSeconds(new Date(expires * 1000)));
    expect(error.ServerTime).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    expect(error['X-Amz-Expires']).toBeUndefined();
  });

  it('Expires that is not epoch seconds: 403 AccessDenied naming it', async () => {
    // Act
    const response = await rawRequest(target.endpoint, { method: 'GET', path: v2('tomorrow') });

    // Assess
    expect(expectS3Error(response, 'AccessDenied', 403).Message).toBe(
      'Invalid date (should be seconds since epoch): tomorrow',
    );
  });
});

describe('an expired URL is refused for every operation, sub-resources included', () => {
  it('ListObjectsV2 and GetBucketCors through expired URLs -> 403', async () => {
    // Prepare
    const client = target.client;
    const signingDate = new Date(Date.now() - 3600_000);
    const list = await getSignedUrl(client, new ListObjectsV2Command({ Bucket: bucket }), {
      expiresIn: 10,
      signingDate,
    });
    const cors = await getSignedUrl(client, new GetBucketCorsCommand({ Bucket: bucket }), {
      expiresIn: 10,
      signingDate,
    });

    // Act
    const listed = await rawRequest(target.endpoint, { method: 'GET', path: pathOf(list) });
    const corsRead = await rawRequest(target.endpoint, { method: 'GET', path: pathOf(cors) });

    // Assess
    expect(expectS3Error(listed, 'AccessDenied', 403).Message).toBe('Request has expired');
    expect(expectS3Error(corsRead, 'AccessDenied', 403).Message).toBe('Request has expired');
  });
});
