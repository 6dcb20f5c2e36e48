import { randomBytes } from 'node:crypto';
import {
  CopyObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { expectS3Error, rawRequest, sdkError } from '../support/e2e/http.js';
import { mapLimit, md5Base64, quotedMd5 } from '../support/e2e/payload.js';
import { type Target, useTarget } from '../support/e2e/server.js';

jest.setTimeout(60_000);

const sourceBody = randomBytes(64 * 1024);
const sourceKey = 'source/original.bin';

let target: Target;
let bucket: string;

/** A copy source header value: bucket/key with the key URL-encoded but its slashes kept. */
function copySource(sourceBucket: string, key: string): string {
  return `${sourceBucket}/${encodeURIComponent(key).replaceAll('%2F', '/')}`;
}

beforeAll(async () => {
  target = await useTarget();
  bucket = await target.createBucket('copy');
  await target.client.send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: sourceKey,
      Body: sourceBody,
      ContentType: 'application/x-original',
      Metadata: { origin: 'source' },
    }),
  );
});

afterAll(async () => {
  await target?.close();
});

async function readBack(key: string): Promise<Buffer> {
  const got = await target.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return Buffer.from((await got.Body?.transformToByteArray()) ?? []);
}

describe('CopyObject', () => {
  it('copies bytes and metadata with MetadataDirective COPY', async () => {
    // Act
    const copied = await target.client.send(
      new CopyObjectCommand({
        Bucket: bucket,
        Key: 'copies/same.bin',
        CopySource: copySource(bucket, sourceKey),
        MetadataDirective: 'COPY',
      }),
    );
    const head = await target.client.send(new HeadObjectCommand({ Bucket: bucket, Key: 'copies/same.bin' }));

    // Assess
    expect(copied.CopyObjectResult?.ETag).toBe(quotedMd5(sourceBody));
    expect(copied.CopyObjectResult?.LastModified).toBeInstanceOf(Date);
    expect(head.ContentType).toBe('application/x-original');
    expect(head.Metadata).toEqual({ origin: 'source' });
    expect((await readBack('copies/same.bin')).equals(sourceBody)).toBe(true);
  });

  it('replaces metadata with MetadataDirective REPLACE', async () => {
    // Act
    await target.client.send(
      new CopyObjectCommand({
        Bucket: bucket,
        Key: 'copies/replaced.bin',
        CopySource: copySource(bucket, sourceKey),
        MetadataDirective: 'REPLACE',
        ContentType: 'text/plain',
        Metadata: { origin: 'replaced', extra: 'yes' },
      }),
    );
    const head = await target.client.send(
      new HeadObjectCommand({ Bucket: bucket, Key: 'copies/replaced.bin' }),
    );

    // Assess
    expect(head.ContentType).toBe('text/plain');
    expect(head.Metadata).toEqual({ origin: 'replaced', extra: 'yes' });
    expect((await readBack('copies/replaced.bin')).equals(sourceBody)).toBe(true);
  });

  it('copies an object onto itself when REPLACE changes its metadata', async () => {
    // Prepare
    await target.client.send(
      new PutObjectCommand({ Bucket: bucket, Key: 'self.txt', Body: 'self', ContentType: 'text/plain' }),
    );

    // Act
    await target.client.send(
      new CopyObjectCommand({
        Bucket: bucket,
        Key: 'self.txt',
        CopySource: copySource(bucket, 'self.txt'),
        MetadataDirective: 'REPLACE',
        ContentType: 'text/markdown',
      }),
    );
    const head = await target.client.send(new HeadObjectCommand({ Bucket: bucket, Key: 'self.txt' }));

    // Assess
    expect(head.ContentType).toBe('text/markdown');
    expect((await readBack('self.txt')).toString()).toBe('self');
  });

  it('honours a matching x-amz-copy-source-if-match', async () => {
    // Act
    const copied = await target.client.send(
      new CopyObjectCommand({
        Bucket: bucket,
        Key: 'copies/if-match.bin',
        CopySource: copySource(bucket, sourceKey),
        CopySourceIfMatch: quotedMd5(sourceBody),
      }),
    );

    // Assess
    expect(copied.CopyObjectResult?.ETag).toBe(quotedMd5(sourceBody));
  });

  it('answers 412 PreconditionFailed when x-amz-copy-source-if-match fails, and writes nothing', async () => {
    // Act
    const error = await sdkError(
      target.client.send(
        new CopyObjectCommand({
          Bucket: bucket,
          Key: 'copies/never.bin',
          CopySource: copySource(bucket, sourceKey),
          CopySourceIfMatch: '"0000"',
        }),
      ),
    );

    // Assess
    expect(error).toEqual({ name: 'PreconditionFailed', status: 412 });
    expect(
      (await sdkError(target.client.send(new HeadObjectCommand({ Bucket: bucket, Key: 'copies/never.bin' }))))
        .status,
    ).toBe(404);
  });

  it('answers 412 when x-amz-copy-source-if-none-match matches', async () => {
    // Act
    const error = await sdkError(
      target.client.send(
        new CopyObjectCommand({
          Bucket: bucket,
          Key: 'copies/never2.bin',
          CopySource: copySource(bucket, sourceKey),
          CopySourceIfNoneMatch: quotedMd5(sourceBody),
        }),
      ),
    );

    // Assess
    expect(error).toEqual({ name: 'PreconditionFailed', status: 412 });
  });

  it('copies from and to keys with special characters', async () => {
    // Prepare
    const specialSource = 'src dir/a+b%c ключ.bin';
    const specialTarget = 'dst dir/x+y%z 日本.bin';
    await target.client.send(new PutObjectCommand({ Bucket: bucket, Key: specialSource, Body: sourceBody }));

    // Act
    await target.client.send(
      new CopyObjectCommand({
        Bucket: bucket,
        Key: specialTarget,
        CopySource: copySource(bucket, specialSource),
      }),
    );

    // Assess
    expect((await readBack(specialTarget)).equals(sourceBody)).toBe(true);
  });

  it('answers NoSuchKey for a missing source', async () => {
    // Act
    const error = await sdkError(
      target.client.send(
        new CopyObjectCommand({
          Bucket: bucket,
          Key: 'copies/x',
          CopySource: copySource(bucket, 'missing/source'),
        }),
      ),
    );

    // Assess
    expect(error).toEqual({ name: 'NoSuchKey', status: 404 });
  });
});

