import { randomBytes } from 'node:crypto';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectVersionsCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { blobReplicas, eventually, type FaultTarget, startFaultServer } from '../../support/e2e/faults.js';
import { sdkError } from '../../support/e2e/http.js';

jest.setTimeout(120_000);

// A reconcile pass every second and no grace period: orphans go on the next pass.
let target: FaultTarget;
let bucket: string;

beforeAll(async () => {
  target = await startFaultServer({ env: { RECONCILE_INTERVAL_MS: '1000', ORPHAN_GRACE_MS: '0' } });
  bucket = await target.createBucket('ver-faults');
  await target.client.send(
    new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } }),
  );
});

afterEach(async () => {
  await target.faults.reset();
});

afterAll(async () => {
  await target?.close();
});

async function put(key: string, body: string | Buffer) {
  return target.client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
}

async function get(key: string, versionId?: string) {
  const got = await target.client.send(
    new GetObjectCommand({ Bucket: bucket, Key: key, VersionId: versionId }),
  );
  return { body: Buffer.from((await got.Body?.transformToByteArray()) ?? []), versionId: got.VersionId };
}

function rule(operation: string, key: string | undefined, fault: Record<string, unknown>) {
  return target.faults.addRule({
    match: { service: 's3-api', operation, bucket, ...(key === undefined ? {} : { key }) },
    fault,
  });
}

describe('stale_read in a versioned bucket', () => {
  it('serves the previous version from the store; NoSuchKey when that is a delete marker or none', async () => {
    // Prepare: every version written before the rule exists
    const first = await put('stale/a', 'version-1');
    const second = await put('stale/a', 'version-2');
    await put('stale/b', 'before the delete');
    await target.client.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'stale/b' }));
    await put('stale/b', 'after the delete');
    await put('stale/first', 'only version');
    const stale = await rule('GetObject', 'stale/*', { type: 'stale_read' });

    // Act
    const read = await get('stale/a');
    const afterMarker = await sdkError(get('stale/b'));
    const firstVersion = await sdkError(get('stale/first'));

    // Assess
    expect(read.body.toString()).toBe('version-1');
    expect(read.versionId).toBe(first.VersionId);
    expect(afterMarker).toEqual({ name: 'NoSuchKey', status: 404 });
    expect(firstVersion).toEqual({ name: 'NoSuchKey', status: 404 });
    expect(await target.faults.events({ rule: stale.id })).toHaveLength(3);
    await target.faults.removeRule(stale.id);
    expect(await get('stale/a')).toMatchObject({ versionId: second.VersionId });
  });

  it('does not know the current version by id (NoSuchVersion) but serves older ones, which never change', async () => {
    // Prepare
    const first = await put('stale/c', 'version-1');
    const second = await put('stale/c', 'version-2');
    await rule('GetObject', 'stale/c', { type: 'stale_read' });

    // Act
    const current = await sdkError(get('stale/c', second.VersionId));
    const older = await get('stale/c', first.VersionId);

    // Assess
    expect(current).toEqual({ name: 'NoSuchVersion', status: 404 });
    expect(older.body.toString()).toBe('version-1');
  });
});

describe('read_after_write_miss and list_lag per version', () => {
  it('read_after_write_miss hides a version named by id while it is younger than ms', async () => {
    // Prepare
    await rule('GetObject', 'raw/*', { type: 'read_after_write_miss', ms: 1500 });

    // Act
    const written = await put('raw/one', 'fresh');
    const right = await sdkError(get('raw/one', written.VersionId));
    const later = await eventually(
      () =>
        get('raw/one', written.VersionId).then(
          (read) => read.body.toString(),
          () => undefined,
        ),
      (body) => body === 'fresh',
      { what: 'the version readable by id' },
    );

    // Assess
    expect(right).toEqual({ name: 'NoSuchVersion', status: 404 });
    expect(later).toBe('fresh');
  });

  it('list_lag hides versions and delete markers younger than ms from ListObjectVersions', async () => {
    // Prepare: an old version and marker, seen through the rule once they are older than ms
    await put('lag/k', 'old');
    await target.client.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'lag/k' }));
    await rule('ListObjectVersions', undefined, { type: 'list_lag', ms: 1000 });
    const list = async () => {
      const page = await target.client.send(
        new ListObjectVersionsCommand({ Bucket: bucket, Prefix: 'lag/' }),
      );
      return { versions: page.Versions?.length ?? 0, markers: page.DeleteMarkers?.length ?? 0 };
    };
    await eventually(list, (seen) => seen.versions === 1 && seen.markers === 1, {
      what: 'the old version and marker listed',
    });

    // Act
    await put('lag/k', 'new');
    await target.client.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'lag/k' }));
    const lagged = await list();

    // Assess
    expect(lagged).toEqual({ versions: 1, markers: 1 });
    await target.faults.clearRules();
    expect(await list()).toEqual({ versions: 2, markers: 2 });
  });
});

describe('reconcile', () => {
  it('never collects the blobs of noncurrent versions', async () => {
    // Prepare: an old version, then an orphan whose collection proves a pass ran after it
    const oldBytes = randomBytes(4096);
    const old = await put('gc/kept', oldBytes);
    const oldBlobs = await blobReplicas(target.dataDir);
    await put('gc/kept', randomBytes(4096));
    const plain = await target.createBucket('ver-gc');
    const beforeOrphan = await blobReplicas(target.dataDir);
    await target.client.send(new PutObjectCommand({ Bucket: plain, Key: 'orphan', Body: randomBytes(1024) }));
    const orphan = [...(await blobReplicas(target.dataDir)).keys()].filter((id) => !beforeOrphan.has(id));
    const drop = await target.faults.addRule({
      match: { service: 'async', point: 'queue.publish', operation: 'delete_from_storage' },
      fault: { type: 'drop' },
    });
    await target.client.send(new PutObjectCommand({ Bucket: plain, Key: 'orphan', Body: randomBytes(1024) }));
    await eventually(
      () => target.faults.events({ rule: drop.id }),
      (firings) => firings.length >= 1,
      { what: 'the orphan delete task dropped' },
    );

    // Act
    const afterPass = await eventually(
      () => blobReplicas(target.dataDir),
      (blobs) => !blobs.has(orphan[0]!),
      { what: 'the orphan collected by a reconcile pass', timeoutMs: 30_000 },
    );

    // Assess
    expect(orphan).toHaveLength(1);
    const read = await get('gc/kept', old.VersionId);
    expect(read.body.equals(oldBytes)).toBe(true);
    expect([...oldBlobs.keys()].every((id) => afterPass.has(id))).toBe(true);
  });
});
