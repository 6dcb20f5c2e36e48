import { once } from 'node:events';
import { type IncomingMessage, request } from 'node:http';
import {
  CompleteMultipartUploadCommand,
  type CompleteMultipartUploadCommandInput,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  PutObjectCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { sdkError } from '../support/e2e/http.js';
import { quotedMd5 } from '../support/e2e/payload.js';
import { type Target, useTarget } from '../support/e2e/server.js';

jest.setTimeout(60_000);

let target: Target;
let bucket: string;

beforeAll(async () => {
  target = await useTarget();
  bucket = await target.createBucket('mpu-retry');
});

afterAll(async () => {
  await target?.close();
});

async function readBack(key: string): Promise<string> {
  const got = await target.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return (await got.Body?.transformToString()) ?? '';
}

async function createUpload(key: string): Promise<string> {
  const { UploadId } = await target.client.send(
    new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }),
  );
  return UploadId ?? '';
}

async function uploadPart(key: string, uploadId: string, partNumber: number, body: string): Promise<string> {
  const part = await target.client.send(
    new UploadPartCommand({
      Bucket: bucket,
      Key: key,
      UploadId: uploadId,
      PartNumber: partNumber,
      Body: body,
    }),
  );
  return part.ETag ?? '';
}

function complete(
  key: string,
  uploadId: string,
  parts: { PartNumber: number; ETag: string }[],
  condition: { IfNoneMatch?: string } = {},
) {
  const input: CompleteMultipartUploadCommandInput = {
    Bucket: bucket,
    Key: key,
    UploadId: uploadId,
    MultipartUpload: { Parts: parts },
    ...condition,
  };
  return target.client.send(new CompleteMultipartUploadCommand(input));
}

/**
 * An UploadPart sent by hand, its body held back: `send(first)` writes the headers (a Content-Length
 * of the whole body) and the first bytes; `finish()` writes the rest and resolves with the answer.
 */
function trickledPart(key: string, uploadId: string, partNumber: number, body: Buffer) {
  const url = new URL(target.endpoint);
  const req = request({
    host: url.hostname,
    port: url.port,
    method: 'PUT',
    path: `/${bucket}/${encodeURIComponent(key)}?partNumber=${partNumber}&uploadId=${encodeURIComponent(uploadId)}`,
    headers: { 'Content-Length': body.length },
    agent: false,
  });
  const answered = once(req, 'response') as Promise<[IncomingMessage]>;
  const half = Math.floor(body.length / 2);
  req.write(body.subarray(0, half));
  return {
    async finish(): Promise<{ status: number; etag: string | undefined }> {
      req.end(body.subarray(half));
      const [response] = await answered;
      response.resume();
      await once(response, 'end');
      return { status: response.statusCode ?? 0, etag: response.headers.etag };
    },
  };
}

describe('CompleteMultipartUpload retried after it succeeded', () => {
  it('answers the same parts again with 200 and the same ETag, changing nothing', async () => {
    // Prepare
    const key = 'retry/same-parts';
    const uploadId = await createUpload(key);
    const parts = [{ PartNumber: 1, ETag: await uploadPart(key, uploadId, 1, 'the only part') }];
    const first = await complete(key, uploadId, parts, { IfNoneMatch: '*' });

    // Act: the client lost the first answer and sends the request again.
    const repeated = await complete(key, uploadId, parts, { IfNoneMatch: '*' });

    // Assess: the key exists now, made by this very request, so If-None-Match is not failed on it.
    expect(repeated.ETag).toBe(first.ETag);
    expect(repeated.Location).toBe(first.Location);
    expect(repeated.Key).toBe(key);
    expect(await readBack(key)).toBe('the only part');
  });

  it('answers another parts list, or a key overwritten since, with NoSuchUpload', async () => {
    // Prepare
    const key = 'retry/other-parts';
    const uploadId = await createUpload(key);
    const etag = await uploadPart(key, uploadId, 1, 'part one');
    await complete(key, uploadId, [{ PartNumber: 1, ETag: etag }]);

    // Act
    const otherNumber = await sdkError(complete(key, uploadId, [{ PartNumber: 2, ETag: etag }]));
    const otherEtag = await sdkError(
      complete(key, uploadId, [{ PartNumber: 1, ETag: quotedMd5(Buffer.from('x')) }]),
    );
    await target.client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: 'overwritten' }));
    const afterOverwrite = await sdkError(complete(key, uploadId, [{ PartNumber: 1, ETag: etag }]));

    // Assess
    for (const refused of [otherNumber, otherEtag, afterOverwrite])
      expect(refused).toEqual({ name: 'NoSuchUpload', status: 404 });
    expect(await readBack(key)).toBe('overwritten');
  });
});

describe('a part re-sent while its first upload is in flight', () => {
  it('is defined by the upload that finishes last; Complete takes its ETag and refuses the other', async () => {
    // Prepare: the first upload of part 1 sends half its body and waits.
    const key = 'race/part-1';
    const uploadId = await createUpload(key);
    const slowBody = Buffer.from('slow first upload of part one, finishing last');
    const slow = trickledPart(key, uploadId, 1, slowBody);

    // Act: a second upload of part 1 overtakes it, then the first one finishes.
    const fastEtag = await uploadPart(key, uploadId, 1, 'fast second upload of part one');
    const slowAnswer = await slow.finish();
    const withFirstFinisher = await sdkError(complete(key, uploadId, [{ PartNumber: 1, ETag: fastEtag }]));
    const completed = await complete(key, uploadId, [{ PartNumber: 1, ETag: slowAnswer.etag ?? '' }]);

    // Assess
    expect(slowAnswer).toEqual({ status: 200, etag: quotedMd5(slowBody) });
    expect(withFirstFinisher).toEqual({ name: 'InvalidPart', status: 400 });
    expect(completed.ETag).toMatch(/-1"$/);
    expect(await readBack(key)).toBe(slowBody.toString());
  });
});

describe('CompleteMultipartUpload sent twice at once', () => {
  it('answers both with 200 and the same ETag', async () => {
    // Prepare: several uploads, so the two requests of at least one interleave in the server.
    const uploads = await Promise.all(
      Array.from({ length: 10 }, async (_, n) => {
        const key = `twice/${n}`;
        const uploadId = await createUpload(key);
        return {
          key,
          uploadId,
          parts: [{ PartNumber: 1, ETag: await uploadPart(key, uploadId, 1, `part ${n}`) }],
        };
      }),
    );

    // Act
    const answers = await Promise.all(
      uploads.flatMap(({ key, uploadId, parts }) => [
        complete(key, uploadId, parts),
        complete(key, uploadId, parts),
      ]),
    );

    // Assess
    for (const [n, { key }] of uploads.entries()) {
      expect(answers[2 * n + 1]?.ETag).toBe(answers[2 * n]?.ETag);
      expect(await readBack(key)).toBe(`part ${n}`);
    }
  });
});