describe('DeleteObjects', () => {
  async function seed(prefix: string, count: number): Promise<string[]> {
    const keys = Array.from({ length: count }, (_, i) => `${prefix}/${i}`);
    await mapLimit(keys, 16, (key) =>
      target.client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: key })),
    );
    return keys;
  }

  async function remaining(prefix: string): Promise<string[]> {
    const page = await target.client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: `${prefix}/` }));
    return (page.Contents ?? []).map((o) => o.Key ?? '');
  }

  it('verbose mode reports every key as Deleted, missing keys included', async () => {
    // Prepare
    const keys = await seed('verbose', 5);

    // Act
    const result = await target.client.send(
      new DeleteObjectsCommand({
        Bucket: bucket,
        Delete: { Objects: [...keys, 'verbose/missing'].map((Key) => ({ Key })), Quiet: false },
      }),
    );

    // Assess
    expect((result.Deleted ?? []).map((d) => d.Key).sort()).toEqual([...keys, 'verbose/missing'].sort());
    expect(result.Errors ?? []).toEqual([]);
    expect(await remaining('verbose')).toEqual([]);
  });

  it('quiet mode reports nothing and deletes everything', async () => {
    // Prepare
    const keys = await seed('quiet', 5);

    // Act
    const result = await target.client.send(
      new DeleteObjectsCommand({
        Bucket: bucket,
        Delete: { Objects: keys.map((Key) => ({ Key })), Quiet: true },
      }),
    );

    // Assess
    expect(result.Deleted ?? []).toEqual([]);
    expect(result.Errors ?? []).toEqual([]);
    expect(await remaining('quiet')).toEqual([]);
  });

  it('rejects more than 1,000 keys with MalformedXML', async () => {
    // Prepare
    const objects = Array.from({ length: 1001 }, (_, i) => `<Object><Key>bulk/${i}</Key></Object>`).join('');
    const body = `<?xml version="1.0" encoding="UTF-8"?><Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${objects}</Delete>`;

    // Act
    const response = await rawRequest(target.endpoint, {
      method: 'POST',
      path: `/${bucket}?delete`,
      headers: {
        'content-type': 'application/xml',
        'content-md5': md5Base64(body),
        'content-length': Buffer.byteLength(body),
      },
      body,
    });

    // Assess
    expectS3Error(response, 'MalformedXML', 400);
  });

  it('rejects malformed XML with MalformedXML', async () => {
    // Prepare
    const body = '<Delete><Object><Key>unclosed</Object>';

    // Act
    const response = await rawRequest(target.endpoint, {
      method: 'POST',
      path: `/${bucket}?delete`,
      headers: {
        'content-type': 'application/xml',
        'content-md5': md5Base64(body),
        'content-length': Buffer.byteLength(body),
      },
      body,
    });

    // Assess
    expectS3Error(response, 'MalformedXML', 400);
  });
});
