import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import {
  type ChecksumAlgorithm,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { rawRequest, sdkError } from '../support/e2e/http.js';
import { checksumBase64, quotedMd5, sha256Hex, uniqueBucketName } from '../support/e2e/payload.js';
import { type Target, useTarget } from '../support/e2e/server.js';

jest.setTimeout(120_000);

const MiB = 1024 * 1024;
// One random payload per file; smaller sizes are views of it.
const payload = randomBytes(64 * MiB);
// The 8-byte PNG signature and an IHDR chunk start: bytes a UTF-8 decoding would corrupt.
const png = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d]),
  Buffer.from('IHDR'),
  randomBytes(4096),
]);

let target: Target;
let bucket: string;

beforeAll(async () => {
  target = await useTarget();
  bucket = await target.createBucket('objects');
});

afterAll(async () => {
  await target?.close();
});

async function getBytes(key: string, extra: Partial<ConstructorParameters<typeof GetObjectCommand>[0]> = {}) {
  const got = await target.client.send(new GetObjectCommand({ Bucket: bucket, Key: key, ...extra }));
  const bytes = Buffer.from((await got.Body?.transformToByteArray()) ?? []);
  return { got, bytes };
}

describe('PutObject / GetObject / HeadObject / DeleteObject', () => {
  it.each([
    ['0 B', 0],
    ['1 B', 1],
    ['5 MiB', 5 * MiB],
    ['64 MiB', 64 * MiB],
  ])('round-trips %s byte-exact', async (_label, size) => {
    // Prepare
    const body = payload.subarray(0, size);
    const key = `sized/${size}`;

    // Act
    const put = await target.client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
    const { got, bytes } = await getBytes(key);
    const head = await target.client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    const deleted = await target.client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));

    // Assess
    expect(put.ETag).toBe(quotedMd5(body));
    expect(bytes.length).toBe(size);
    expect(sha256Hex(bytes)).toBe(sha256Hex(body));
    expect(got.ETag).toBe(put.ETag);
    expect(got.ContentLength).toBe(size);
    expect(head.ContentLength).toBe(size);
    expect(head.ETag).toBe(put.ETag);
    expect(head.LastModified).toBeInstanceOf(Date);
    expect(deleted.$metadata.httpStatusCode).toBe(204);
    expect(
      (await sdkError(target.client.send(new HeadObjectCommand({ Bucket: bucket, Key: key })))).status,
    ).toBe(404);
  });

  it('round-trips an image/png body byte-exact with its Content-Type', async () => {
    // Act
    await target.client.send(
      new PutObjectCommand({ Bucket: bucket, Key: 'pic.png', Body: png, ContentType: 'image/png' }),
    );
    const { got, bytes } = await getBytes('pic.png');

    // Assess
    expect(got.ContentType).toBe('image/png');
    expect(bytes.equals(png)).toBe(true);
  });

  it('round-trips system headers and user metadata; Content-Encoding stays gzip', async () => {
    // Prepare
    const body = gzipSync(Buffer.from('hello '.repeat(100)));
    const expires = new Date('2030-01-02T03:04:05Z');

    // Act
    await target.client.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: 'headers.txt.gz',
        Body: body,
        ContentType: 'text/plain; charset=utf-8',
        CacheControl: 'max-age=3600, public',
        ContentDisposition: 'attachment; filename="report.txt"',
        ContentEncoding: 'gzip',
        Expires: expires,
        Metadata: { owner: 'chaos-team', 'drill-id': '42' },
      }),
    );
    const { got, bytes } = await getBytes('headers.txt.gz');
    const head = await target.client.send(new HeadObjectCommand({ Bucket: bucket, Key: 'headers.txt.gz' }));

    // Assess
    for (const view of [got, head]) {
      expect(view.ContentType).toBe('text/plain; charset=utf-8');
      expect(view.CacheControl).toBe('max-age=3600, public');
      expect(view.ContentDisposition).toBe('attachment; filename="report.txt"');
      expect(view.ContentEncoding).toBe('gzip');
      expect(view.ExpiresString ?? view.Expires?.toUTCString()).toBe(expires.toUTCString());
      expect(view.Metadata).toEqual({ owner: 'chaos-team', 'drill-id': '42' });
    }
    expect(bytes.equals(body)).toBe(true);
  });

  it('never stores aws-chunked as the Content-Encoding of a streamed upload', async () => {
    // Prepare: a stream body makes the SDK send aws-chunked with a trailing checksum.
    const body = payload.subarray(0, 300 * 1024);

    // Act
    await target.client.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: 'streamed',
        Body: Readable.from([body]),
        ContentLength: body.length,
      }),
    );
    const { got, bytes } = await getBytes('streamed');

    // Assess
    expect(got.ContentEncoding ?? '').not.toContain('aws-chunked');
    expect(bytes.equals(body)).toBe(true);
  });
});

