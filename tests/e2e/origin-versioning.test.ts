import {
  DeleteObjectCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  ListObjectVersionsCommand,
  PutBucketEncryptionCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { blobReplicas, eventually } from '../support/e2e/faults.js';
import { expectS3Error, rawRequest } from '../support/e2e/http.js';
import { scrape, sumOf } from '../support/e2e/metrics.js';
import { putOrigin } from '../support/e2e/origins.js';
import { uniqueBucketName } from '../support/e2e/payload.js';
import { type EmbeddedServer, s3Client, startEmbeddedServer } from '../support/e2e/server.js';
import { type OriginGate, startOrigin, startOriginGate, type TestOrigin } from '../support/origin/index.js';

/**
 * Origin fallback in versioned buckets (docs/origin.md, "Versioned buckets"): the local bucket's
 * versions are its own. A delete marker is authoritative (no read-through), a versionId names a local
 * version (never read through), and a write-back is a version like a PUT's, which still loses to a
 * client PUT that committed first. The origin is a second instance of this project (it counts the
 * GETs it serves), behind a gate that can hold its answers.
 */
jest.setTimeout(120_000);

let server: EmbeddedServer;
let origin: TestOrigin;
let gate: OriginGate;
let client: S3Client;

beforeAll(async () => {
  [server, origin] = await Promise.all([startEmbeddedServer(), startOrigin('instance')]);
  gate = await startOriginGate(origin.endpoint);
  client = s3Client(server.endpoint);
}, 120_000);

afterAll(async () => {
  client?.destroy();
  await gate?.stop();
  await Promise.all([server?.stop(), origin?.stop()]);
});

/** A fresh local bucket reading the origin through the gate, with versioning `status`. */
async function versionedBucket(status: 'Enabled' | 'Suspended' = 'Enabled'): Promise<string> {
  const bucket = uniqueBucketName('origin-versions');
  await putOrigin(server.adminEndpoint, bucket, origin.config({ endpoint: gate.endpoint }));
  await client.send(
    new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: status } }),
  );
  return bucket;
}

let counter = 0;
/** A key only the origin has, with `body`. */
async function originKey(prefix: string, body: string): Promise<string> {
  counter += 1;
  const key = `${prefix}/${counter}-${Date.now()}`;
  await origin.put(key, Buffer.from(body));
  return key;
}

async function getObject(bucket: string, key: string) {
  const answer = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return { versionId: answer.VersionId, body: await answer.Body!.transformToString() };
}

async function versionsOf(bucket: string, key: string) {
  const page = await client.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: key }));
  return {
    versions: (page.Versions ?? []).map((v) => ({ versionId: v.VersionId, isLatest: v.IsLatest })),
    markers: (page.DeleteMarkers ?? []).map((m) => ({ versionId: m.VersionId, isLatest: m.IsLatest })),
  };
}

/** `origin_write_back_total{bucket,result}` of the server. */
async function writeBacks(bucket: string, result: 'stored' | 'lost_race'): Promise<number> {
  return sumOf(await scrape(server.adminEndpoint), 'origin_write_back_total', { bucket, result });
}

async function settled(bucket: string, result: 'stored' | 'lost_race'): Promise<void> {
  await eventually(
    () => writeBacks(bucket, result),
    (count) => count === 1,
    { timeoutMs: 10_000, what: `a write-back ${result} in ${bucket}` },
  );
}

async function originGets(): Promise<number> {
  const count = await origin.getCount();
  if (count === undefined) throw new Error('the instance origin counts its GETs');
  return count;
}

describe('write-back into a versioned bucket', () => {
  it('Enabled: the read-through answer carries the version id the write-back stores; the next read is local', async () => {
    // Prepare
    const bucket = await versionedBucket('Enabled');
    const key = await originKey('enabled', 'from the origin');

    // Act
    const fetched = await getObject(bucket, key);
    await settled(bucket, 'stored');
    const gets = await originGets();
    const local = await getObject(bucket, key);
    const listed = await versionsOf(bucket, key);

    // Assess
    expect(fetched.body).toBe('from the origin');
    expect(fetched.versionId).toEqual(expect.any(String));
    expect(fetched.versionId).not.toBe('null');
    expect(local).toEqual(fetched);
    expect(await originGets()).toBe(gets);
    expect(listed).toEqual({ versions: [{ versionId: fetched.versionId, isLatest: true }], markers: [] });
  });

  it('Suspended: the write-back is the null version', async () => {
    // Prepare
    const bucket = await versionedBucket('Suspended');
    const key = await originKey('suspended', 'null version');

    // Act
    const fetched = await getObject(bucket, key);
    await settled(bucket, 'stored');
    const listed = await versionsOf(bucket, key);

    // Assess
    expect(fetched).toEqual({ versionId: 'null', body: 'null version' });
    expect(listed).toEqual({ versions: [{ versionId: 'null', isLatest: true }], markers: [] });
  });

  it('loses to a client PUT that committed while the fetch was held: one version, the PUT, and no blob left behind', async () => {
    // Prepare
    const bucket = await versionedBucket('Enabled');
    const key = await originKey('race', 'the origin copy');
    const blobsBefore = new Set((await blobReplicas(server.dataDir)).keys());
    gate.hold();
    const read = getObject(bucket, key);
    await gate.arrived();

    // Act
    const put = await client.send(
      new PutObjectCommand({ Bucket: bucket, Key: key, Body: 'the client write' }),
    );
    gate.release();
    const served = await read;
    await settled(bucket, 'lost_race');
    const listed = await versionsOf(bucket, key);
    const current = await getObject(bucket, key);
    // The fetched copy's blob is released (commitObject discards the blobs of a commit that did not happen).
    const newBlobs = await eventually(
      async () =>
        [...(await blobReplicas(server.dataDir)).keys()].filter((blobId) => !blobsBefore.has(blobId)),
      (blobIds) => blobIds.length === 1,
      { timeoutMs: 10_000, what: 'only the PUT blob left' },
    );

    // Assess
    expect(served.body).toBe('the origin copy');
    expect(listed).toEqual({ versions: [{ versionId: put.VersionId, isLatest: true }], markers: [] });
    expect(current).toEqual({ versionId: put.VersionId, body: 'the client write' });
    expect(newBlobs).toHaveLength(1);
  });
});

