// Both load clients against an embedded server: a round trip of every operation the engine uses,
// an injected SlowDown (the sdk client retries and names every attempt; the raw one answers in one
// attempt), and a request that outlives the client's time bound.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createLoadClient } from '../../../../../tools/load/clients/create-client.js';
import type { ClientKind, S3LoadClient } from '../../../../../tools/load/types.js';
import { type FaultTarget, startFaultServer } from '../../../../support/e2e/faults.js';
import { sha256Hex } from '../../../../support/e2e/payload.js';

let target: FaultTarget;

beforeAll(async () => {
  target = await startFaultServer();
});

afterAll(async () => {
  await target.close();
});

describe.each<ClientKind>(['raw', 'sdk'])('the %s load client', (kind) => {
  let client: S3LoadClient;
  let bucket: string;

  beforeAll(async () => {
    client = createLoadClient(kind, target.endpoint);
    bucket = `load-client-${kind}`;
    expect(await client.createBucket(bucket)).toMatchObject({ ok: true });
  });

  afterAll(async () => {
    await target.faults.clearRules();
    await client.close();
  });

  it('puts, gets, heads, lists, copies, uploads in parts and deletes', async () => {
    // Prepare
    const body = Buffer.from(`bytes of ${kind} `.repeat(100));
    const large = Buffer.alloc(6 * 1024 * 1024 + 7, 7);

    // Act
    const put = await client.putObject(bucket, 'dir/a b', body);
    const got = await client.getObject(bucket, 'dir/a b');
    const head = await client.headObject(bucket, 'dir/a b');
    const copied = await client.copyObject(bucket, 'dir/a b', 'dir/copy');
    const copyRead = await client.getObject(bucket, 'dir/copy');
    const multipart = await client.multipartUpload(bucket, 'dir/parts', large, 5 * 1024 * 1024);
    const partsRead = await client.getObject(bucket, 'dir/parts');
    const listed = await client.listObjects(bucket, 'dir/');
    const deleted = await client.deleteObject(bucket, 'dir/a b');
    const missing = await client.getObject(bucket, 'dir/a b');
    const missingHead = await client.headObject(bucket, 'dir/a b');

    // Assess
    expect(put).toMatchObject({ ok: true, status: 200, attempts: 1 });
    expect(put.etag).toMatch(/^"[0-9a-f]{32}"$/);
    expect(put.requestIds).toHaveLength(1);
    expect(sha256Hex(got.body!)).toBe(sha256Hex(body));
    expect(head).toMatchObject({ ok: true, status: 200 });
    expect(copied).toMatchObject({ ok: true });
    expect(copied.etag).toBe(put.etag);
    expect(sha256Hex(copyRead.body!)).toBe(sha256Hex(body));
    expect(multipart).toMatchObject({ ok: true });
    expect(multipart.etag).toMatch(/-2"$/);
    // CreateMultipartUpload, two UploadParts, CompleteMultipartUpload: one request id each.
    expect(multipart.requestIds).toHaveLength(4);
    expect(sha256Hex(partsRead.body!)).toBe(sha256Hex(large));
    expect(listed).toMatchObject({ ok: true, keys: ['dir/a b', 'dir/copy', 'dir/parts'] });
    expect(deleted).toMatchObject({ ok: true, status: 204 });
    expect(missing).toMatchObject({ ok: false, status: 404, errorCode: 'NoSuchKey' });
    expect(missing.body).toBeUndefined();
    expect(missingHead).toMatchObject({ ok: false, status: 404, errorCode: 'NoSuchKey' });
  });

  it('empties and deletes a bucket', async () => {
    // Prepare
    const other = `load-empty-${kind}`;
    await client.createBucket(other);
    for (let i = 0; i < 5; i++) await client.putObject(other, `k${i}`, Buffer.from('x'));

    // Act
    const answer = await client.emptyAndDeleteBucket(other);

    // Assess
    expect(answer).toMatchObject({ ok: true });
    expect(await client.listObjects(other, '')).toMatchObject({ ok: false, errorCode: 'NoSuchBucket' });
  });
});

describe('an injected SlowDown', () => {
  it('is retried by the sdk client, every attempt named, and answered in one attempt by the raw client', async () => {
    // Prepare
    const sdk = createLoadClient('sdk', target.endpoint);
    const raw = createLoadClient('raw', target.endpoint);
    const bucket = 'load-slowdown';
    await raw.createBucket(bucket);
    await raw.putObject(bucket, 'hot', Buffer.from('hot'));
    const rule = await target.faults.addRule({
      match: { operation: 'GetObject', bucket },
      fault: { type: 's3_error', code: 'SlowDown' },
    });

    // Act
    const bySdk = await sdk.getObject(bucket, 'hot');
    const byRaw = await raw.getObject(bucket, 'hot');
    const firings = await target.faults.events({ rule: rule.id });

    // Assess
    expect(bySdk).toMatchObject({ ok: false, status: 503, errorCode: 'SlowDown', attempts: 3 });
    expect(new Set(bySdk.requestIds).size).toBe(3);
    expect(byRaw).toMatchObject({ ok: false, status: 503, errorCode: 'SlowDown', attempts: 1 });
    expect(byRaw.requestIds).toHaveLength(1);
    // Every attempt's id is one the hit log knows: a drill can name the rule that fired on it.
    const fired = new Set(firings.map((firing) => firing.requestId));
    for (const id of [...bySdk.requestIds, ...byRaw.requestIds]) expect(fired).toContain(id);
    await target.faults.removeRule(rule.id);
    await Promise.all([sdk.close(), raw.close()]);
  });
});

describe.each<ClientKind>(['raw', 'sdk'])('a request that outlives the %s client time bound', (kind) => {
  it('answers Timeout, bounded', async () => {
    // Prepare
    const client = createLoadClient(kind, target.endpoint, { timeoutMs: 300, maxAttempts: 1 });
    const bucket = `load-timeout-${kind}`;
    await client.createBucket(bucket);
    const rule = await target.faults.addRule({
      match: { operation: 'HeadObject', bucket },
      fault: { type: 'latency', ms: 5000 },
    });
    const started = performance.now();

    // Act
    const answer = await client.headObject(bucket, 'slow');

    // Assess
    expect(answer).toMatchObject({ ok: false, errorCode: 'Timeout' });
    expect(answer.status).toBeUndefined();
    expect(performance.now() - started).toBeLessThan(2500);
    await target.faults.removeRule(rule.id);
    await client.close();
  });
});
