import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListPartsCommand,
  PutObjectCommand,
  UploadPartCommand,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { sdkError } from '../support/e2e/http.js';
import {
  multipartEtag,
  sha256Hex,
  sha256OfFile,
  sha256OfStream,
  writeRandomFile,
} from '../support/e2e/payload.js';
import { awsCli, type Target, useTarget } from '../support/e2e/server.js';

jest.setTimeout(300_000);

const MiB = 1024 * 1024;
const parts = [randomBytes(5 * MiB), randomBytes(5 * MiB), randomBytes(1 * MiB)];
const BIG_SIZE = 100 * MiB;

let target: Target;
let bucket: string;
let workDir: string;
let bigFile: string;
let bigSha256: string;

beforeAll(async () => {
  target = await useTarget();
  bucket = await target.createBucket('multipart');
  workDir = await mkdtemp(join(tmpdir(), 'mock-s3-mpu-'));
  bigFile = join(workDir, 'big.bin');
  bigSha256 = await writeRandomFile(bigFile, BIG_SIZE);
});

afterAll(async () => {
  await target?.close();
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

async function createUpload(key: string): Promise<string> {
  const created = await target.client.send(
    new CreateMultipartUploadCommand({ Bucket: bucket, Key: key, ContentType: 'application/x-parts' }),
  );
  return created.UploadId ?? '';
}

async function uploadParts(
  key: string,
  uploadId: string,
  bodies: readonly Buffer[],
): Promise<{ PartNumber: number; ETag: string }[]> {
  const uploaded = [];
  for (const [i, body] of bodies.entries()) {
    const part = await target.client.send(
      new UploadPartCommand({ Bucket: bucket, Key: key, UploadId: uploadId, PartNumber: i + 1, Body: body }),
    );
    uploaded.push({ PartNumber: i + 1, ETag: part.ETag ?? '' });
  }
  return uploaded;
}

function complete(key: string, uploadId: string, completed: { PartNumber: number; ETag: string }[]) {
  return target.client.send(
    new CompleteMultipartUploadCommand({
      Bucket: bucket,
      Key: key,
      UploadId: uploadId,
      MultipartUpload: { Parts: completed },
    }),
  );
}

describe('multipart upload', () => {
  it('completes 3 parts (5, 5, 1 MiB) with the md5-of-md5s ETag and the exact bytes', async () => {
    // Prepare
    const key = 'mpu/three-parts.bin';
    const uploadId = await createUpload(key);
    const uploaded = await uploadParts(key, uploadId, parts);

    // Act
    const completed = await complete(key, uploadId, uploaded);
    const got = await target.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const bytes = Buffer.from((await got.Body?.transformToByteArray()) ?? []);

    // Assess
    expect(completed.ETag).toBe(multipartEtag(parts));
    expect(completed.Key).toBe(key);
    expect(got.ETag).toBe(multipartEtag(parts));
    expect(got.ContentType).toBe('application/x-parts');
    expect(sha256Hex(bytes)).toBe(sha256Hex(Buffer.concat(parts)));
  });

  it('ListParts and ListMultipartUploads show an upload in progress', async () => {
    // Prepare
    const key = 'mpu/in-progress.bin';
    const uploadId = await createUpload(key);
    const uploaded = await uploadParts(key, uploadId, parts.slice(0, 2));

    // Act
    const listedParts = await target.client.send(
      new ListPartsCommand({ Bucket: bucket, Key: key, UploadId: uploadId }),
    );
    const uploads = await target.client.send(new ListMultipartUploadsCommand({ Bucket: bucket }));

    // Assess
    expect((listedParts.Parts ?? []).map((p) => [p.PartNumber, p.ETag, p.Size])).toEqual([
      [1, uploaded[0]?.ETag, 5 * MiB],
      [2, uploaded[1]?.ETag, 5 * MiB],
    ]);
    expect(listedParts.IsTruncated).toBe(false);
    expect((uploads.Uploads ?? []).map((u) => [u.Key, u.UploadId])).toContainEqual([key, uploadId]);
    await target.client.send(
      new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId }),
    );
  });

  it('AbortMultipartUpload ends the upload: later calls answer NoSuchUpload', async () => {
    // Prepare
    const key = 'mpu/aborted.bin';
    const uploadId = await createUpload(key);
    await uploadParts(key, uploadId, [parts[2] as Buffer]);

    // Act
    const aborted = await target.client.send(
      new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId }),
    );

    // Assess
    expect(aborted.$metadata.httpStatusCode).toBe(204);
    expect(
      await sdkError(
        target.client.send(new ListPartsCommand({ Bucket: bucket, Key: key, UploadId: uploadId })),
      ),
    ).toEqual({ name: 'NoSuchUpload', status: 404 });
    expect(
      await sdkError(
        target.client.send(
          new UploadPartCommand({ Bucket: bucket, Key: key, UploadId: uploadId, PartNumber: 2, Body: 'x' }),
        ),
      ),
    ).toEqual({
      name: 'NoSuchUpload',
      status: 404,
    });
    expect(
      (await sdkError(target.client.send(new HeadObjectCommand({ Bucket: bucket, Key: key })))).status,
    ).toBe(404);
    const uploads = await target.client.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
    expect((uploads.Uploads ?? []).map((u) => u.UploadId)).not.toContain(uploadId);
  });

  it('rejects a non-last part under 5 MiB with EntityTooSmall', async () => {
    // Prepare
    const key = 'mpu/too-small.bin';
    const uploadId = await createUpload(key);
    const uploaded = await uploadParts(key, uploadId, [parts[2] as Buffer, parts[2] as Buffer]);

    // Act
    const error = await sdkError(complete(key, uploadId, uploaded));

    // Assess
    expect(error).toEqual({ name: 'EntityTooSmall', status: 400 });
  });

  it('rejects parts out of order with InvalidPartOrder', async () => {
    // Prepare
    const key = 'mpu/out-of-order.bin';
    const uploadId = await createUpload(key);
    const uploaded = await uploadParts(key, uploadId, parts.slice(0, 2));

    // Act
    const error = await sdkError(complete(key, uploadId, [...uploaded].reverse()));

    // Assess
    expect(error).toEqual({ name: 'InvalidPartOrder', status: 400 });
  });

  it('rejects a wrong part ETag with InvalidPart', async () => {
    // Prepare
    const key = 'mpu/wrong-etag.bin';
    const uploadId = await createUpload(key);
    const uploaded = await uploadParts(key, uploadId, parts.slice(1, 3));

    // Act
    const error = await sdkError(
      complete(key, uploadId, [
        { PartNumber: 1, ETag: '"00000000000000000000000000000000"' },
        uploaded[1] as { PartNumber: number; ETag: string },
      ]),
    );

    // Assess
    expect(error).toEqual({ name: 'InvalidPart', status: 400 });
  });

  it('UploadPartCopy copies a byte range of another object into a part', async () => {
    // Prepare
    const source = Buffer.concat([parts[0] as Buffer, parts[2] as Buffer]);
    await target.client.send(
      new PutObjectCommand({ Bucket: bucket, Key: 'mpu/copy-source.bin', Body: source }),
    );
    const key = 'mpu/from-copy.bin';
    const uploadId = await createUpload(key);
    const tail = Buffer.from('tail part');

    // Act
    const copied = await target.client.send(
      new UploadPartCopyCommand({
        Bucket: bucket,
        Key: key,
        UploadId: uploadId,
        PartNumber: 1,
        CopySource: `${bucket}/mpu/copy-source.bin`,
        CopySourceRange: `bytes=${MiB}-${6 * MiB - 1}`,
      }),
    );
    const last = await target.client.send(
      new UploadPartCommand({ Bucket: bucket, Key: key, UploadId: uploadId, PartNumber: 2, Body: tail }),
    );
    const completed = await complete(key, uploadId, [
      { PartNumber: 1, ETag: copied.CopyPartResult?.ETag ?? '' },
      { PartNumber: 2, ETag: last.ETag ?? '' },
    ]);
    const got = await target.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const bytes = Buffer.from((await got.Body?.transformToByteArray()) ?? []);

    // Assess
    const expectedPart = source.subarray(MiB, 6 * MiB);
    expect(completed.ETag).toBe(multipartEtag([expectedPart, tail]));
    expect(sha256Hex(bytes)).toBe(sha256Hex(Buffer.concat([expectedPart, tail])));
  });
});

