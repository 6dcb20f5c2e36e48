import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { eventually, FaultsClient, timed } from '../support/e2e/faults.js';
import { expectS3Error, rawRequest } from '../support/e2e/http.js';
import { scrape, sumOf } from '../support/e2e/metrics.js';
import { quotedMd5, sha256Hex, uniqueBucketName } from '../support/e2e/payload.js';
import { awsCli, s3Client } from '../support/e2e/server.js';
import { seed, startOrigin, type TestOrigin } from '../support/origin/index.js';
import { controlRequest } from '../support/stack/control-plane.js';
import { stackEnv } from '../support/stack/stack-env.js';

/**
 * Origin fallback in stack mode (docs/origin.md): a bucket of the test stack reads through to a
 * real origin (a second instance of this project, which counts the GETs it serves), configured on
 * the control plane and in force on both serverless-offline instances. Requests that must meet one
 * process (a per-process breaker, negative cache, remembered answer) go to instance A directly;
 * the read-through itself goes through the front, as a client's would.
 */
jest.setTimeout(120_000);

const env = stackEnv();
if (env.offlinePorts.length !== 2) throw new Error('STACK_OFFLINE_PORTS must name the two instances');
const [A, B] = env.offlinePorts.map((port) => `http://127.0.0.1:${port}`) as [string, string];
/** The promise: an origin set on the control plane is in force in every process within a second. */
const IN_FORCE_MS = 1000;
/** How long a rule may take to reach instance A (target 100 ms; generous on a loaded machine). */
const RULE_ARRIVAL_MS = 3000;

let origin: TestOrigin;
let originStopped = false;
let front: S3Client;
let onA: S3Client;
let onB: S3Client;
const faults = new FaultsClient(env.adminEndpoint);
const faultsOnA = new FaultsClient(A);
const ruleIds: string[] = [];
/** The main bucket: negative cache of 2 s, no rate limit. */
const bucket = uniqueBucketName('stack-origin');

function putOrigin(at: string, local: string, extra: Record<string, unknown>): Promise<Response> {
  return controlRequest(at, 'PUT', `/origins/${local}`, origin.config(extra), 10_000);
}

/** Sets `local`'s origin on the control plane and waits until instance A has it. */
async function configure(local: string, extra: Record<string, unknown>): Promise<void> {
  const answer = await putOrigin(env.adminEndpoint, local, extra);
  if (answer.status !== 201 && answer.status !== 200) {
    throw new Error(`PUT /origins/${local} answered ${answer.status}: ${await answer.text()}`);
  }
  await eventually(
    async () => (await controlRequest(A, 'GET', `/origins/${local}`)).status,
    (status) => status === 200,
    { timeoutMs: RULE_ARRIVAL_MS, intervalMs: 20, what: `origin of ${local} on ${A}` },
  );
}

/** Adds a rule and waits until instance A applies it. */
async function addRule(rule: Record<string, unknown>): Promise<string> {
  const added = await faults.addRule({ ttl: '5m', ...rule });
  ruleIds.push(added.id);
  await eventually(
    async () => (await faultsOnA.call('GET', `/rules/${encodeURIComponent(added.id)}`)).status,
    (status) => status === 200,
    { timeoutMs: RULE_ARRIVAL_MS, intervalMs: 20, what: `rule ${added.id} on ${A}` },
  );
  return added.id;
}

async function removeRule(id: string): Promise<void> {
  await faults.removeRule(id);
  await eventually(
    async () => (await faultsOnA.call('GET', `/rules/${encodeURIComponent(id)}`)).status,
    (status) => status === 404,
    { timeoutMs: RULE_ARRIVAL_MS, intervalMs: 20, what: `rule ${id} gone from ${A}` },
  );
}

async function bytesOf(client: S3Client, local: string, key: string, range?: string) {
  const answer = await client.send(
    new GetObjectCommand({ Bucket: local, Key: key, ...(range ? { Range: range } : {}) }),
  );
  return { answer, body: Buffer.from((await answer.Body?.transformToByteArray()) ?? []) };
}

