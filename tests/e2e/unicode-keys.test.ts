import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import fc from 'fast-check';
import { sdkError } from '../support/e2e/http.js';
import { type Target, useTarget } from '../support/e2e/server.js';
import { KEY_EXAMPLES, KEY_PROPERTY_SEED, s3Key, withLeadingBom } from '../support/s3-keys.js';

jest.setTimeout(120_000);

let target: Target;
let bucket: string;

beforeAll(async () => {
  target = await useTarget();
  bucket = await target.createBucket('keys');
});

afterAll(async () => {
  await target?.close();
});

async function readBack(key: string): Promise<string> {
  const got = await target.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return (await got.Body?.transformToString()) ?? '';
}

/** A copy source header value: bucket/key with the key URL-encoded but its slashes kept. */
function copySource(key: string): string {
  return `${bucket}/${encodeURIComponent(key).replaceAll('%2F', '/')}`;
}

/** Uploads `body` as a one-part multipart upload of `key` and completes it; returns the ETag. */
async function multipartPut(key: string, body: string): Promise<string | undefined> {
  const { UploadId } = await target.client.send(
    new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }),
  );
  const part = await target.client.send(
    new UploadPartCommand({ Bucket: bucket, Key: key, UploadId, PartNumber: 1, Body: body }),
  );
  const completed = await target.client.send(
    new CompleteMultipartUploadCommand({
      Bucket: bucket,
      Key: key,
      UploadId,
      MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] },
    }),
  );
  return completed.ETag;
}

/** Every key under `prefix`, decoded from `encoding-type=url` (raw control characters are not XML). */
async function listKeys(prefix: string): Promise<string[]> {
  const listed = await target.client.send(
    new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, EncodingType: 'url' }),
  );
  return (listed.Contents ?? []).map((object) => decodeURIComponent(object.Key ?? ''));
}

describe('object keys round-trip byte for byte (AWS SDK v3)', () => {
  it('completes a multipart upload of "\uFEFFvictim" without touching "victim"', async () => {
    // Prepare
    await target.client.send(new PutObjectCommand({ Bucket: bucket, Key: 'victim', Body: 'the victim' }));

    // Act
    await multipartPut('\uFEFFvictim', 'the intruder');

    // Assess
    expect(await readBack('victim')).toBe('the victim');
    expect(await readBack('\uFEFFvictim')).toBe('the intruder');
    expect(await listKeys('')).toEqual(expect.arrayContaining(['victim', '\uFEFFvictim']));
  });

  it('keeps every random Unicode key: put, get, list, multipart, copy, delete', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(s3Key, async (key) => {
        // Prepare: the key and its U+FEFF twin, which must stay two objects.
        run += 1;
        const twin = withLeadingBom(key);
        const copy = `${key}\u0301copy`;

        // Act
        await target.client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: `single ${run}` }));
        await multipartPut(twin, `multipart ${run}`);
        await target.client.send(
          new CopyObjectCommand({ Bucket: bucket, Key: copy, CopySource: copySource(twin) }),
        );

        // Assess
        expect(await readBack(key)).toBe(`single ${run}`);
        expect(await readBack(twin)).toBe(`multipart ${run}`);
        expect(await readBack(copy)).toBe(`multipart ${run}`);
        expect(await listKeys(key)).toEqual(expect.arrayContaining([key, copy]));
        expect(await listKeys(twin)).toEqual([twin]);
        await target.client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
        const deleted = await target.client.send(
          new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: [{ Key: twin }, { Key: copy }] } }),
        );
        expect(deleted.Errors ?? []).toEqual([]);
        for (const gone of [key, twin, copy]) {
          const head = target.client.send(new HeadObjectCommand({ Bucket: bucket, Key: gone }));
          expect(await sdkError(head)).toEqual({ name: 'NotFound', status: 404 });
        }
      }),
      { seed: KEY_PROPERTY_SEED, numRuns: 25, examples: KEY_EXAMPLES },
    );
  });
});
