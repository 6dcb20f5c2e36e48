import { randomBytes } from 'node:crypto';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, describe, expect, it, jest } from '@jest/globals';
import {
  blobReplicas,
  eventually,
  type FaultTarget,
  startFaultServer,
  timed,
} from '../../support/e2e/faults.js';
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
});

/** Tasks published and not yet handled (control plane: GET /api/v1/async/queue). */
async function queuePending(): Promise<number> {
  const answer = await fetch(`${target.adminEndpoint}/api/v1/async/queue`);
  return ((await answer.json()) as { pending: number }).pending;
}

describe('cache_stale: the previous value of the entry is what the client reads', () => {
  /** PUT v1, GET (cached), PUT v2 with `rule` active from the start; what GET and HEAD answer. */
  async function overwriteUnder(key: string, cacheKey: string) {
    const rule = await target.faults.addRule({
      match: { service: 'metadata', point: 'cache.get', key: cacheKey },
      fault: { type: 'cache_stale' },
    });
    const v1 = randomBytes(1500);
    const v2 = randomBytes(2500);
    const put1 = await target.client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: v1 }));
    await getBytes(key); // cached: nothing older to serve yet
    const put2 = await target.client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: v2 }));
    // Every task run: v1's bytes are gone by now unless they are kept for the rule.
    await eventually(queuePending, (pending) => pending === 0, { what: 'the task queue drained' });
    return { rule, v1, v2, etag1: put1.ETag, etag2: put2.ETag };
  }

  it('GET returns v1 bytes and ETag, HEAD v1 metadata; after the rule is removed, v2', async () => {
    // Prepare
    const key = 'cache/stale';
    const { rule, v1, v2, etag1, etag2 } = await overwriteUnder(key, `obj:${bucket}/${key}`);

    // Act
    const stale = await target.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const staleBytes = Buffer.from(await stale.Body!.transformToByteArray());
    const staleHead = await target.client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    const firings = await target.faults.events({ rule: rule.id });
    await target.faults.removeRule(rule.id);
    const fresh = await target.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const freshBytes = Buffer.from(await fresh.Body!.transformToByteArray());

    // Assess: one firing per stale answer, none for the read that had nothing older to serve.
    expect(staleBytes.equals(v1)).toBe(true);
    expect(stale.ETag).toBe(etag1);
    expect(staleHead.ETag).toBe(etag1);
    expect(staleHead.ContentLength).toBe(v1.length);
    expect(firings).toHaveLength(2);
    expect(freshBytes.equals(v2)).toBe(true);
    expect(fresh.ETag).toBe(etag2);
  });

  it('a deleted object: its last bytes while the rule is active (never a 503), NoSuchKey once removed', async () => {
    // Prepare
    const key = 'cache/deleted';
    const rule = await target.faults.addRule({
      match: { service: 'metadata', point: 'cache.get', key: `obj:${bucket}/${key}` },
      fault: { type: 'cache_stale' },
    });
    const body = randomBytes(1200);
    await put(key, body);
    await getBytes(key);
    await target.client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    await eventually(queuePending, (pending) => pending === 0, { what: 'the task queue drained' });

    // Act
    const stale = await getBytes(key);
    await target.faults.removeRule(rule.id);
    const gone = await sdkError(target.client.send(new GetObjectCommand({ Bucket: bucket, Key: key })));

    // Assess
    expect(stale.equals(body)).toBe(true);
    expect(gone).toEqual({ name: 'NoSuchKey', status: 404 });
  });

  it.each([
    ['the entry and its version key', (key: string) => `*${bucket}/${key}`, true],
    ['every cache key', () => '*', true],
    // A version key is no entry: there is nothing stale to serve with it, so no firing.
    ['only the version key', (key: string) => `ver:obj:${bucket}/${key}`, false],
  ])('a glob matching %s: never a 503, stale bytes only for an entry', async (what, glob, stale) => {
    // Prepare
    const key = `cache/glob-${what.replaceAll(' ', '-')}`;
    const { rule, v1, v2 } = await overwriteUnder(key, glob(key));

    // Act
    const reads: Buffer[] = [];
    for (let i = 0; i < 3; i++) reads.push(await getBytes(key));
    const firings = await target.faults.events({ rule: rule.id });

    // Assess
    for (const read of reads) expect(read.equals(stale ? v1 : v2)).toBe(true);
    expect(firings).toHaveLength(stale ? 3 : 0);
  });
});