/** A GET of `/{local}/{key}` on instance A as raw HTTP: the status, and the S3 error when it is one. */
function rawGet(local: string, key: string) {
  return rawRequest(A, { method: 'GET', path: `/${local}/${key}` });
}

/** GetObject requests the origin has served so far. */
async function originGets(): Promise<number> {
  const count = await origin.getCount();
  if (count === undefined) throw new Error(`${origin.name} cannot count its GETs`);
  return count;
}

beforeAll(async () => {
  origin = await startOrigin('instance');
  front = s3Client(env.endpoint);
  onA = s3Client(A);
  onB = s3Client(B);
});

afterAll(async () => {
  await Promise.allSettled(ruleIds.map((id) => faults.call('DELETE', `/rules/${encodeURIComponent(id)}`)));
  front?.destroy();
  onA?.destroy();
  onB?.destroy();
  if (!originStopped) await origin?.stop();
});

describe('origin fallback in stack mode', () => {
  it('puts an origin set on the control plane in force on both instances within a second, credentials never answered', async () => {
    // Act
    const answer = await putOrigin(env.adminEndpoint, bucket, { negativeTtl: '2s', rps: 0 });
    const text = await answer.text();
    const inForce = await timed(() =>
      Promise.all(
        [A, B].map((instance) =>
          eventually(
            async () => (await controlRequest(instance, 'GET', `/origins/${bucket}`)).status,
            (status) => status === 200,
            { timeoutMs: 5000, intervalMs: 10, what: `origin on ${instance}` },
          ),
        ),
      ),
    );
    const listed = await (await controlRequest(B, 'GET', '/origins')).text();

    // Assess
    expect(answer.status).toBe(201);
    expect(JSON.parse(text)).toMatchObject({ endpoint: origin.endpoint, credentialsSet: true });
    expect(inForce.ms).toBeLessThan(IN_FORCE_MS);
    for (const shown of [text, listed]) {
      expect(shown).not.toContain(origin.credentials!.secretAccessKey);
    }
    expect(listed).toContain(bucket);
  });

  it('reads a missing key through, bytes and headers exact, with the AWS SDK', async () => {
    // Prepare
    const small = seed(origin, 'dir/small.txt');
    const direct = s3Client(origin.endpoint);
    const atOrigin = await direct
      .send(new HeadObjectCommand({ Bucket: origin.bucket, Key: small.key }))
      .finally(() => direct.destroy());

    // Act
    const { answer, body } = await bytesOf(front, bucket, small.key);
    const empty = await bytesOf(front, bucket, 'empty.bin');
    const multipart = await bytesOf(front, bucket, 'multipart.bin');

    // Assess
    expect(body.equals(small.body)).toBe(true);
    expect(answer).toMatchObject({
      ETag: small.etag,
      ContentType: small.headers?.contentType,
      CacheControl: small.headers?.cacheControl,
      ContentDisposition: small.headers?.contentDisposition,
      ContentEncoding: small.headers?.contentEncoding,
      ContentLanguage: small.headers?.contentLanguage,
      Metadata: small.metadata,
    });
    expect(answer.Expires?.toISOString()).toBe(small.headers?.expires?.toISOString());
    expect(answer.LastModified?.toISOString()).toBe(atOrigin.LastModified?.toISOString());
    expect(empty.body.length).toBe(0);
    expect(empty.answer.ETag).toBe(seed(origin, 'empty.bin').etag);
    expect(multipart.body.equals(seed(origin, 'multipart.bin').body)).toBe(true);
    expect(multipart.answer.ETag).toBe(seed(origin, 'multipart.bin').etag);
  });

  it('reads a missing 5 MiB key through with aws-cli', async () => {
    // Prepare
    const large = seed(origin, 'large.bin');
    const directory = await mkdtemp(join(tmpdir(), 'stack-origin-cli-'));

    try {
      // Act
      const result = await awsCli(
        ['s3api', 'get-object', '--bucket', bucket, '--key', large.key, join(directory, 'large.bin')],
        { endpoint: env.endpoint },
      );
      const written = await readFile(join(directory, 'large.bin'));

      // Assess
      expect(result).toMatchObject({ code: 0 });
      expect(JSON.parse(result.stdout)).toMatchObject({ ETag: large.etag, ContentLength: large.body.length });
      expect(sha256Hex(written)).toBe(sha256Hex(large.body));
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });

  it('sends one origin GET for 100 concurrent GETs of a missing key spread over both instances', async () => {
    // Prepare
    const key = 'hot/one-fetch.bin';
    const bytes = randomBytes(256 * 1024);
    await origin.put(key, bytes);
    const before = await originGets();

    // Act
    const answers = await Promise.all(
      Array.from({ length: 100 }, (_, index) => bytesOf(index % 2 === 0 ? onA : onB, bucket, key)),
    );
    const after = await originGets();

    // Assess
    expect(answers.filter(({ body }) => body.equals(bytes))).toHaveLength(100);
    expect(answers.every(({ answer }) => answer.ETag === quotedMd5(bytes))).toBe(true);
    expect(after - before).toBe(1);
  });

  it('serves a range of a missing key from one whole-object fetch, then the rest locally', async () => {
    // Prepare
    const key = 'ranged/one-mib.bin';
    const bytes = randomBytes(1024 * 1024);
    await origin.put(key, bytes);
    const before = await originGets();

    // Act
    const ranged = await bytesOf(front, bucket, key, 'bytes=1000-1999');
    const whole = await bytesOf(front, bucket, key);
    const after = await originGets();

    // Assess
    expect(ranged.answer.$metadata.httpStatusCode).toBe(206);
    expect(ranged.answer.ContentRange).toBe(`bytes 1000-1999/${bytes.length}`);
    expect(ranged.body.equals(bytes.subarray(1000, 2000))).toBe(true);
    expect(whole.body.equals(bytes)).toBe(true);
    expect(after - before).toBe(1);
  });

  it('remembers an origin 404 for negativeTtl, without asking the origin meanwhile', async () => {
    // Prepare
    const key = 'late/arrival.txt';
    const first = await rawGet(bucket, key);
    await origin.put(key, Buffer.from('here now'));
    const before = await originGets();

    // Act
    const remembered = await rawGet(bucket, key);
    const during = await originGets();
    const later = await eventually(
      () => rawGet(bucket, key),
      (answer) => answer.status === 200,
      { timeoutMs: 5000, intervalMs: 250, what: 'the key after negativeTtl' },
    );

    // Assess
    expectS3Error(first, 'NoSuchKey', 404);
    expectS3Error(remembered, 'NoSuchKey', 404);
    expect(during).toBe(before);
    expect(later.text).toBe('here now');
  });

  it('keeps the object of a client PUT that commits while the origin fetch is in flight', async () => {
    // Prepare: the origin's answer is held 1.5 s at instance A before the write-back
    const local = uniqueBucketName('stack-origin-race');
    await configure(local, { rps: 0 });
    const key = 'race/object.bin';
    const fromOrigin = randomBytes(64 * 1024);
    const fromClient = randomBytes(64 * 1024);
    await origin.put(key, fromOrigin);
    await addRule({
      match: { service: 'origin', point: 'origin.fetch.after', bucket: local },
      fault: { type: 'latency', ms: 1500 },
    });
    const writeBacks = async (result?: string) =>
      sumOf(await scrape(A), 'origin_write_back_total', { bucket: local, ...(result ? { result } : {}) });
    const lostBefore = await writeBacks('lost_race');
    const servedBefore = await originGets();

    // Act: the client's PUT once the origin has answered (the write-back is then 1.5 s away)
    const fetching = bytesOf(onA, local, key);
    await eventually(originGets, (served) => served > servedBefore, {
      timeoutMs: 1000,
      intervalMs: 20,
      what: 'the origin GET',
    });
    await front.send(new PutObjectCommand({ Bucket: local, Key: key, Body: fromClient }));
    const fetched = await fetching;
    // The fetching GET is answered before its write-back is done: read once that has ended.
    await eventually(writeBacks, (done) => done > 0, {
      timeoutMs: 5000,
      intervalMs: 50,
      what: 'the write-back',
    });
    const afterwards = await bytesOf(onB, local, key);
    const lostAfter = await writeBacks('lost_race');

    // Assess
    expect(fetched.body.equals(fromOrigin)).toBe(true);
    expect(afterwards.body.equals(fromClient)).toBe(true);
    expect(lostAfter - lostBefore).toBe(1);
  });

  it('opens the breaker after its failures, answers 503 without asking, and closes after a half-open trial', async () => {
    // Prepare
    const local = uniqueBucketName('stack-origin-breaker');
    await configure(local, { rps: 0, breaker: { failures: 2, openMs: 1500 } });
    const key = seed(origin, 'dir/small.txt').key;
    const outage = await addRule({
      match: { service: 'origin', point: 'origin.fetch.before', bucket: local },
      fault: { type: 'origin_unavailable' },
    });

    // Act
    const failures = [await rawGet(local, key), await rawGet(local, key)];
    const open = await rawGet(local, key);
    const openState = sumOf(await scrape(A), 'origin_breaker_state', { bucket: local });
    const firedWhileOpen = (await faults.events({ rule: outage })).length;
    await removeRule(outage);
    const recovered = await eventually(
      () => rawGet(local, key),
      (answer) => answer.status === 200,
      { timeoutMs: 5000, intervalMs: 200, what: 'a GET after openMs' },
    );
    const closedState = sumOf(await scrape(A), 'origin_breaker_state', { bucket: local });

    // Assess
    for (const failure of failures) expectS3Error(failure, 'ServiceUnavailable', 503);
    expect(expectS3Error(open, 'ServiceUnavailable', 503).Message).toMatch(/circuit open/i);
    expect(openState).toBe(2);
    expect(firedWhileOpen).toBe(2);
    expect(recovered.body.equals(seed(origin, 'dir/small.txt').body)).toBe(true);
    expect(closedState).toBe(0);
  });

  describe('origin faults, as the client sees them', () => {
    const local = uniqueBucketName('stack-origin-faults');

    beforeAll(async () => {
      await configure(local, {
        rps: 0,
        negativeTtl: 0,
        timeoutMs: 1000,
        breaker: { failures: 1000, openMs: 1 },
      });
    });

    /** A key of this test alone at the origin, read once through instance A under `rule`'s fault. */
    async function underFault(point: 'before' | 'after', fault: Record<string, unknown>) {
      const key = `fault/${String(fault.type)}-${randomBytes(3).toString('hex')}.bin`;
      const bytes = randomBytes(32 * 1024);
      await origin.put(key, bytes);
      const id = await addRule({
        match: { service: 'origin', point: `origin.fetch.${point}`, bucket: local },
        fault,
      });
      const { ms, result } = await timed(() => rawGet(local, key));
      await removeRule(id);
      return { key, bytes, ms, answer: result };
    }

    it.each([
      ['origin_unavailable', 'before', { type: 'origin_unavailable' }, 'ServiceUnavailable'],
      ['http_status 500', 'before', { type: 'http_status', status: 500 }, 'ServiceUnavailable'],
      ['s3_error SlowDown', 'after', { type: 's3_error', code: 'SlowDown' }, 'SlowDown'],
      ['timeout', 'before', { type: 'timeout' }, 'ServiceUnavailable'],
    ] as const)('%s at %s: a retryable 503 %s, never a 404', async (_name, point, fault, code) => {
      // Act
      const { answer, key, bytes } = await underFault(point, fault);
      const afterwards = await rawGet(local, key);

      // Assess
      expectS3Error(answer, code, 503);
      expect(afterwards.body.equals(bytes)).toBe(true);
    });

    it('s3_error NoSuchKey: a 404, as the origin would answer', async () => {
      // Act
      const { answer } = await underFault('before', { type: 's3_error', code: 'NoSuchKey' });

      // Assess
      expectS3Error(answer, 'NoSuchKey', 404);
    });

    it('latency and slow_body: the right bytes, late', async () => {
      // Act
      const slow = await underFault('before', { type: 'latency', ms: 600 });
      const dripping = await underFault('after', { type: 'slow_body', chunkBytes: 8 * 1024, delayMs: 150 });

      // Assess
      expect(slow.answer.status).toBe(200);
      expect(slow.answer.body.equals(slow.bytes)).toBe(true);
      expect(slow.ms).toBeGreaterThanOrEqual(600);
      expect(dripping.answer.status).toBe(200);
      expect(dripping.answer.body.equals(dripping.bytes)).toBe(true);
      expect(dripping.ms).toBeGreaterThanOrEqual(4 * 150);
    });

    it('dirty with a mismatching ETag: 503, never cached; with a matching one: served and cached', async () => {
      // Act
      const detected = await underFault('after', { type: 'dirty', mode: 'bitflip', etag: 'mismatch' });
      const detectedAfterwards = await rawGet(local, detected.key);
      const undetected = await underFault('after', { type: 'dirty', mode: 'bitflip', etag: 'match' });
      const undetectedAfterwards = await rawGet(local, undetected.key);

      // Assess
      expect(expectS3Error(detected.answer, 'ServiceUnavailable', 503).Message).toMatch(/does not match/);
      expect(detectedAfterwards.body.equals(detected.bytes)).toBe(true);
      expect(undetected.answer.status).toBe(200);
      expect(undetected.answer.body.equals(undetected.bytes)).toBe(false);
      expect(undetected.answer.body.length).toBe(undetected.bytes.length);
      expect(undetectedAfterwards.body.equals(undetected.answer.body)).toBe(true);
    });

    it("stale: the origin's previous answer for the key", async () => {
      // Prepare: instance A fetches v1 (and remembers it), the local copy goes, the origin moves to v2
      const key = `fault/stale-${randomBytes(3).toString('hex')}.txt`;
      await origin.put(key, Buffer.from('version 1'));
      expect((await rawGet(local, key)).text).toBe('version 1');
      await onA.send(new DeleteObjectCommand({ Bucket: local, Key: key }));
      await origin.put(key, Buffer.from('version 2'));
      const id = await addRule({
        match: { service: 'origin', point: 'origin.fetch.before', bucket: local },
        fault: { type: 'stale' },
      });

      // Act
      const stale = await rawGet(local, key);
      await removeRule(id);

      // Assess
      expect(stale.status).toBe(200);
      expect(stale.text).toBe('version 1');
    });

    it('throttle: over its rate the client gets 503 SlowDown', async () => {
      // Prepare
      const keys = ['t1', 't2', 't3'].map(
        (name) => `fault/throttle-${name}-${randomBytes(3).toString('hex')}`,
      );
      for (const key of keys) await origin.put(key, Buffer.from(key));
      const id = await addRule({
        match: { service: 'origin', point: 'origin.fetch.before', bucket: local },
        fault: { type: 'throttle', rps: 1, per: 'bucket' },
      });

      // Act
      const answers = [];
      for (const key of keys) answers.push(await rawGet(local, key));
      await removeRule(id);

      // Assess
      expect(answers[0]!.status).toBe(200);
      expectS3Error(answers[2]!, 'SlowDown', 503);
    });
  });

  it('serves what was read through from local storage once the origin is gone, and a new miss as 503', async () => {
    // Prepare
    const small = seed(origin, 'dir/small.txt');
    const large = seed(origin, 'large.bin');
    await origin.stop();
    originStopped = true;

    // Act
    const fromA = await bytesOf(onA, bucket, small.key);
    const fromB = await bytesOf(onB, bucket, large.key);
    const head = await front.send(new HeadObjectCommand({ Bucket: bucket, Key: small.key }));
    const miss = await rawGet(bucket, 'never/fetched.bin');

    // Assess
    expect(fromA.body.equals(small.body)).toBe(true);
    expect(fromA.answer.ETag).toBe(small.etag);
    expect(fromB.body.equals(large.body)).toBe(true);
    expect(head.ETag).toBe(small.etag);
    expectS3Error(miss, 'ServiceUnavailable', 503);
  });
});
