import { randomBytes } from 'node:crypto';
import {
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, describe, expect, it, jest } from '@jest/globals';
import {
  eventually,
  type FaultTarget,
  failureOf,
  startFaultServer,
  timed,
  withFaultHeader,
} from '../../support/e2e/faults.js';
import { expectS3Error, rawRequest, sdkError } from '../../support/e2e/http.js';
import { s3Client } from '../../support/e2e/server.js';

jest.setTimeout(120_000);

let target: FaultTarget;
let bucket: string;
const body = randomBytes(4096);

beforeAll(async () => {
  target = await startFaultServer();
  bucket = await target.createBucket('http-faults');
  await target.client.send(new PutObjectCommand({ Bucket: bucket, Key: 'fixed', Body: body }));
});

afterEach(async () => {
  await target.faults.reset();
});

afterAll(async () => {
  await target?.close();
});

async function getBytes(key: string): Promise<Buffer> {
  const got = await target.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return Buffer.from((await got.Body?.transformToByteArray()) ?? []);
}

function rawGet(key: string, headers: Record<string, string> = {}) {
  return rawRequest(target.endpoint, { method: 'GET', path: `/${bucket}/${key}`, headers });
}

describe('s3_error', () => {
  it('SlowDown times=2: the SDK retries and its third attempt succeeds; the hit log shows two firings', async () => {
    // Prepare
    const rule = await target.faults.addRule({
      match: { service: 's3-api', operation: 'GetObject', bucket, key: 'fixed' },
      fault: { type: 's3_error', code: 'SlowDown' },
      times: 2,
    });
    // The SDK's default retry strategy: standard mode, three attempts.
    const retrying = s3Client(target.endpoint, { maxAttempts: 3 });

    // Act
    const got = await retrying.send(new GetObjectCommand({ Bucket: bucket, Key: 'fixed' }));
    const bytes = Buffer.from((await got.Body?.transformToByteArray()) ?? []);
    retrying.destroy();

    // Assess
    expect(bytes.equals(body)).toBe(true);
    expect(got.$metadata.attempts).toBe(3);
    const firings = await target.faults.events({ rule: rule.id });
    expect(firings).toHaveLength(2);
    expect(firings.every((f) => f.type === 's3_error' && f.operation === 'GetObject')).toBe(true);
    expect((await target.faults.getRule(rule.id)).hits).toBe(2);
  });

  it('answers as real S3 does: status, XML, Retry-After, and x-mock-fault-rule naming the rule', async () => {
    // Prepare
    const rule = await target.faults.addRule({
      match: { service: 's3-api', operation: 'GetObject', bucket },
      fault: { type: 's3_error', code: 'SlowDown', retryAfter: 3 },
    });

    // Act
    const response = await rawGet('fixed');

    // Assess
    expectS3Error(response, 'SlowDown', 503);
    expect(response.headers['retry-after']).toBe('3');
    expect(response.headers['x-mock-fault-rule']).toBe(rule.id);
  });

  it('InternalError without retries: the SDK reports it with status 500', async () => {
    // Prepare
    await target.faults.addRule({
      match: { service: 's3-api', operation: 'HeadObject', bucket },
      fault: { type: 's3_error', code: 'InternalError' },
    });

    // Act
    const failure = await sdkError(
      target.client.send(new HeadObjectCommand({ Bucket: bucket, Key: 'fixed' })),
    );

    // Assess
    expect(failure.status).toBe(500);
  });
});

describe('latency', () => {
  it('the issue example (shorthand, rate 1 here) adds at least the delay to a PUT', async () => {
    // Prepare
    await target.faults.addRule({
      service: 's3-api',
      endpoint: 'PUT /:bucket/:key',
      type: 'latency',
      value_ms: 500,
      rate: 1,
      ttl: '5m',
      scenario: 'half_slow_write',
    });
    const baseline = await timed(() =>
      target.client.send(new HeadObjectCommand({ Bucket: bucket, Key: 'fixed' })),
    );

    // Act
    const slow = await timed(() =>
      target.client.send(new PutObjectCommand({ Bucket: bucket, Key: 'deep/er/key', Body: 'x' })),
    );

    // Assess
    expect(slow.ms).toBeGreaterThanOrEqual(500);
    expect(baseline.ms).toBeLessThan(500);
    const firings = await target.faults.events({ scenario: 'half_slow_write' });
    expect(firings).toHaveLength(1);
    expect(firings[0]).toMatchObject({ type: 'latency', operation: 'PutObject', delayMs: 500 });
  });
});