describe('what never reads through', () => {
  it('a key whose latest version is a delete marker: 404 NoSuchKey with x-amz-delete-marker, no origin call', async () => {
    // Prepare: one key read through then deleted, one deleted before any read
    const bucket = await versionedBucket('Enabled');
    const readKey = await originKey('marker', 'read then deleted');
    const unreadKey = await originKey('marker', 'deleted unread');
    await getObject(bucket, readKey);
    await settled(bucket, 'stored');
    const readMarker = await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: readKey }));
    const unreadMarker = await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: unreadKey }));
    const gets = await originGets();

    // Act
    const answers = await Promise.all(
      [readKey, unreadKey].flatMap((key) =>
        ['GET', 'HEAD'].map((method) => rawRequest(server.endpoint, { method, path: `/${bucket}/${key}` })),
      ),
    );

    // Assess
    expect(readMarker.DeleteMarker).toBe(true);
    expect(unreadMarker.DeleteMarker).toBe(true);
    expectS3Error(answers[0]!, 'NoSuchKey', 404);
    expectS3Error(answers[2]!, 'NoSuchKey', 404);
    expect(answers.map((answer) => [answer.status, answer.headers['x-amz-delete-marker']])).toEqual([
      [404, 'true'],
      [404, 'true'],
      [404, 'true'],
      [404, 'true'],
    ]);
    expect(answers.map((answer) => answer.headers['x-amz-version-id'])).toEqual([
      readMarker.VersionId,
      readMarker.VersionId,
      unreadMarker.VersionId,
      unreadMarker.VersionId,
    ]);
    expect(await originGets()).toBe(gets);
  });

  it('a GET or HEAD with a versionId: NoSuchVersion for a key only the origin has, no origin call', async () => {
    // Prepare: a real version id of this bucket (another key's), and a key only the origin has
    const bucket = await versionedBucket('Enabled');
    const { VersionId: otherVersion } = await client.send(
      new PutObjectCommand({ Bucket: bucket, Key: 'local', Body: 'local' }),
    );
    const key = await originKey('by-version', 'only at the origin');
    const gets = await originGets();

    // Act
    const get = await rawRequest(server.endpoint, {
      method: 'GET',
      path: `/${bucket}/${key}?versionId=${encodeURIComponent(otherVersion!)}`,
    });
    const getNull = await rawRequest(server.endpoint, {
      method: 'GET',
      path: `/${bucket}/${key}?versionId=null`,
    });
    const head = await rawRequest(server.endpoint, {
      method: 'HEAD',
      path: `/${bucket}/${key}?versionId=${encodeURIComponent(otherVersion!)}`,
    });

    // Assess
    expectS3Error(get, 'NoSuchVersion', 404);
    expectS3Error(getNull, 'NoSuchVersion', 404);
    expect(head.status).toBe(404);
    expect(await originGets()).toBe(gets);
  });
});

describe('what the write-back does not copy', () => {
  it("the origin object's tags and storage class stay at the origin", async () => {
    // Prepare
    const bucket = await versionedBucket('Enabled');
    counter += 1;
    const key = `attributes/${counter}-${Date.now()}`;
    const direct = s3Client(origin.endpoint);
    await direct
      .send(
        new PutObjectCommand({
          Bucket: origin.bucket,
          Key: key,
          Body: 'tagged at the origin',
          Tagging: 'team=origin',
          StorageClass: 'STANDARD_IA',
        }),
      )
      .finally(() => direct.destroy());

    // Act
    const head = await rawRequest(server.endpoint, { method: 'HEAD', path: `/${bucket}/${key}` });
    await settled(bucket, 'stored');
    const tags = await client.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: key }));
    const local = await rawRequest(server.endpoint, { method: 'HEAD', path: `/${bucket}/${key}` });

    // Assess
    expect(head.status).toBe(200);
    expect(tags.TagSet).toEqual([]);
    for (const answer of [head, local]) {
      expect(answer.headers['x-amz-tagging-count']).toBeUndefined();
      expect(answer.headers['x-amz-storage-class']).toBeUndefined();
    }
  });
});

describe('what the write-back takes from the local bucket', () => {
  it("the bucket's default encryption, as a PUT without encryption headers gets it", async () => {
    // Prepare
    const bucket = await versionedBucket('Enabled');
    await client.send(
      new PutBucketEncryptionCommand({
        Bucket: bucket,
        ServerSideEncryptionConfiguration: {
          Rules: [
            { ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: 'drill-key' } },
          ],
        },
      }),
    );
    const key = await originKey('encrypted', 'bucket default');

    // Act
    const fetched = await rawRequest(server.endpoint, { method: 'GET', path: `/${bucket}/${key}` });
    await settled(bucket, 'stored');
    const local = await rawRequest(server.endpoint, { method: 'HEAD', path: `/${bucket}/${key}` });

    // Assess
    for (const answer of [fetched, local]) {
      expect(answer.status).toBe(200);
      expect(answer.headers['x-amz-server-side-encryption']).toBe('aws:kms');
      expect(answer.headers['x-amz-server-side-encryption-aws-kms-key-id']).toMatch(/drill-key$/);
    }
  });
});
