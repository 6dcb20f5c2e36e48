import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, statfsSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateMultipartUploadCommand, PutObjectCommand, UploadPartCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { type FaultTarget, NODE_IDS, startFaultServer } from '../support/e2e/faults.js';
import { expectS3Error, rawRequest, sdkError } from '../support/e2e/http.js';

jest.setTimeout(120_000);

/**
 * A real full disk, not an injected fault: the storage nodes' directory (`DATA_DIR/nodes`) is a
 * 2 MiB tmpfs filled to within a few KiB, so every replica write meets ENOSPC from the kernel, and
 * the metadata database's (`DATA_DIR/metadata`) a 64 MiB tmpfs, filled by the last test. The client
 * must see what the `capacity` fault answers: 507 StorageFull. Needs root (mount).
 */
let dataDir: string;
let nodesDir: string;
let metadataDir: string;
const mounted: string[] = [];
let target: FaultTarget | undefined;
let bucket: string;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'mock-s3-disk-full-'));
  nodesDir = join(dataDir, 'nodes');
  metadataDir = join(dataDir, 'metadata');
  mkdirSync(nodesDir);
  mkdirSync(metadataDir);
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', nodesDir]);
  mounted.push(nodesDir);
  // PGlite's files take ~35 MB; the last test fills the rest.
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64m', 'tmpfs', metadataDir]);
  mounted.push(metadataDir);
  target = await startFaultServer({ dataDir });
  bucket = await target.createBucket('disk-full');
  // Everything but a few KiB goes to a filler file: a 64 KiB replica no longer fits anywhere.
  const { bavail, bsize } = statfsSync(nodesDir);
  writeFileSync(join(nodesDir, 'filler'), Buffer.alloc(Math.max(0, bavail * bsize - 8 * 1024)));
});

afterAll(async () => {
  await target?.close();
  for (const dir of mounted) execFileSync('umount', [dir]);
  await rm(dataDir, { recursive: true, force: true });
});

const body = () => randomBytes(64 * 1024);

describe('a real full disk under the storage nodes', () => {
  it('PutObject gets 507 StorageFull (S3 XML with a request id), and no temp file is left', async () => {
    // Act
    const response = await rawRequest(target!.endpoint, {
      method: 'PUT',
      path: `/${bucket}/full/raw`,
      body: body(),
    });
    const sdk = await sdkError(
      target!.client.send(new PutObjectCommand({ Bucket: bucket, Key: 'full/sdk', Body: body() })),
    );

    // Assess
    expectS3Error(response, 'StorageFull', 507);
    expect(sdk).toEqual({ name: 'StorageFull', status: 507 });
    for (const node of NODE_IDS) expect(readdirSync(join(nodesDir, node, 'tmp'))).toEqual([]);
  });

  it('UploadPart gets 507 StorageFull; CreateMultipartUpload, which stores no bytes, succeeds', async () => {
    // Act
    const created = await target!.client.send(
      new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'full/multipart' }),
    );
    const part = await sdkError(
      target!.client.send(
        new UploadPartCommand({
          Bucket: bucket,
          Key: 'full/multipart',
          UploadId: created.UploadId,
          PartNumber: 1,
          Body: body(),
        }),
      ),
    );

    // Assess
    expect(created.UploadId).toEqual(expect.any(String));
    expect(part).toEqual({ name: 'StorageFull', status: 507 });
  });
});

describe('a real full disk under the metadata database', () => {
  it('CreateMultipartUpload gets 507 StorageFull once the database cannot grow, never a 500 or 503', async () => {
    // Prepare: the rest of the metadata tmpfs filled (PGlite's own files took ~35 MB of it)
    const { bavail, bsize } = statfsSync(metadataDir);
    writeFileSync(join(metadataDir, 'filler'), Buffer.alloc(Math.max(0, bavail * bsize - 4 * 1024)));

    // Act: uploads with 1.5 KiB of user metadata each, until the database needs a page it cannot have
    const answers: { name: string; status: number | undefined }[] = [];
    for (let i = 0; i < 100 && !answers.some((a) => a.status !== 200); i++) {
      const create = target!.client.send(
        new CreateMultipartUploadCommand({
          Bucket: bucket,
          Key: `metadata-full/upload-${i}`,
          Metadata: { pad: 'x'.repeat(1536) },
        }),
      );
      answers.push(await create.then(() => ({ name: 'ok', status: 200 })).catch((e) => sdkErrorOf(e)));
    }

    // Assess
    const refusals = answers.filter((answer) => answer.status !== 200);
    expect(refusals).toEqual([{ name: 'StorageFull', status: 507 }]);
  });
});

/** What the SDK made of a failed call: its code (`name`) and HTTP status. */
function sdkErrorOf(error: unknown): { name: string; status: number | undefined } {
  const e = error as { name: string; $metadata?: { httpStatusCode?: number } };
  return { name: e.name, status: e.$metadata?.httpStatusCode };
}