describe('100 MiB through real clients', () => {
  it('@aws-sdk/lib-storage Upload (default settings), then SDK and aws-cli downloads match', async () => {
    // Act
    const upload = new Upload({
      client: target.client,
      params: { Bucket: bucket, Key: 'big/lib-storage.bin', Body: createReadStream(bigFile) },
    });
    const done = await upload.done();
    const got = await target.client.send(
      new GetObjectCommand({ Bucket: bucket, Key: 'big/lib-storage.bin' }),
    );
    const viaSdk = await sha256OfStream(got.Body as Readable);
    const downloaded = join(workDir, 'down-lib-storage.bin');
    const cli = await awsCli(
      ['s3', 'cp', `s3://${bucket}/big/lib-storage.bin`, downloaded, '--no-progress'],
      { endpoint: target.endpoint },
    );

    // Assess
    expect(done.ETag).toMatch(/^"[0-9a-f]{32}-20"$/);
    expect(viaSdk).toEqual({ hex: bigSha256, bytes: BIG_SIZE });
    expect(cli).toMatchObject({ code: 0 });
    expect(await sha256OfFile(downloaded)).toEqual({ hex: bigSha256, bytes: BIG_SIZE });
    await rm(downloaded);
  });

  it('aws s3 cp (multipart above 8 MiB), then SDK and aws-cli downloads match', async () => {
    // Act
    const up = await awsCli(['s3', 'cp', bigFile, `s3://${bucket}/big/aws-cli.bin`, '--no-progress'], {
      endpoint: target.endpoint,
    });
    const head = await target.client.send(new HeadObjectCommand({ Bucket: bucket, Key: 'big/aws-cli.bin' }));
    const got = await target.client.send(new GetObjectCommand({ Bucket: bucket, Key: 'big/aws-cli.bin' }));
    const viaSdk = await sha256OfStream(got.Body as Readable);
    const downloaded = join(workDir, 'down-aws-cli.bin');
    const down = await awsCli(['s3', 'cp', `s3://${bucket}/big/aws-cli.bin`, downloaded, '--no-progress'], {
      endpoint: target.endpoint,
    });

    // Assess
    expect(up).toMatchObject({ code: 0 });
    expect(head.ETag).toMatch(/^"[0-9a-f]{32}-13"$/);
    expect(head.ContentLength).toBe(BIG_SIZE);
    expect(viaSdk).toEqual({ hex: bigSha256, bytes: BIG_SIZE });
    expect(down).toMatchObject({ code: 0 });
    expect(await sha256OfFile(downloaded)).toEqual({ hex: bigSha256, bytes: BIG_SIZE });
    await rm(downloaded);
  });
});
