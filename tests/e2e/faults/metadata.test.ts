import { randomBytes } from 'node:crypto';
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { blobReplicas, type FaultTarget, startFaultServer, timed } from '../../support/e2e/faults.js';
import { sdkError } from '../../support/e2e/http.js';
import { s3Client } from '../../support/e2e/server.js';

jest.setTimeout(120_000);

let target: FaultTarget;
let bucket: string;

beforeAll(async () => {
  target = await startFaultServer();
  bucket = await target.createBucket('metadata-faults');
});

afterEach(async () => {
  await target.faults.reset();
});

afterAll(async () => {
  await target?.close();
});

async function put(key: string, body: Buffer | string): Promise<void> {
  await target.client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
}

async function getBytes(key: string): Promise<Buffer> {
  const got = await target.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return Buffer.from((await got.Body?.transformToByteArray()) ?? []);
}

function metadataRule(
  point: string,
  fault: Record<string, unknown>,
  match: Record<string, unknown> = {},
  extra = {},
) {
  return target.faults.addRule({
    match: { service: 'metadata', point, bucket, ...match },
    fault,
    ...extra,
  });
}

describe('db_error', () => {
  it('40001 surfaces as a retryable 503 ServiceUnavailable; the SDK retry then succeeds', async () => {
    // Prepare
    const body = randomBytes(1024);
    await put('db-error', body);
    const rule = await metadataRule(
      'db.query',
      { type: 'db_error', sqlstate: '40001' },
      { operation: 'PutObject' },
      { times: 1 },
    );
    const retrying = s3Client(target.endpoint, { maxAttempts: 3 });

    // Act
    const once = await sdkError(put('db-error-2', body));
    await target.faults.patchRule(rule.id, { times: 2 });
    const retried = await retrying.send(
      new PutObjectCommand({ Bucket: bucket, Key: 'db-error-3', Body: body }),
    );
    retrying.destroy();

    // Assess
    expect(once).toEqual({ name: 'ServiceUnavailable', status: 503 });
    expect(retried.$metadata.attempts).toBe(2);
    expect((await getBytes('db-error-3')).equals(body)).toBe(true);
    expect(await target.faults.events({ rule: rule.id })).toHaveLength(2);
  });
});

describe('db_latency', () => {
  it('adds at least the delay to a write', async () => {
    // Prepare
    await metadataRule('db.query', { type: 'db_latency', ms: 400 }, { operation: 'PutObject' });

    // Act
    const { ms } = await timed(() => put('db-slow', 'x'));

    // Assess
    expect(ms).toBeGreaterThanOrEqual(400);
  });
});

describe('commit_fail', () => {
  it('before the commit: the PUT fails (503) and the object is not visible, no blob left', async () => {
    // Prepare
    const before = await blobReplicas(target.dataDir);
    await metadataRule(
      'db.commit.before',
      { type: 'commit_fail', when: 'before' },
      { operation: 'PutObject' },
    );

    // Act
    const failure = await sdkError(put('commit-before', 'never'));
    await target.faults.clearRules();
    const head = await sdkError(
      target.client.send(new HeadObjectCommand({ Bucket: bucket, Key: 'commit-before' })),
    );
    const after = await blobReplicas(target.dataDir);

    // Assess
    expect(failure).toEqual({ name: 'ServiceUnavailable', status: 503 });
    expect(head.status).toBe(404);
    expect([...after.keys()].filter((id) => !before.has(id))).toEqual([]);
  });

  it('after the commit: the PUT fails (503) yet the object is visible and readable afterwards', async () => {
    // The client was told the write failed, but it committed: a retry-safe client must expect
    // the object to exist. The bytes must still be readable (its blobs are referenced).
    // Prepare
    await metadataRule(
      'db.commit.after',
      { type: 'commit_fail', when: 'after' },
      { operation: 'PutObject' },
      { times: 1 },
    );

    // Act
    const failure = await sdkError(put('commit-after', 'committed'));
    const head = await target.client.send(new HeadObjectCommand({ Bucket: bucket, Key: 'commit-after' }));
    const read = await getBytes('commit-after');

    // Assess
    expect(failure).toEqual({ name: 'ServiceUnavailable', status: 503 });
    expect(head.ContentLength).toBe('committed'.length);
    expect(read.toString()).toBe('committed');
  });
});

describe('cache faults: the object is still served correctly', () => {
  it.each([['cache_miss'], ['cache_flush'], ['cache_hot_key_expiry']])('%s', async (type) => {
    // Prepare
    const key = `cache/${type}`;
    const body = randomBytes(2048);
    await put(key, body);
    await getBytes(key); // fills the cache
    const rule = await target.faults.addRule({
      match: { service: 'metadata', point: 'cache.get', key: `obj:${bucket}/${key}` },
      fault: { type },
    });

    // Act
    const first = await getBytes(key);
    const second = await getBytes(key);

    // Assess
    expect(first.equals(body)).toBe(true);
    expect(second.equals(body)).toBe(true);
    expect((await target.faults.events({ rule: rule.id })).length).toBeGreaterThanOrEqual(2);
  });

  it('cache_stale: the version-guarded cache refuses the stale entry and serves the latest version', async () => {
    // The cache keeps each entry with the version token it was read under; an overwrite bumps the
    // token, so a stale entry handed back by the fault is discarded and the store is read.
    // Prepare
    const key = 'cache/stale';
    await put(key, 'version-1');
    await getBytes(key);
    await put(key, 'version-2');
    await getBytes(key);
    const rule = await target.faults.addRule({
      match: { service: 'metadata', point: 'cache.get', key: `obj:${bucket}/${key}` },
      fault: { type: 'cache_stale' },
    });

    // Act
    const read = await getBytes(key);

    // Assess
    expect(read.toString()).toBe('version-2');
    expect((await target.faults.events({ rule: rule.id })).length).toBeGreaterThanOrEqual(1);
  });
});