describe('http_status', () => {
  it('answers the configured status, body and headers', async () => {
    // Prepare
    await target.faults.addRule({
      match: { service: 's3-api', operation: 'GetObject', bucket },
      fault: { type: 'http_status', status: 502, body: 'bad gateway', headers: { 'x-why': 'injected' } },
    });

    // Act
    const response = await rawGet('fixed');
    const sdk = await sdkError(target.client.send(new GetObjectCommand({ Bucket: bucket, Key: 'fixed' })));

    // Assess
    expect(response.status).toBe(502);
    expect(response.text).toBe('bad gateway');
    expect(response.headers['x-why']).toBe('injected');
    expect(sdk.status).toBe(502);
  });
});

describe('timeout', () => {
  it('holds the request, then closes the connection without a response', async () => {
    // Prepare
    await target.faults.addRule({
      match: { service: 's3-api', operation: 'GetObject', bucket },
      fault: { type: 'timeout', ms: 600 },
    });

    // Act
    const { ms, result } = await timed(() => failureOf(rawGet('fixed')));

    // Assess
    expect(ms).toBeGreaterThanOrEqual(600);
    expect(String(result.code ?? result.message)).toMatch(/ECONNRESET|socket hang up/);
  });
});

describe('throttle', () => {
  it('above rps per prefix, answers SlowDown; within it, serves', async () => {
    // Prepare
    await target.faults.addRule({
      match: { service: 's3-api', operation: 'GetObject', bucket },
      fault: { type: 'throttle', rps: 2, per: 'prefix' },
    });

    // Act
    const statuses = await Promise.all(Array.from({ length: 10 }, () => rawGet('fixed')));

    // Assess
    const ok = statuses.filter((r) => r.status === 200);
    const throttled = statuses.filter((r) => r.status === 503);
    expect(ok.length).toBeGreaterThanOrEqual(1);
    expect(ok.length).toBeLessThanOrEqual(3);
    expect(throttled.length).toBe(10 - ok.length);
    expectS3Error(throttled[0]!, 'SlowDown', 503);
  });
});

describe('validation faults', () => {
  it('checksum_mismatch answers BadDigest and stores nothing', async () => {
    // Prepare
    await target.faults.addRule({
      match: { service: 's3-api', operation: 'PutObject', bucket },
      fault: { type: 'checksum_mismatch' },
    });

    // Act
    const failure = await sdkError(
      target.client.send(new PutObjectCommand({ Bucket: bucket, Key: 'digest', Body: 'abc' })),
    );
    await target.faults.clearRules();

    // Assess
    expect(failure).toEqual({ name: 'BadDigest', status: 400 });
    expect(
      (await sdkError(target.client.send(new HeadObjectCommand({ Bucket: bucket, Key: 'digest' })))).status,
    ).toBe(404);
  });

  it('reject answers the configured code', async () => {
    // Prepare
    await target.faults.addRule({
      match: { service: 's3-api', operation: 'PutObject', bucket },
      fault: { type: 'reject', code: 'AccessDenied' },
    });

    // Act
    const failure = await sdkError(
      target.client.send(new PutObjectCommand({ Bucket: bucket, Key: 'denied', Body: 'abc' })),
    );

    // Assess
    expect(failure).toEqual({ name: 'AccessDenied', status: 403 });
  });
});

