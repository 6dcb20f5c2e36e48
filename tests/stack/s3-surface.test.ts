import {
  DeleteObjectCommand,
  GetBucketTaggingCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  PutBucketCorsCommand,
  PutBucketTaggingCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  PutObjectTaggingCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { createPresignedPost } from '@aws-sdk/s3-presigned-post';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { eventually } from '../support/e2e/faults.js';
import { expectS3Error, rawRequest } from '../support/e2e/http.js';
import { presignUrl } from '../support/e2e/presign.js';
import { s3Client, type Target, useTarget } from '../support/e2e/server.js';
import { blobReplicas } from '../support/stack/blobs.js';
import { killPart, stackUp } from '../support/stack/processes.js';
import { type StackEnv, stackEnv } from '../support/stack/stack-env.js';

/**
 * The S3 surface of issue 15 in stack mode: bucket configuration written through one
 * serverless-offline instance is in force on the other at once (the Redis metadata cache drops its
 * `bkt:` entry on every config write), the version headers, CORS answers and browser form uploads
 * come through nginx and the front untouched, and an old version is repaired like any object.
 */
jest.setTimeout(240_000);

let env: StackEnv;
let target: Target;
let onA: S3Client;
let onB: S3Client;
let A: string;
let B: string;

beforeAll(async () => {
  env = stackEnv();
  if (env.offlinePorts.length !== 2) throw new Error('STACK_OFFLINE_PORTS must name the two instances');
  [A, B] = env.offlinePorts.map((port) => `http://127.0.0.1:${port}`) as [string, string];
  target = await useTarget();
  onA = s3Client(A);
  onB = s3Client(B);
});

afterAll(async () => {
  // A failed run must not leave the next file a stack with a dead node.
  await stackUp();
  onA?.destroy();
  onB?.destroy();
  await target?.close();
});

async function bytesOf(client: S3Client, bucket: string, key: string, versionId?: string): Promise<Buffer> {
  const answer = await client.send(
    new GetObjectCommand({ Bucket: bucket, Key: key, ...(versionId ? { VersionId: versionId } : {}) }),
  );
  return Buffer.from((await answer.Body?.transformToByteArray()) ?? []);
}

/** Every byte value, `rounds` times over, so a body any layer decodes as text comes back different. */
function allByteValues(rounds: number): Buffer {
  return Buffer.concat(
    Array.from({ length: rounds }, () => Buffer.from(Array.from({ length: 256 }, (_, i) => i))),
  );
}

describe('versioning across the two instances', () => {
  it('enabled through A: writes through B get version ids; a delete marker through A is what B answers', async () => {
    // Prepare
    const bucket = await target.createBucket('surface-versions');
    const key = 'doc.txt';

    // Act
    await onA.send(
      new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } }),
    );
    const first = await onB.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: 'first' }));
    const second = await onB.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: 'second' }));
    const firstViaA = await bytesOf(onA, bucket, key, first.VersionId);
    const deleted = await onA.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    const afterDelete = await rawRequest(B, { method: 'GET', path: `/${bucket}/${key}` });
    const afterDeleteViaFront = await rawRequest(env.endpoint, { method: 'HEAD', path: `/${bucket}/${key}` });
    const throughFront = await rawRequest(env.endpoint, {
      method: 'HEAD',
      path: `/${bucket}/${key}?versionId=${encodeURIComponent(second.VersionId ?? '')}`,
    });

    // Assess
    expect(first.VersionId).toEqual(expect.any(String));
    expect(second.VersionId).toEqual(expect.any(String));
    expect(new Set([first.VersionId, second.VersionId, 'null']).size).toBe(3);
    expect(firstViaA.toString()).toBe('first');
    expect(deleted).toMatchObject({ DeleteMarker: true, VersionId: expect.any(String) });
    expectS3Error(afterDelete, 'NoSuchKey', 404);
    expect(afterDelete.headers['x-amz-delete-marker']).toBe('true');
    expect(afterDelete.headers['x-amz-version-id']).toBe(deleted.VersionId);
    expect(afterDeleteViaFront.status).toBe(404);
    expect(afterDeleteViaFront.headers['x-amz-delete-marker']).toBe('true');
    expect(afterDeleteViaFront.headers['x-amz-version-id']).toBe(deleted.VersionId);
    expect(throughFront.status).toBe(200);
    expect(throughFront.headers['x-amz-version-id']).toBe(second.VersionId);
  });
});