describe('checksums', () => {
  it.each(['CRC32', 'CRC32C', 'SHA1', 'SHA256', 'CRC64NVME'] as const)(
    'round-trips a %s checksum',
    async (algorithm) => {
      // Prepare
      const body = payload.subarray(1000, 1000 + 256 * 1024);
      const key = `checksum/${algorithm}`;
      const expected = await checksumBase64(algorithm, body);
      const field = `Checksum${algorithm}` as const;

      // Act
      const put = await target.client.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: key,
          Body: body,
          ChecksumAlgorithm: algorithm as ChecksumAlgorithm,
        }),
      );
      const { got, bytes } = await getBytes(key, { ChecksumMode: 'ENABLED' });

      // Assess
      expect(put[field]).toBe(expected);
      expect(got[field]).toBe(expected);
      expect(bytes.equals(body)).toBe(true);
    },
  );
});

describe('keys', () => {
  it.each([
    ['dot-dot path', '../../etc/passwd'],
    ['spaces, plus and percent', 'a b+c%20d'],
    ['unicode', 'ключ/日本語/😀'],
    ['1024 bytes', `${'k'.repeat(1020)}/end`],
  ])('round-trips the %s key exactly', async (_label, key) => {
    // Prepare
    const body = Buffer.from(`body of ${key}`);
    const keyBucket = await target.createBucket('keys');

    // Act
    await target.client.send(new PutObjectCommand({ Bucket: keyBucket, Key: key, Body: body }));
    const got = await target.client.send(new GetObjectCommand({ Bucket: keyBucket, Key: key }));
    const listed = await target.client.send(new ListObjectsV2Command({ Bucket: keyBucket }));

    // Assess
    expect(Buffer.from((await got.Body?.transformToByteArray()) ?? []).equals(body)).toBe(true);
    expect((listed.Contents ?? []).map((o) => o.Key)).toEqual([key]);
  });

  it('rejects a 1025-byte key with KeyTooLongError', async () => {
    // Act
    const error = await sdkError(
      target.client.send(new PutObjectCommand({ Bucket: bucket, Key: 'k'.repeat(1025), Body: 'x' })),
    );

    // Assess
    expect(error).toEqual({ name: 'KeyTooLongError', status: 400 });
  });
});

describe('missing objects', () => {
  it('GetObject answers NoSuchKey 404', async () => {
    // Act
    const error = await sdkError(
      target.client.send(new GetObjectCommand({ Bucket: bucket, Key: 'no/such/key' })),
    );

    // Assess
    expect(error).toEqual({ name: 'NoSuchKey', status: 404 });
  });

  it('GetObject in a missing bucket answers NoSuchBucket 404', async () => {
    // Act
    const error = await sdkError(
      target.client.send(new GetObjectCommand({ Bucket: uniqueBucketName('nobucket'), Key: 'k' })),
    );

    // Assess
    expect(error).toEqual({ name: 'NoSuchBucket', status: 404 });
  });

  it('HeadObject answers 404 with no body', async () => {
    // Act
    const response = await rawRequest(target.endpoint, { method: 'HEAD', path: `/${bucket}/no/such/key` });

    // Assess
    expect(response.status).toBe(404);
    expect(response.body.length).toBe(0);
    expect(response.headers['x-amz-request-id']).toEqual(expect.any(String));
  });
});