describe('consistency faults', () => {
  it('list_lag hides a new key from ListObjectsV2 for a while, then lists it', async () => {
    // Prepare
    await target.faults.addRule({
      match: { service: 's3-api', operation: 'ListObjectsV2', bucket },
      fault: { type: 'list_lag', ms: 1500 },
    });
    const list = async () =>
      (await target.client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'lag/' }))).Contents?.map(
        (o) => o.Key,
      ) ?? [];

    // Act
    const written = Date.now();
    await target.client.send(new PutObjectCommand({ Bucket: bucket, Key: 'lag/new', Body: 'x' }));
    const right = await list();
    const later = await eventually(list, (keys) => keys.includes('lag/new'), { what: 'lag/new listed' });
    const visibleAfter = Date.now() - written;

    // Assess
    expect(right).toEqual([]);
    expect(later).toEqual(['lag/new']);
    expect(visibleAfter).toBeGreaterThanOrEqual(1500);
  });

  it('read_after_write_miss answers 404 right after a PUT, then 200', async () => {
    // Prepare
    await target.faults.addRule({
      match: { service: 's3-api', operation: 'GetObject', bucket, key: 'raw/*' },
      fault: { type: 'read_after_write_miss', ms: 1500 },
    });

    // Act
    const written = Date.now();
    await target.client.send(new PutObjectCommand({ Bucket: bucket, Key: 'raw/one', Body: 'fresh' }));
    const right = await sdkError(
      target.client.send(new GetObjectCommand({ Bucket: bucket, Key: 'raw/one' })),
    );
    const later = await eventually(
      async () => (await rawGet('raw/one')).status,
      (status) => status === 200,
      { what: 'raw/one readable' },
    );
    const visibleAfter = Date.now() - written;

    // Assess
    expect(right).toEqual({ name: 'NoSuchKey', status: 404 });
    expect(later).toBe(200);
    expect(visibleAfter).toBeGreaterThanOrEqual(1500);
    expect((await getBytes('raw/one')).toString()).toBe('fresh');
  });

  it('stale_read serves the version the latest PUT replaced while the rule is in force', async () => {
    // Prepare: the rule exists before the overwrite, so the replaced bytes are kept for it.
    const rule = await target.faults.addRule({
      match: { service: 's3-api', operation: 'GetObject', bucket, key: 'stale' },
      fault: { type: 'stale_read' },
      times: 1,
    });
    await target.client.send(new PutObjectCommand({ Bucket: bucket, Key: 'stale', Body: 'version-1' }));
    await target.client.send(new PutObjectCommand({ Bucket: bucket, Key: 'stale', Body: 'version-2' }));

    // Act
    const stale = await getBytes('stale');
    const fresh = await getBytes('stale');

    // Assess
    expect(stale.toString()).toBe('version-1');
    expect(fresh.toString()).toBe('version-2');
    expect(await target.faults.events({ rule: rule.id })).toHaveLength(1);
  });
});

/** Waits until the task queue is empty: a replaced version's blobs are then collected. */
async function queueDrained(): Promise<void> {
  const pending = async () => {
    const answer = await fetch(`${target.adminEndpoint}/api/v1/async/queue`);
    return ((await answer.json()) as { pending: number }).pending;
  };
  await eventually(pending, (count) => count === 0, { what: 'the task queue drained' });
}