describe('tags across the two instances', () => {
  it('object and bucket tags put through A are read through B', async () => {
    // Prepare
    const bucket = await target.createBucket('surface-tags');
    await onA.send(new PutObjectCommand({ Bucket: bucket, Key: 'tagged', Body: 'x' }));
    // B caches the bucket record and the object before the tags change.
    await bytesOf(onB, bucket, 'tagged');

    // Act
    await onA.send(
      new PutObjectTaggingCommand({
        Bucket: bucket,
        Key: 'tagged',
        Tagging: { TagSet: [{ Key: 'team', Value: 'a' }] },
      }),
    );
    await onA.send(
      new PutBucketTaggingCommand({ Bucket: bucket, Tagging: { TagSet: [{ Key: 'cost', Value: 'c1' }] } }),
    );
    const objectTags = await onB.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: 'tagged' }));
    const bucketTags = await onB.send(new GetBucketTaggingCommand({ Bucket: bucket }));
    const head = await rawRequest(B, { method: 'HEAD', path: `/${bucket}/tagged` });

    // Assess
    expect(objectTags.TagSet).toEqual([{ Key: 'team', Value: 'a' }]);
    expect(bucketTags.TagSet).toEqual([{ Key: 'cost', Value: 'c1' }]);
    expect(head.headers['x-amz-tagging-count']).toBe('1');
  });
});

