import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { multipartEtag, quotedMd5, sha256Hex, uniqueBucketName } from '../support/e2e/payload.js';
import { type EmbeddedServer, s3Client, startEmbeddedServer } from '../support/e2e/server.js';

jest.setTimeout(180_000);

const MiB = 1024 * 1024;
const parts = [randomBytes(5 * MiB), randomBytes(2 * MiB)];
const objects = new Map<string, Buffer>([
  ['empty', Buffer.alloc(0)],
  ['small.txt', Buffer.from('persist me')],
  ['nested/dir/медленно 😀.bin', randomBytes(300 * 1024)],
  ['big.bin', randomBytes(6 * MiB)],
]);

// Restarting needs a server of our own, even when S3_ENDPOINT names a shared one.
let dataDir: string;
let server: EmbeddedServer | undefined;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'mock-s3-persist-'));
});

afterAll(async () => {
  await server?.stop('SIGKILL');
  await rm(dataDir, { recursive: true, force: true });
});

async function read(
  client: S3Client,
  bucket: string,
  key: string,
): Promise<{ bytes: Buffer; etag: string | undefined }> {
  const got = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return { bytes: Buffer.from((await got.Body?.transformToByteArray()) ?? []), etag: got.ETag };
}

describe('persistence across a restart on the same DATA_DIR', () => {
  it('every object reads back with the same bytes and ETag, multipart included', async () => {
    // Prepare
    server = await startEmbeddedServer({ dataDir });
    let client = s3Client(server.endpoint);
    const bucket = uniqueBucketName('persist');
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
    for (const [key, body] of objects)
      await client.send(
        new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, Metadata: { kept: 'yes' } }),
      );
    const created = await client.send(
      new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'multipart.bin' }),
    );
    const etags: string[] = [];
    for (const [i, body] of parts.entries()) {
      const part = await client.send(
        new UploadPartCommand({
          Bucket: bucket,
          Key: 'multipart.bin',
          UploadId: created.UploadId,
          PartNumber: i + 1,
          Body: body,
        }),
      );
      etags.push(part.ETag ?? '');
    }
    await client.send(
      new CompleteMultipartUploadCommand({
        Bucket: bucket,
        Key: 'multipart.bin',
        UploadId: created.UploadId,
        MultipartUpload: { Parts: etags.map((ETag, i) => ({ ETag, PartNumber: i + 1 })) },
      }),
    );
    client.destroy();

    // Act
    const stopped = await server.stop('SIGTERM');
    server = await startEmbeddedServer({ dataDir });
    client = s3Client(server.endpoint);

    // Assess
    expect(stopped).toEqual({ code: 0, signal: null });
    for (const [key, body] of objects) {
      const { bytes, etag } = await read(client, bucket, key);
      expect({ key, sha256: sha256Hex(bytes), etag }).toEqual({
        key,
        sha256: sha256Hex(body),
        etag: quotedMd5(body),
      });
    }
    const multipart = await read(client, bucket, 'multipart.bin');
    expect(sha256Hex(multipart.bytes)).toBe(sha256Hex(Buffer.concat(parts)));
    expect(multipart.etag).toBe(multipartEtag(parts));
    const listed = await client.send(new ListObjectsV2Command({ Bucket: bucket }));
    expect((listed.Contents ?? []).map((o) => o.Key).sort()).toEqual(
      [...objects.keys(), 'multipart.bin'].sort(),
    );
    client.destroy();
    expect(await server.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    server = undefined;
  });
});