describe('consistency faults fire on the reads and listings they describe', () => {
  const list = async (prefix: string) =>
    (await target.client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }))).Contents?.map(
      (o) => o.Key,
    ) ?? [];

  it('list_lag times: 1 without an operation: the PUT does not spend it, the LIST right after is lagged', async () => {
    // Prepare
    const rule = await target.faults.addRule({
      match: { service: 's3-api', bucket },
      fault: { type: 'list_lag', ms: 60_000 },
      times: 1,
    });

    // Act
    await target.client.send(new PutObjectCommand({ Bucket: bucket, Key: 'lag1/new', Body: 'x' }));
    const lagged = await list('lag1');
    const next = await list('lag1');

    // Assess
    expect(lagged).toEqual([]);
    expect(next).toEqual(['lag1/new']);
    const firings = await target.faults.events({ rule: rule.id });
    expect(firings.map((f) => f.operation)).toEqual(['ListObjectsV2']);
  });

  it('list_lag after: 1 counts listings only: the PUT is no match, the first LIST passes, the second is lagged', async () => {
    // Prepare
    const rule = await target.faults.addRule({
      match: { service: 's3-api', bucket },
      fault: { type: 'list_lag', ms: 60_000 },
      after: 1,
      times: 1,
    });

    // Act
    await target.client.send(new PutObjectCommand({ Bucket: bucket, Key: 'lag2/new', Body: 'x' }));
    const first = await list('lag2');
    const second = await list('lag2');
    const dryRun = await target.faults.explain({
      service: 's3-api',
      point: 'http.server',
      operation: 'PutObject',
      bucket,
      key: 'lag2/new',
    });

    // Assess
    expect(first).toEqual(['lag2/new']);
    expect(second).toEqual([]);
    expect(await target.faults.events({ rule: rule.id })).toHaveLength(1);
    expect(dryRun.rules).toEqual([
      expect.objectContaining({ ruleId: rule.id, matched: false, mismatch: 'match.operation' }),
    ]);
  });

  it('read_after_write_miss times: 1 without an operation: PUT, then the GET misses', async () => {
    // Prepare
    const rule = await target.faults.addRule({
      match: { service: 's3-api', bucket, key: 'ram1/*' },
      fault: { type: 'read_after_write_miss', ms: 60_000 },
      times: 1,
    });

    // Act
    await target.client.send(new PutObjectCommand({ Bucket: bucket, Key: 'ram1/one', Body: 'fresh' }));
    const missed = await rawGet('ram1/one');
    const next = await getBytes('ram1/one');

    // Assess
    expectS3Error(missed, 'NoSuchKey', 404);
    expect(missed.headers['x-mock-fault-rule']).toBe(rule.id);
    expect(next.toString()).toBe('fresh');
    const firings = await target.faults.events({ rule: rule.id });
    expect(firings.map((f) => f.operation)).toEqual(['GetObject']);
  });

  it('nothing hidden, nothing stale: no firing is logged or named, and times is not spent', async () => {
    // Prepare: an object older than the rules' ms, and one whose replaced version was collected
    // before any stale_read rule existed.
    await target.client.send(new PutObjectCommand({ Bucket: bucket, Key: 'calm/old', Body: 'v1' }));
    await target.client.send(new PutObjectCommand({ Bucket: bucket, Key: 'calm/old', Body: 'v2' }));
    await queueDrained();
    const raw = await target.faults.addRule({
      match: { service: 's3-api', bucket, key: 'calm/*' },
      fault: { type: 'read_after_write_miss', ms: 1 },
      times: 1,
    });
    const lag = await target.faults.addRule({
      match: { service: 's3-api', bucket },
      fault: { type: 'list_lag', ms: 1 },
      times: 1,
    });

    // Act
    const read = await rawGet('calm/old');
    const listed = await list('calm');

    // Assess
    expect(read.status).toBe(200);
    expect(read.text).toBe('v2');
    expect(read.headers['x-mock-fault-rule']).toBeUndefined();
    expect(listed).toEqual(['calm/old']);
    expect(await target.faults.events({ rule: raw.id })).toEqual([]);
    expect(await target.faults.events({ rule: lag.id })).toEqual([]);
    expect((await target.faults.getRule(raw.id)).hits).toBe(0);
    expect((await target.faults.getRule(lag.id)).hits).toBe(0);
  });

  it('stale_read with no readable older version serves the current one and logs nothing', async () => {
    // Prepare: v1 replaced and collected while no stale_read rule existed.
    await target.client.send(new PutObjectCommand({ Bucket: bucket, Key: 'calm/stale', Body: 'v1' }));
    await target.client.send(new PutObjectCommand({ Bucket: bucket, Key: 'calm/stale', Body: 'v2' }));
    await queueDrained();
    const rule = await target.faults.addRule({
      match: { service: 's3-api', bucket, key: 'calm/stale' },
      fault: { type: 'stale_read' },
      times: 1,
    });

    // Act
    const read = await rawGet('calm/stale');
    await target.client.send(new PutObjectCommand({ Bucket: bucket, Key: 'calm/stale', Body: 'v3' }));
    const stale = await rawGet('calm/stale');

    // Assess: the first read had nothing stale to serve; the rule fires on the next one.
    expect(read.text).toBe('v2');
    expect(read.headers['x-mock-fault-rule']).toBeUndefined();
    expect(stale.text).toBe('v2');
    expect(stale.headers['x-mock-fault-rule']).toBe(rule.id);
    expect(await target.faults.events({ rule: rule.id })).toHaveLength(1);
  });
});