describe('CORS through nginx and the front', () => {
  it('answers preflights and actual requests from the rules set through A, headers untouched', async () => {
    // Prepare
    const bucket = await target.createBucket('surface-cors');
    const allowed = 'https://app.example';
    await onA.send(new PutObjectCommand({ Bucket: bucket, Key: 'page.json', Body: '{}' }));
    // B caches the bucket record (no CORS rules yet) before A sets them.
    await bytesOf(onB, bucket, 'page.json');

    // Act
    await onA.send(
      new PutBucketCorsCommand({
        Bucket: bucket,
        CORSConfiguration: {
          CORSRules: [
            {
              AllowedOrigins: [allowed],
              AllowedMethods: ['GET', 'PUT'],
              AllowedHeaders: ['content-type'],
              ExposeHeaders: ['ETag'],
              MaxAgeSeconds: 300,
            },
          ],
        },
      }),
    );
    const preflight = (origin: string, at = env.endpoint) =>
      rawRequest(at, {
        method: 'OPTIONS',
        path: `/${bucket}/page.json`,
        headers: {
          origin,
          'access-control-request-method': 'PUT',
          'access-control-request-headers': 'content-type',
        },
      });
    const granted = await preflight(allowed);
    const grantedOnB = await preflight(allowed, B);
    const refused = await preflight('https://evil.example');
    const actual = await rawRequest(env.endpoint, {
      method: 'GET',
      path: `/${bucket}/page.json`,
      headers: { origin: allowed },
    });
    const actualOther = await rawRequest(env.endpoint, {
      method: 'GET',
      path: `/${bucket}/page.json`,
      headers: { origin: 'https://evil.example' },
    });

    // Assess
    for (const answer of [granted, grantedOnB]) {
      expect(answer.status).toBe(200);
      expect(answer.headers['access-control-allow-origin']).toBe(allowed);
      expect(answer.headers['access-control-allow-methods']).toMatch(/PUT/);
      expect(answer.headers['access-control-allow-headers']).toMatch(/content-type/i);
      expect(answer.headers['access-control-max-age']).toBe('300');
    }
    expectS3Error(refused, 'AccessForbidden', 403);
    expect(refused.headers['access-control-allow-origin']).toBeUndefined();
    expect(actual.status).toBe(200);
    expect(actual.headers['access-control-allow-origin']).toBe(allowed);
    expect(actual.headers['access-control-expose-headers']).toMatch(/ETag/i);
    expect(actualOther.status).toBe(200);
    expect(actualOther.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('a browser form upload through nginx and the front', () => {
  it('stores the posted file byte for byte (every byte value), readable through B', async () => {
    // Prepare
    const bucket = await target.createBucket('surface-post');
    const body = allByteValues(64);
    const { url, fields } = await createPresignedPost(target.client, {
      Bucket: bucket,
      Key: 'uploads/bytes.bin',
      Conditions: [['content-length-range', 1, 1024 * 1024]],
      Expires: 600,
    });
    const form = new FormData();
    for (const [name, value] of Object.entries(fields)) form.append(name, value);
    form.append('file', new Blob([body], { type: 'application/octet-stream' }), 'bytes.bin');

    // Act
    const answer = await fetch(url, { method: 'POST', body: form, signal: AbortSignal.timeout(15_000) });
    await answer.arrayBuffer();
    const stored = await bytesOf(onB, bucket, 'uploads/bytes.bin');

    // Assess
    expect(new URL(url).origin).toBe(new URL(env.endpoint).origin);
    expect(answer.status).toBe(204);
    expect(stored.equals(body)).toBe(true);
  });
});

describe('bodies the emulator must not judge', () => {
  it('stores a PUT whose Content-Type is multipart/form-data without a boundary, and answers a malformed form as S3', async () => {
    // Prepare
    const bucket = await target.createBucket('surface-content-type');

    // Act
    const put = await rawRequest(env.endpoint, {
      method: 'PUT',
      path: `/${bucket}/form.txt`,
      headers: { 'content-type': 'multipart/form-data', 'content-length': 4 },
      body: 'abcd',
    });
    const head = await rawRequest(B, { method: 'HEAD', path: `/${bucket}/form.txt` });
    const post = await rawRequest(env.endpoint, {
      method: 'POST',
      path: `/${bucket}`,
      headers: { 'content-type': 'multipart/form-data', 'content-length': 4 },
      body: 'abcd',
    });

    // Assess
    expect(put.status).toBe(200);
    expect(head.headers['content-type']).toBe('multipart/form-data');
    expectS3Error(post, 'MalformedPOSTRequest', 400);
  });
});

describe('presigned URLs through the front', () => {
  it('answers 403 AccessDenied "Request has expired" to a URL past its X-Amz-Expires', async () => {
    // Prepare
    const bucket = await target.createBucket('surface-presign');
    await target.client.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'v' }));
    const expired = presignUrl(env.endpoint, 'GET', bucket, 'k', {
      expiresSeconds: 60,
      now: new Date(Date.now() - 3_600_000),
    });
    const valid = presignUrl(env.endpoint, 'GET', bucket, 'k', { expiresSeconds: 60 });

    // Act
    const refused = await rawRequest(env.endpoint, {
      method: 'GET',
      path: new URL(expired).pathname + new URL(expired).search,
    });
    const served = await rawRequest(env.endpoint, {
      method: 'GET',
      path: new URL(valid).pathname + new URL(valid).search,
    });

    // Assess
    const error = expectS3Error(refused, 'AccessDenied', 403);
    expect(error.Message).toBe('Request has expired');
    expect(served.status).toBe(200);
    expect(served.text).toBe('v');
  });
});

describe('an old version and the loss of a storage node', () => {
  it('survives kill -9 of a node holding a replica: repaired to R replicas, served byte-exact', async () => {
    // Prepare
    const bucket = await target.createBucket('surface-old-version');
    await onA.send(
      new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } }),
    );
    const oldBody = allByteValues(16);
    const before = new Set((await blobReplicas(env)).keys());
    const old = await onA.send(new PutObjectCommand({ Bucket: bucket, Key: 'kept', Body: oldBody }));
    const oldBlobs = [...(await blobReplicas(env))].filter(([blobId]) => !before.has(blobId));
    await onB.send(new PutObjectCommand({ Bucket: bucket, Key: 'kept', Body: 'current' }));
    expect(oldBlobs).toHaveLength(1);
    const [oldBlob, holders] = oldBlobs[0]!;
    const victim = holders[0]!;
    const live = env.nodeIds.filter((node) => node !== victim);

    // Act
    await killPart(env, victim);
    // Repair copies only what the metadata references: a reconcile pass that did not count old
    // versions would leave this blob under-replicated and collect it after the orphan grace period.
    const repaired = await eventually(
      async () => ((await blobReplicas(env)).get(oldBlob) ?? []).filter((node) => live.includes(node)),
      (nodes) => nodes.length >= env.replicas,
      { what: `the old version's blob on ${env.replicas} live nodes`, timeoutMs: 120_000, intervalMs: 500 },
    );
    await stackUp();
    const served = await bytesOf(target.client, bucket, 'kept', old.VersionId);
    const current = await bytesOf(target.client, bucket, 'kept');

    // Assess
    expect(holders).toHaveLength(env.replicas);
    expect(repaired.length).toBeGreaterThanOrEqual(env.replicas);
    expect(served.equals(oldBody)).toBe(true);
    expect(current.toString()).toBe('current');
  });
});
