import { randomBytes } from 'node:crypto';
import { GetObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { eventually, type FaultTarget, failureOf, startFaultServer, timed } from '../support/e2e/faults.js';
import { scrape, sumOf } from '../support/e2e/metrics.js';
import { putOrigin } from '../support/e2e/origins.js';
import { quotedMd5, uniqueBucketName } from '../support/e2e/payload.js';
import { awsCli } from '../support/e2e/server.js';
import { seed, startOrigin, type TestOrigin } from '../support/origin/index.js';

/**
 * Each origin fault type's effect as an S3 client sees it (AWS SDK v3, default checksum settings),
 * through the embedded server's read-through to a real origin (s3rver). One server and one origin
 * for the file; every test reads through a local bucket of its own (so its own breaker, limiter,
 * negative cache and remembered answers), and every rule is scoped to that bucket and removed after.
 */
let target: FaultTarget;
let origin: TestOrigin;

const SMALL = 'dir/small.txt';

beforeAll(async () => {
  [target, origin] = await Promise.all([startFaultServer(), startOrigin('s3rver')]);
}, 120_000);

afterEach(async () => {
  await target.faults.reset();
});

afterAll(async () => {
  await target?.close();
  await origin?.stop();
});

/**
 * A fresh local bucket reading through to the origin. The breaker is out of the way (a test of a
 * fault must see the fault, not the breaker it opens) and the timeout short, so timeouts cost
 * little.
 */
async function originBucket(extra: Record<string, unknown> = {}): Promise<string> {
  const bucket = uniqueBucketName('ofault');
  await putOrigin(
    target.adminEndpoint,
    bucket,
    origin.config({ breaker: { failures: 1_000_000, openMs: 1000 }, timeoutMs: 3000, ...extra }),
  );
  return bucket;
}

/** An origin rule aimed at one local bucket. */
function originRule(
  bucket: string,
  point: 'before' | 'after',
  fault: Record<string, unknown>,
  extra: Record<string, unknown> = {},
) {
  return target.faults.addRule({
    match: { service: 'origin', point: `origin.fetch.${point}`, bucket },
    fault,
    ttl: '5m',
    ...extra,
  });
}

async function getBytes(bucket: string, key: string): Promise<{ body: Buffer; etag: string | undefined }> {
  const answer = await target.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return { body: Buffer.from(await answer.Body!.transformToByteArray()), etag: answer.ETag };
}

/** The S3 error a GET got: its code, HTTP status and message. */
async function getError(bucket: string, key: string) {
  const error = await failureOf(target.client.send(new GetObjectCommand({ Bucket: bucket, Key: key })));
  return {
    code: error.name,
    status: (error.$metadata as { httpStatusCode?: number } | undefined)?.httpStatusCode,
    message: error.message,
  };
}

/** What a GET of `key` got: `right` / `wrong` bytes (against `expected`), or `<status> <code>`. */
async function outcomeOf(bucket: string, key: string, expected: Buffer): Promise<string> {
  try {
    return (await getBytes(bucket, key)).body.equals(expected) ? 'right' : 'wrong';
  } catch (error) {
    const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    return `${status} ${(error as Error).name}`;
  }
}

describe('origin faults at origin.fetch.before', () => {
  it('origin_unavailable: 503 ServiceUnavailable, never 404; the next miss without the rule reads through', async () => {
    // Prepare
    const bucket = await originBucket();
    const rule = await originRule(bucket, 'before', { type: 'origin_unavailable' });

    // Act
    const refused = await getError(bucket, SMALL);
    await target.faults.removeRule(rule.id);
    const after = await getBytes(bucket, SMALL);

    // Assess
    expect(refused).toMatchObject({ code: 'ServiceUnavailable', status: 503 });
    expect(refused.message).toContain('could not be reached');
    expect(after.body.equals(seed(origin, SMALL).body)).toBe(true);
    expect(await target.faults.events({ rule: rule.id })).toMatchObject([
      { point: 'origin.fetch.before', type: 'origin_unavailable', service: 'origin' },
    ]);
  });

  it('origin_unavailable through aws-cli: the command fails with ServiceUnavailable', async () => {
    // Prepare
    const bucket = await originBucket();
    await originRule(bucket, 'before', { type: 'origin_unavailable' });

    // Act
    const result = await awsCli(['s3api', 'head-object', '--bucket', bucket, '--key', SMALL], {
      endpoint: target.endpoint,
      env: { AWS_MAX_ATTEMPTS: '1' },
    });

    // Assess
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('503');
    expect(result.stderr).not.toContain('404');
  });

  it('latency: the miss is answered that much later, bytes and ETag exact', async () => {
    // Prepare
    const bucket = await originBucket();
    await originRule(bucket, 'before', { type: 'latency', ms: 600 });

    // Act
    const { ms, result } = await timed(() => getBytes(bucket, SMALL));

    // Assess
    expect(ms).toBeGreaterThanOrEqual(590);
    expect(result.body.equals(seed(origin, SMALL).body)).toBe(true);
    expect(result.etag).toBe(seed(origin, SMALL).etag);
  });

  it("timeout: held until the origin's timeoutMs, then 503 ServiceUnavailable", async () => {
    // Prepare
    const bucket = await originBucket({ timeoutMs: 700 });
    await originRule(bucket, 'before', { type: 'timeout' });

    // Act
    const { ms, result } = await timed(() => getError(bucket, SMALL));

    // Assess
    expect(result).toMatchObject({ code: 'ServiceUnavailable', status: 503 });
    expect(result.message).toContain('within 700 ms');
    expect(ms).toBeGreaterThanOrEqual(690);
    expect(ms).toBeLessThan(5000);
  });

  it('throttle: above its rate the origin throttles, and the client gets 503 SlowDown', async () => {
    // Prepare: nothing written back, so every GET of the key is a fetch
    const bucket = await originBucket({ writeBack: false });
    await originRule(bucket, 'before', { type: 'throttle', rps: 1, per: 'key' });

    // Act: three fetches in a row, so at least two share a one-second window
    const outcomes: string[] = [];
    for (let i = 0; i < 3; i++) outcomes.push(await outcomeOf(bucket, SMALL, seed(origin, SMALL).body));

    // Assess
    expect(outcomes[0]).toBe('right');
    expect(outcomes).toContain('503 SlowDown');
    expect(outcomes).not.toContain('wrong');
  });

  it("stale: the origin's previous answer for the key, once the origin changed it", async () => {
    // Prepare: nothing written back, so each GET asks the origin
    const bucket = await originBucket({ writeBack: false });
    const key = `stale/${uniqueBucketName('k')}`;
    const first = randomBytes(512);
    const second = randomBytes(512);
    await origin.put(key, first);
    const before = await getBytes(bucket, key);
    await origin.put(key, second);
    const rule = await originRule(bucket, 'before', { type: 'stale' });

    // Act
    const stale = await getBytes(bucket, key);
    await target.faults.removeRule(rule.id);
    const fresh = await getBytes(bucket, key);

    // Assess
    expect(before.body.equals(first)).toBe(true);
    expect(stale.body.equals(first)).toBe(true);
    expect(stale.etag).toBe(quotedMd5(first));
    expect(fresh.body.equals(second)).toBe(true);
    expect(await target.faults.events({ rule: rule.id })).toHaveLength(1);
  });
});

describe('origin faults as the origin would answer (http_status, s3_error)', () => {
  it.each<['before' | 'after', Record<string, unknown>, string, number, string]>([
    ['before', { type: 'http_status', status: 500 }, 'ServiceUnavailable', 503, 'answered 500'],
    ['after', { type: 'http_status', status: 404 }, 'NoSuchKey', 404, ''],
    ['before', { type: 's3_error', code: 'SlowDown' }, 'SlowDown', 503, 'throttling'],
    ['after', { type: 's3_error', code: 'NoSuchKey' }, 'NoSuchKey', 404, ''],
    ['after', { type: 's3_error', code: 'InternalError' }, 'ServiceUnavailable', 503, '500 InternalError'],
  ])('at %s, %j: the client gets %s (%d)', async (point, fault, code, status, says) => {
    // Prepare
    const bucket = await originBucket();
    await originRule(bucket, point, fault);

    // Act
    const error = await getError(bucket, SMALL);

    // Assess
    expect(error).toMatchObject({ code, status });
    expect(error.message).toContain(says);
  });
});

describe('origin faults at origin.fetch.after', () => {
  it('slow_body: the body arrives at its pace (ceil(size / chunkBytes) * delayMs), bytes exact', async () => {
    // Prepare: 1 KiB in chunks of 256 bytes, 150 ms apart: 600 ms
    const bucket = await originBucket();
    await originRule(bucket, 'after', { type: 'slow_body', chunkBytes: 256, delayMs: 150 });

    // Act
    const { ms, result } = await timed(() => getBytes(bucket, SMALL));

    // Assess
    expect(ms).toBeGreaterThanOrEqual(590);
    expect(result.body.equals(seed(origin, SMALL).body)).toBe(true);
  });

  it('dirty with etag mismatch: 503, never cached: the next GET without the rule gets the right bytes', async () => {
    // Prepare
    const bucket = await originBucket();
    await originRule(bucket, 'after', { type: 'dirty', mode: 'bitflip', etag: 'mismatch' });

    // Act
    const refused = await getError(bucket, SMALL);
    await target.faults.reset();
    const after = await getBytes(bucket, SMALL);

    // Assess
    expect(refused).toMatchObject({ code: 'ServiceUnavailable', status: 503 });
    expect(refused.message).toContain('does not match its ETag/checksum');
    expect(after.body.equals(seed(origin, SMALL).body)).toBe(true);
    expect(after.etag).toBe(seed(origin, SMALL).etag);
  });

  it('dirty with etag match: the wrong bytes are served and cached, undetectable (ETag of the wrong bytes)', async () => {
    // Prepare
    const bucket = await originBucket();
    await originRule(bucket, 'after', { type: 'dirty', mode: 'truncate', etag: 'match' });
    const clean = seed(origin, SMALL).body;
    const half = clean.subarray(0, clean.length / 2);

    // Act: read again until a read is local (the write-back done), without the rule
    const served = await getBytes(bucket, SMALL);
    await target.faults.reset();
    const later = await eventually(
      async () => ({
        read: await getBytes(bucket, SMALL),
        local: sumOf(await scrape(target.adminEndpoint), 'origin_reads_total', { bucket, source: 'local' }),
      }),
      (probe) => probe.local >= 1,
      { timeoutMs: 10_000, what: 'a local read of the written-back object' },
    );
    const head = await target.client.send(new HeadObjectCommand({ Bucket: bucket, Key: SMALL }));

    // Assess
    expect(served.body.equals(half)).toBe(true);
    expect(served.etag).toBe(quotedMd5(half));
    expect(later.read.body.equals(half)).toBe(true);
    expect(head.ETag).toBe(quotedMd5(half));
    expect(head.ContentLength).toBe(half.length);
  });

  it('dirty on the 0 B object changes nothing: served as is, no firing logged', async () => {
    // Prepare
    const bucket = await originBucket();
    const rule = await originRule(bucket, 'after', { type: 'dirty', mode: 'bitflip' });

    // Act
    const empty = await getBytes(bucket, 'empty.bin');

    // Assess
    expect(empty.body.length).toBe(0);
    expect(await target.faults.events({ rule: rule.id })).toEqual([]);
  });
});

describe('origin faults in scenarios and presets', () => {
  it('a scenario of origin rules is in force when activated and gone when deactivated', async () => {
    // Prepare
    const bucket = await originBucket({ writeBack: false });
    const applied = await target.faults.call('POST', '/scenarios/origin-drill', {
      rules: [
        {
          match: { service: 'origin', point: 'origin.fetch.before', bucket },
          fault: { type: 'origin_unavailable' },
        },
      ],
    });
    await target.faults.deactivateScenario('origin-drill');

    // Act
    const off = await getBytes(bucket, SMALL);
    await target.faults.activateScenario('origin-drill', { ttl: '1m' });
    const on = await getError(bucket, SMALL);
    await target.faults.deactivateScenario('origin-drill');
    const offAgain = await getBytes(bucket, SMALL);

    // Assess
    expect(applied.status).toBe(201);
    expect(off.body.equals(seed(origin, SMALL).body)).toBe(true);
    expect(on).toMatchObject({ code: 'ServiceUnavailable', status: 503 });
    expect(offAgain.body.equals(seed(origin, SMALL).body)).toBe(true);
  });

  it("origin-outage scoped to a bucket: that bucket's misses get 503, another origin bucket reads through", async () => {
    // Prepare
    const [down, up] = await Promise.all([originBucket(), originBucket()]);
    const activation = await target.faults.call('POST', '/presets/origin-outage/activate', { bucket: down });

    // Act
    const refused = await getError(down, SMALL);
    const served = await getBytes(up, SMALL);

    // Assess
    expect(activation.status).toBe(200);
    expect(refused).toMatchObject({ code: 'ServiceUnavailable', status: 503 });
    expect(served.body.equals(seed(origin, SMALL).body)).toBe(true);
  });

  it('origin-slow: a miss takes the latency and the drip, bytes exact', async () => {
    // Prepare
    const bucket = await originBucket();
    await target.faults.call('POST', '/presets/origin-slow/activate', { bucket });

    // Act
    const { ms, result } = await timed(() => getBytes(bucket, SMALL));

    // Assess: 1 s of latency and one 256 KiB chunk of 100 ms
    expect(ms).toBeGreaterThanOrEqual(1090);
    expect(result.body.equals(seed(origin, SMALL).body)).toBe(true);
  });

  it('origin-dirty: some misses are refused (503), none serves wrong bytes', async () => {
    // Prepare: 20 keys at the origin; the seed makes the 10% draws replayable
    const bucket = await originBucket();
    const objects = await Promise.all(
      Array.from({ length: 20 }, async (_, i) => {
        const body = randomBytes(256);
        const key = `dirty/${bucket}/${i}`;
        await origin.put(key, body);
        return { key, body };
      }),
    );
    await target.faults.call('POST', '/presets/origin-dirty/activate', { bucket, seed: 7 });

    // Act
    const outcomes: string[] = [];
    for (const { key, body } of objects) outcomes.push(await outcomeOf(bucket, key, body));

    // Assess
    expect(outcomes).toContain('503 ServiceUnavailable');
    expect(outcomes).toContain('right');
    expect(outcomes).not.toContain('wrong');
  });
});