describe('x-mock-fault header', () => {
  it('s3_error;code=SlowDown fails that request only', async () => {
    // Prepare
    const client = s3Client(target.endpoint);
    const remove = withFaultHeader(client, 's3_error;code=SlowDown');

    // Act
    const failed = await sdkError(client.send(new GetObjectCommand({ Bucket: bucket, Key: 'fixed' })));
    remove();
    const next = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: 'fixed' }));
    client.destroy();

    // Assess
    expect(failed).toEqual({ name: 'SlowDown', status: 503 });
    expect(next.$metadata.httpStatusCode).toBe(200);
    const firings = await target.faults.events({ rule: 'x-mock-fault' });
    expect(firings.filter((f) => f.operation === 'GetObject' && f.type === 's3_error')).toHaveLength(1);
  });

  it('latency;ms=300 delays that request only', async () => {
    // Act
    const slow = await timed(() => rawGet('fixed', { 'x-mock-fault': 'latency;ms=300' }));
    const next = await timed(() => rawGet('fixed'));

    // Assess
    expect(slow.result.status).toBe(200);
    expect(slow.result.body.equals(body)).toBe(true);
    expect(slow.ms).toBeGreaterThanOrEqual(300);
    expect(slow.result.headers['x-mock-fault-rule']).toBe('x-mock-fault');
    expect(next.result.status).toBe(200);
    expect(next.result.headers['x-mock-fault-rule']).toBeUndefined();
    expect(next.ms).toBeLessThan(300);
  });

  it('a malformed header is refused with InvalidArgument', async () => {
    // Act
    const response = await rawGet('fixed', { 'x-mock-fault': 'latency;ms=soon' });

    // Assess
    expectS3Error(response, 'InvalidArgument', 400);
  });
});

describe('stopping faults', () => {
  it('a rule with ttl "1s" stops firing once expired, and is gone', async () => {
    // Prepare
    const rule = await target.faults.addRule({
      match: { service: 's3-api', operation: 'HeadObject', bucket },
      fault: { type: 's3_error', code: 'InternalError' },
      ttl: '1s',
    });
    const head = async () =>
      (await rawRequest(target.endpoint, { method: 'HEAD', path: `/${bucket}/fixed` })).status;

    // Act
    const during = await head();
    const after = await eventually(head, (status) => status === 200, { what: 'HEAD 200 after TTL' });
    const expiredFor = Date.now() - Date.parse(rule.expiresAt);

    // Assess
    expect(during).toBe(500);
    expect(after).toBe(200);
    expect(expiredFor).toBeGreaterThanOrEqual(0);
    expect((await target.faults.call('GET', `/rules/${rule.id}`)).status).toBe(404);
  });

  it('the kill switch stops every fault at once and clears the rules', async () => {
    // Prepare
    await target.faults.addRule({
      match: { service: 's3-api', operation: 'GetObject', bucket },
      fault: { type: 's3_error', code: 'InternalError' },
    });
    await target.faults.addRule({
      match: { service: 's3-api', operation: 'HeadObject', bucket },
      fault: { type: 'latency', ms: 2000 },
    });
    await target.faults.addRule({
      match: { service: 'gateway', point: 'gateway.socket', operation: 'ListObjectsV2', bucket },
      fault: { type: 'reset' },
    });
    const before = (await rawGet('fixed')).status;
    const listBefore = await failureOf(target.client.send(new ListObjectsV2Command({ Bucket: bucket })));

    // Act
    const status = await target.faults.killSwitch();
    const get = await rawGet('fixed');
    const head = await timed(() =>
      target.client.send(new HeadObjectCommand({ Bucket: bucket, Key: 'fixed' })),
    );
    const viaHeader = await rawGet('fixed', { 'x-mock-fault': 's3_error;code=SlowDown' });
    const list = await target.client.send(new ListObjectsV2Command({ Bucket: bucket }));

    // Assess
    expect(before).toBe(500);
    expect(String(listBefore.code ?? listBefore.message)).toMatch(/ECONNRESET|socket hang up/);
    expect(list.$metadata.httpStatusCode).toBe(200);
    expect(status).toMatchObject({ enabled: false, reason: 'kill_switch', killSwitch: true, rules: 0 });
    expect(get.status).toBe(200);
    expect(get.body.equals(body)).toBe(true);
    expect(head.ms).toBeLessThan(2000);
    expect(viaHeader.status).toBe(200);
    expect(await target.faults.listRules()).toEqual([]);
  });

  it('while the kill switch is on, new rules are kept but do not fire; enable turns them on', async () => {
    // Prepare
    await target.faults.killSwitch();
    await target.faults.addRule({
      match: { service: 's3-api', operation: 'GetObject', bucket },
      fault: { type: 's3_error', code: 'InternalError' },
    });

    // Act
    const off = (await rawGet('fixed')).status;
    const enabled = await target.faults.enable();
    const on = (await rawGet('fixed')).status;

    // Assess
    expect(off).toBe(200);
    expect(enabled).toMatchObject({ enabled: true, killSwitch: false, rules: 1 });
    expect(on).toBe(500);
  });
});
