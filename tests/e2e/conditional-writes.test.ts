import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  ListPartsCommand,
  PutObjectCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { expectS3Error, rawRequest, sdkError } from '../support/e2e/http.js';
import { type Target, useTarget } from '../support/e2e/server.js';

jest.setTimeout(60_000);

let target: Target;
let bucket: string;

beforeAll(async () => {
  target = await useTarget();
  bucket = await target.createBucket('cond');
});

afterAll(async () => {
  await target?.close();
});

async function readBack(key: string): Promise<string> {
  const got = await target.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return (await got.Body?.transformToString()) ?? '';
}

function put(key: string, body: string, condition: { IfNoneMatch?: string; IfMatch?: string } = {}) {
  return target.client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ...condition }));
}

/** A one-part upload of `key` ready to complete: its id and the part list to complete it with. */
async function uploadOnePart(key: string, body: string) {
  const { UploadId } = await target.client.send(
    new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }),
  );
  const part = await target.client.send(
    new UploadPartCommand({ Bucket: bucket, Key: key, UploadId, PartNumber: 1, Body: body }),
  );
  return { UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] } };
}

describe('conditional writes on PutObject', () => {
  it('If-None-Match: * creates a missing key and answers 412 PreconditionFailed once it exists', async () => {
    // Act
    const created = await put('inm/once', 'first', { IfNoneMatch: '*' });
    const again = await sdkError(put('inm/once', 'second', { IfNoneMatch: '*' }));

    // Assess
    expect(created.ETag).toBeDefined();
    expect(again).toEqual({ name: 'PreconditionFailed', status: 412 });
    expect(await readBack('inm/once')).toBe('first');
  });

  it('If-Match writes over the object of that ETag only; a missing key is 404 NoSuchKey', async () => {
    // Prepare
    const first = await put('im/k', 'v1');

    // Act
    const replaced = await put('im/k', 'v2', { IfMatch: first.ETag });
    const stale = await sdkError(put('im/k', 'v3', { IfMatch: first.ETag }));
    const missing = await sdkError(put('im/none', 'v1', { IfMatch: first.ETag }));

    // Assess
    expect(replaced.ETag).not.toBe(first.ETag);
    expect(stale).toEqual({ name: 'PreconditionFailed', status: 412 });
    expect(missing).toEqual({ name: 'NoSuchKey', status: 404 });
    expect(await readBack('im/k')).toBe('v2');
    expect(await sdkError(readBack('im/none'))).toEqual({ name: 'NoSuchKey', status: 404 });
  });

  it('answers If-None-Match with an ETag instead of * with 501 NotImplemented, writing nothing', async () => {
    // Act
    const response = await rawRequest(target.endpoint, {
      method: 'PUT',
      path: `/${bucket}/inm/etag-value`,
      headers: { 'If-None-Match': '"0123456789abcdef0123456789abcdef"', 'Content-Length': 1 },
      body: 'x',
    });

    // Assess
    expectS3Error(response, 'NotImplemented', 501);
    expect(await sdkError(readBack('inm/etag-value'))).toEqual({ name: 'NoSuchKey', status: 404 });
  });

  it('lets exactly one of concurrent If-None-Match: * PUTs of a key win; the others get 412 or 409', async () => {
    // Act
    const outcomes = await Promise.allSettled(
      Array.from({ length: 6 }, (_, n) => put('inm/race', `writer ${n}`, { IfNoneMatch: '*' })),
    );

    // Assess
    const won = outcomes.flatMap((outcome, n) => (outcome.status === 'fulfilled' ? [n] : []));
    expect(won).toHaveLength(1);
    const lost = outcomes.flatMap((outcome) =>
      outcome.status === 'rejected' ? [(outcome.reason as { name: string }).name] : [],
    );
    for (const code of lost) expect(['PreconditionFailed', 'ConditionalRequestConflict']).toContain(code);
    expect(await readBack('inm/race')).toBe(`writer ${won[0]}`);
  });
});

describe('conditional writes on CompleteMultipartUpload', () => {
  it('If-None-Match: * answers 412 when the key was written during the upload, keeping the upload', async () => {
    // Prepare
    const upload = await uploadOnePart('mpu/inm', 'multipart');
    await put('mpu/inm', 'written meanwhile');

    // Act
    const refused = await sdkError(
      target.client.send(
        new CompleteMultipartUploadCommand({ Bucket: bucket, Key: 'mpu/inm', IfNoneMatch: '*', ...upload }),
      ),
    );

    // Assess
    expect(refused).toEqual({ name: 'PreconditionFailed', status: 412 });
    expect(await readBack('mpu/inm')).toBe('written meanwhile');
    const parts = await target.client.send(
      new ListPartsCommand({ Bucket: bucket, Key: 'mpu/inm', UploadId: upload.UploadId }),
    );
    expect(parts.Parts).toHaveLength(1);
  });

  it('If-Match completes over the object of that ETag, and 412 after it changed', async () => {
    // Prepare
    const current = await put('mpu/im', 'before');
    const upload = await uploadOnePart('mpu/im', 'multipart');
    const stale = await uploadOnePart('mpu/im', 'stale');

    // Act
    const completed = await target.client.send(
      new CompleteMultipartUploadCommand({ Bucket: bucket, Key: 'mpu/im', IfMatch: current.ETag, ...upload }),
    );
    const refused = await sdkError(
      target.client.send(
        new CompleteMultipartUploadCommand({
          Bucket: bucket,
          Key: 'mpu/im',
          IfMatch: current.ETag,
          ...stale,
        }),
      ),
    );

    // Assess
    expect(completed.ETag).toMatch(/-1"$/);
    expect(refused).toEqual({ name: 'PreconditionFailed', status: 412 });
    expect(await readBack('mpu/im')).toBe('multipart');
  });

  it('If-None-Match: * completes an upload whose key is free', async () => {
    // Prepare
    const upload = await uploadOnePart('mpu/free', 'multipart');

    // Act
    const completed = await target.client.send(
      new CompleteMultipartUploadCommand({ Bucket: bucket, Key: 'mpu/free', IfNoneMatch: '*', ...upload }),
    );

    // Assess
    expect(completed.ETag).toMatch(/-1"$/);
    expect(await readBack('mpu/free')).toBe('multipart');
  });
});
