import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { eventually, FaultsClient } from '../support/e2e/faults.js';
import { expectS3Error, rawRequest, sdkError } from '../support/e2e/http.js';
import { scrape, sumOf } from '../support/e2e/metrics.js';
import { sha256Hex, sha256OfFile, uniqueBucketName } from '../support/e2e/payload.js';
import {
  awsCli,
  type EmbeddedServer,
  freePort,
  s3Client,
  startEmbeddedServer,
} from '../support/e2e/server.js';
import {
  type OriginGate,
  type OriginSeed,
  SMALL_HEADERS,
  SMALL_METADATA,
  seed,
  startOrigin,
  startOriginGate,
  type TestOrigin,
} from '../support/origin/index.js';

jest.setTimeout(120_000);

const ORIGIN_KINDS = ['s3rver', 'moto', 'instance'] as const;
type OriginKind = (typeof ORIGIN_KINDS)[number];

/** A server of this project reading through to one origin, and the origin. */
interface Reader {
  origin: TestOrigin;
  server: EmbeddedServer;
  client: S3Client;
  /** The origin itself, through the SDK: what the read-through must reproduce. */
  direct: S3Client;
}

const readers = new Map<OriginKind, Reader>();

function reader(kind: OriginKind): Reader {
  const found = readers.get(kind);
  if (!found) throw new Error(`no reader for ${kind}`);
  return found;
}

/** Where the origins API is mounted on a server's control plane. */
const ORIGINS_API = '/api/v1/origins';

/** PUT /api/v1/origins/{bucket}: the bucket's origin, in force once answered (201 new, 200 replaced). */
async function configureOrigin(
  server: EmbeddedServer,
  bucket: string,
  body: Record<string, unknown>,
): Promise<void> {
  const response = await fetch(`${server.adminEndpoint}${ORIGINS_API}/${bucket}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  if (response.status !== 200 && response.status !== 201) {
    throw new Error(`PUT ${ORIGINS_API}/${bucket} answered ${response.status}: ${text}`);
  }
}

function readerOf(origin: TestOrigin, server: EmbeddedServer): Reader {
  return {
    origin,
    server,
    client: s3Client(server.endpoint),
    direct: s3Client(origin.endpoint, origin.credentials ? { credentials: { ...origin.credentials } } : {}),
  };
}

/**
 * A server whose origin is the environment's (ORIGIN_ENDPOINT, ORIGIN_BUCKETS, the simple case):
 * the origin's bucket, created at start, read through with the defaults.
 */
function startEnvironmentReader(origin: TestOrigin): Promise<EmbeddedServer> {
  return startEmbeddedServer({
    env: {
      ORIGIN_ENDPOINT: origin.endpoint,
      ORIGIN_BUCKETS: origin.bucket,
      ORIGIN_KIND: origin.kind,
      ...(origin.credentials
        ? {
            ORIGIN_ACCESS_KEY_ID: origin.credentials.accessKeyId,
            ORIGIN_SECRET_ACCESS_KEY: origin.credentials.secretAccessKey,
          }
        : {}),
    },
  });
}

async function getBytes(client: S3Client, bucket: string, key: string, extra: Record<string, unknown> = {}) {
  const answer = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key, ...extra }));
  return { answer, body: Buffer.from(await answer.Body!.transformToByteArray()) };
}

/** `origin_requests_total` of a reader by result (all results when none is named). */
async function originRequests(server: EmbeddedServer, result?: string): Promise<number> {
  return sumOf(await scrape(server.adminEndpoint), 'origin_requests_total', result ? { result } : {});
}

/** A fresh key at the origin, so each test reads a key no other test touched. */
let counter = 0;
function freshKey(prefix: string): string {
  counter += 1;
  return `${prefix}/${counter}-${Date.now()}`;
}

/** The server whose origins are set through the API (s3rver's, moto's, and the per-test ones). */
let apiServer: EmbeddedServer;
let environmentServer: EmbeddedServer;

beforeAll(async () => {
  const [s3rver, moto, instance] = await Promise.all(ORIGIN_KINDS.map((kind) => startOrigin(kind)));
  [apiServer, environmentServer] = await Promise.all([
    // Faults on: a test drives the origin.fetch points (FAULTS_ENABLED, as tests/support/e2e/faults.ts starts servers).
    startEmbeddedServer({ env: { FAULTS_ENABLED: 'true' } }),
    startEnvironmentReader(instance!),
  ]);
  for (const origin of [s3rver!, moto!]) await configureOrigin(apiServer, origin.bucket, origin.config());
  readers.set('s3rver', readerOf(s3rver!, apiServer));
  readers.set('moto', readerOf(moto!, apiServer));
  readers.set('instance', readerOf(instance!, environmentServer));
});

afterAll(async () => {
  for (const { origin, client, direct } of readers.values()) {
    client.destroy();
    direct.destroy();
    await origin.stop().catch(() => undefined);
  }
  await Promise.all([apiServer?.stop(), environmentServer?.stop()]);
});

describe.each(ORIGIN_KINDS)('read-through from %s (AWS SDK, default checksums)', (kind) => {
  it('serves every seeded object with its exact bytes, ETag, Last-Modified, headers and metadata', async () => {
    const { origin, client, direct } = reader(kind);
    for (const object of origin.objects) {
      const { answer, body } = await getBytes(client, origin.bucket, object.key);
      const atOrigin = await direct.send(new HeadObjectCommand({ Bucket: origin.bucket, Key: object.key }));
      expect(sha256Hex(body)).toBe(sha256Hex(object.body));
      expect(answer.ETag).toBe(object.etag);
      expect(answer.LastModified).toEqual(atOrigin.LastModified);
      expect(answer.ContentType).toBe(atOrigin.ContentType);
      expect(answer.ContentLength).toBe(object.body.length);
    }
    const { answer } = await getBytes(client, origin.bucket, 'dir/small.txt');
    expect({
      contentType: answer.ContentType,
      cacheControl: answer.CacheControl,
      contentDisposition: answer.ContentDisposition,
      contentEncoding: answer.ContentEncoding,
      contentLanguage: answer.ContentLanguage,
      expires: answer.ExpiresString,
    }).toEqual({ ...SMALL_HEADERS, expires: SMALL_HEADERS.expires?.toUTCString() });
    expect(answer.Metadata).toEqual(SMALL_METADATA);
  });

  it('answers the second read locally: no origin request, the same bytes and headers', async () => {
    const { origin, client, server } = reader(kind);
    const before = await originRequests(server);
    for (const object of origin.objects) {
      const { answer, body } = await getBytes(client, origin.bucket, object.key);
      expect(body.equals(object.body)).toBe(true);
      expect(answer.ETag).toBe(object.etag);
    }
    expect(await originRequests(server)).toBe(before);
    const samples = await scrape(server.adminEndpoint);
    expect(sumOf(samples, 'origin_reads_total', { source: 'local' })).toBeGreaterThanOrEqual(
      origin.objects.length,
    );
  });

  it('aws-cli: cp and head-object of a missing key read through, bytes, ETag and metadata exact', async () => {
    const { origin, server } = reader(kind);
    const key = freshKey('cli-small');
    const bytes = Buffer.from(`read through by aws-cli from ${kind}\n`.repeat(30));
    const etag = await origin.put(key, bytes, { metadata: { via: 'aws-cli' } });
    const dir = await mkdtemp(join(tmpdir(), 'origin-cli-'));
    try {
      const target = join(dir, 'object.txt');
      const copied = await awsCli(['s3', 'cp', `s3://${origin.bucket}/${key}`, target], {
        endpoint: server.endpoint,
      });
      expect(copied.code).toBe(0);
      expect((await sha256OfFile(target)).hex).toBe(sha256Hex(bytes));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    const head = await awsCli(['s3api', 'head-object', '--bucket', origin.bucket, '--key', key], {
      endpoint: server.endpoint,
    });
    expect(JSON.parse(head.stdout)).toMatchObject({
      ETag: etag,
      ContentLength: bytes.length,
      Metadata: { via: 'aws-cli' },
    });
  });

  it('answers NoSuchKey for a key the origin lacks, and remembers it (negativeTtl)', async () => {
    const { origin, client, server } = reader(kind);
    const key = freshKey('negative');
    expect(await sdkError(client.send(new GetObjectCommand({ Bucket: origin.bucket, Key: key })))).toEqual({
      name: 'NoSuchKey',
      status: 404,
    });
    await origin.put(key, Buffer.from('arrived later'));
    // Within the default 30 s the origin is not asked again: still 404, one more negative_cached.
    const cached = await originRequests(server, 'negative_cached');
    expect(await sdkError(client.send(new GetObjectCommand({ Bucket: origin.bucket, Key: key })))).toEqual({
      name: 'NoSuchKey',
      status: 404,
    });
    expect(await originRequests(server, 'negative_cached')).toBe(cached + 1);
  });
});

describe('read-through from the instance origin', () => {
  it('sends one origin fetch for 100 concurrent GETs of a missing key', async () => {
    const { origin, client } = reader('instance');
    const key = freshKey('single-flight');
    const bytes = Buffer.alloc(64 * 1024, 7);
    await origin.put(key, bytes);
    const before = await origin.getCount()!;
    const bodies = await Promise.all(
      Array.from({ length: 100 }, async () => (await getBytes(client, origin.bucket, key)).body),
    );
    expect(bodies.every((body) => body.equals(bytes))).toBe(true);
    expect((await origin.getCount()!) - before).toBe(1);
  });

  it('serves a Range and a partNumber of a missing key from one fetch of the whole object', async () => {
    const { origin, client } = reader('instance');
    const key = freshKey('range');
    const bytes = Buffer.from(Array.from({ length: 4096 }, (_, index) => index % 251));
    await origin.put(key, bytes);
    const before = await origin.getCount()!;
    const { answer, body } = await getBytes(client, origin.bucket, key, { Range: 'bytes=100-199' });
    expect(answer.$metadata.httpStatusCode).toBe(206);
    expect(answer.ContentRange).toBe(`bytes 100-199/${bytes.length}`);
    expect(body.equals(bytes.subarray(100, 200))).toBe(true);
    const part = await getBytes(client, origin.bucket, key, { PartNumber: 1 });
    expect(part.body.equals(bytes)).toBe(true);
    expect((await origin.getCount()!) - before).toBe(1);
  });

  it('reads through on HEAD (the whole object is fetched and written back; the next GET is local)', async () => {
    const { origin, client } = reader('instance');
    const key = freshKey('head');
    const bytes = Buffer.from('headed');
    const etag = await origin.put(key, bytes, { headers: { contentType: 'text/x-head' } });
    const head = await client.send(new HeadObjectCommand({ Bucket: origin.bucket, Key: key }));
    expect([head.ETag, head.ContentLength, head.ContentType]).toEqual([etag, bytes.length, 'text/x-head']);
    const before = await origin.getCount()!;
    expect((await getBytes(client, origin.bucket, key)).body.equals(bytes)).toBe(true);
    expect(await origin.getCount()!).toBe(before);
  });

  it('applies conditional headers to the fetched object', async () => {
    const { origin, client } = reader('instance');
    const key = freshKey('conditional');
    const etag = await origin.put(key, Buffer.from('conditional'));
    expect(
      await sdkError(
        client.send(new GetObjectCommand({ Bucket: origin.bucket, Key: key, IfNoneMatch: etag })),
      ),
    ).toMatchObject({ status: 304 });
  });

  it('aws-cli: cp of a missing 12 MiB object (ranged GETs in parallel) is one origin fetch, bytes exact', async () => {
    const { origin, server } = reader('instance');
    const key = freshKey('cli');
    const bytes = Buffer.alloc(12 * 1024 * 1024);
    for (let index = 0; index < bytes.length; index += 4) bytes.writeUInt32BE(index, index);
    await origin.put(key, bytes);
    const before = await origin.getCount()!;
    const dir = await mkdtemp(join(tmpdir(), 'origin-cli-'));
    try {
      const target = join(dir, 'object.bin');
      const copied = await awsCli(['s3', 'cp', `s3://${origin.bucket}/${key}`, target], {
        endpoint: server.endpoint,
      });
      expect(copied.code).toBe(0);
      expect((await sha256OfFile(target)).hex).toBe(sha256Hex(bytes));
      const head = await awsCli(['s3api', 'head-object', '--bucket', origin.bucket, '--key', key], {
        endpoint: server.endpoint,
      });
      expect(JSON.parse(head.stdout)).toMatchObject({ ContentLength: bytes.length });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    expect((await origin.getCount()!) - before).toBe(1);
  });

  it('a client PUT of a key read through later replaces the written-back copy', async () => {
    const { origin, client } = reader('instance');
    const key = freshKey('overwrite');
    await origin.put(key, Buffer.from('from the origin'));
    expect((await getBytes(client, origin.bucket, key)).body.toString()).toBe('from the origin');
    await client.send(new PutObjectCommand({ Bucket: origin.bucket, Key: key, Body: 'from the client' }));
    expect((await getBytes(client, origin.bucket, key)).body.toString()).toBe('from the client');
  });
});

describe('per-bucket settings through the origins API (the instance origin behind a gate)', () => {
  let gate: OriginGate;
  let client: S3Client;

  beforeAll(async () => {
    gate = await startOriginGate(reader('instance').origin.endpoint);
    client = s3Client(apiServer.endpoint);
  });

  afterAll(async () => {
    client?.destroy();
    await gate?.stop();
  });

  /** A new local bucket reading the instance origin's bucket through the gate, with `settings`. */
  async function gatedBucket(settings: Record<string, unknown> = {}): Promise<string> {
    const { origin } = reader('instance');
    const bucket = uniqueBucketName('governed');
    await configureOrigin(apiServer, bucket, origin.config({ endpoint: gate.endpoint, ...settings }));
    return bucket;
  }

  async function requestsOf(bucket: string, result: string): Promise<number> {
    return sumOf(await scrape(apiServer.adminEndpoint), 'origin_requests_total', { bucket, result });
  }

  it('kind http: GET {endpoint}/{key} with the exact bytes, ETag, headers and metadata', async () => {
    const { origin } = reader('instance');
    const bucket = uniqueBucketName('http');
    await configureOrigin(apiServer, bucket, { endpoint: `${gate.endpoint}/${origin.bucket}`, kind: 'http' });
    const small = seed(origin, 'dir/small.txt');
    const { answer, body } = await getBytes(client, bucket, small.key);
    expect(body.equals(small.body)).toBe(true);
    expect([answer.ETag, answer.ContentType, answer.CacheControl]).toEqual([
      small.etag,
      SMALL_HEADERS.contentType,
      SMALL_HEADERS.cacheControl,
    ]);
    expect(answer.Metadata).toEqual(SMALL_METADATA);
    const multipart = seed(origin, 'multipart.bin');
    expect((await getBytes(client, bucket, multipart.key)).answer.ETag).toBe(multipart.etag);
  });

  it('over rps: 503 SlowDown (S3 XML, request id) and no origin call', async () => {
    const { origin } = reader('instance');
    const bucket = await gatedBucket({ rps: 2, writeBack: false });
    const keys = Array.from({ length: 8 }, () => freshKey('rate'));
    for (const key of keys) await origin.put(key, Buffer.from(key));
    const before = gate.requests();
    const answers = await Promise.all(
      keys.map((key) => rawRequest(apiServer.endpoint, { method: 'GET', path: `/${bucket}/${key}` })),
    );
    const refused = answers.filter((answer) => answer.status === 503);
    for (const answer of refused) expectS3Error(answer, 'SlowDown', 503);
    expect(refused.length).toBeGreaterThanOrEqual(4);
    expect(answers.filter((answer) => answer.status === 200)).toHaveLength(gate.requests() - before);
    expect(await requestsOf(bucket, 'rate_limited')).toBe(refused.length);
  });

  it('opens the breaker while the origin is down (no origin call) and closes after a half-open trial', async () => {
    const { origin } = reader('instance');
    const bucket = await gatedBucket({ breaker: { failures: 2, openMs: 500 }, timeoutMs: 2000 });
    const key = freshKey('breaker');
    await origin.put(key, Buffer.from('back again'));
    gate.refuse(true);
    try {
      for (let attempt = 0; attempt < 2; attempt++) {
        const down = await rawRequest(apiServer.endpoint, { method: 'GET', path: `/${bucket}/${key}` });
        expect(expectS3Error(down, 'ServiceUnavailable', 503).Message).toContain('could not be reached');
      }
      const before = gate.requests();
      const open = await rawRequest(apiServer.endpoint, { method: 'GET', path: `/${bucket}/${key}` });
      expect(expectS3Error(open, 'ServiceUnavailable', 503).Message).toContain('origin circuit open');
      expect(gate.requests()).toBe(before);
      expect(sumOf(await scrape(apiServer.adminEndpoint), 'origin_breaker_state', { bucket })).toBe(2);
    } finally {
      gate.refuse(false);
    }
    // Once openMs has passed, one trial goes out; it succeeds and closes the circuit.
    const served = await eventually(
      () => rawRequest(apiServer.endpoint, { method: 'GET', path: `/${bucket}/${key}` }),
      (answer) => answer.status === 200,
      { timeoutMs: 5_000, intervalMs: 100, what: 'the breaker to let a trial through' },
    );
    expect(served.text).toBe('back again');
    expect(sumOf(await scrape(apiServer.adminEndpoint), 'origin_breaker_state', { bucket })).toBe(0);
  });

  it('answers 503 ServiceUnavailable when the origin gives no full answer within timeoutMs', async () => {
    const { origin } = reader('instance');
    const bucket = await gatedBucket({ timeoutMs: 300 });
    const key = freshKey('timeout');
    await origin.put(key, Buffer.from('too late'));
    gate.hold();
    try {
      const started = Date.now();
      const answer = await rawRequest(apiServer.endpoint, { method: 'GET', path: `/${bucket}/${key}` });
      expect(expectS3Error(answer, 'ServiceUnavailable', 503).Message).toContain('within 300 ms');
      expect(Date.now() - started).toBeLessThan(3_000);
    } finally {
      gate.release();
    }
  });

  it('never overwrites a client PUT that committed while the fetch was held: the PUT stays', async () => {
    // Prepare: the fetch of a missing key is held at the origin
    const { origin } = reader('instance');
    const bucket = await gatedBucket();
    const key = freshKey('race');
    await origin.put(key, Buffer.from('the origin copy'));
    gate.hold();
    const read = getBytes(client, bucket, key);
    await gate.arrived();
    // Act: a client PUT commits meanwhile, then the origin answers
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: 'the client write' }));
    gate.release();
    // Assess: the read that fetched gets the origin's bytes; the stored object is the PUT's
    expect((await read).body.toString()).toBe('the origin copy');
    await eventually(
      async () =>
        sumOf(await scrape(apiServer.adminEndpoint), 'origin_write_back_total', {
          bucket,
          result: 'lost_race',
        }),
      (lost) => lost === 1,
      { timeoutMs: 5_000, what: 'the write-back to lose the race' },
    );
    expect((await getBytes(client, bucket, key)).body.toString()).toBe('the client write');
  });

  it('a new config is in force at once: a remembered 404 and an open breaker are forgotten', async () => {
    const { origin } = reader('instance');
    const bucket = await gatedBucket({ negativeTtl: '1h' });
    const key = freshKey('reconfigured');
    expect(await sdkError(client.send(new GetObjectCommand({ Bucket: bucket, Key: key })))).toMatchObject({
      status: 404,
    });
    await origin.put(key, Buffer.from('now there'));
    expect(await sdkError(client.send(new GetObjectCommand({ Bucket: bucket, Key: key })))).toMatchObject({
      status: 404,
    });
    await configureOrigin(apiServer, bucket, origin.config({ endpoint: gate.endpoint, negativeTtl: '2h' }));
    expect((await getBytes(client, bucket, key)).body.toString()).toBe('now there');
  });

  it('every fetch wears the origin.fetch points: their rules fire (fault_point_covered) and act', async () => {
    // Prepare: 1 ms of latency at both points of this bucket's fetches, then an outage at `before`
    const { origin } = reader('instance');
    const bucket = await gatedBucket();
    const faults = new FaultsClient(apiServer.adminEndpoint);
    const [slowKey, downKey] = [freshKey('points'), freshKey('points')];
    await origin.put(slowKey, Buffer.from('late but right'));
    await origin.put(downKey, Buffer.from('never reached'));
    const rules = [
      await faults.addRule({
        match: { point: 'origin.fetch.before', bucket },
        fault: { type: 'latency', ms: 1 },
      }),
      await faults.addRule({
        match: { point: 'origin.fetch.after', bucket },
        fault: { type: 'latency', ms: 1 },
      }),
    ];
    try {
      // Act / Assess: the fetch passes both points
      expect((await getBytes(client, bucket, slowKey)).body.toString()).toBe('late but right');
      const samples = await scrape(apiServer.adminEndpoint);
      for (const point of ['origin.fetch.before', 'origin.fetch.after']) {
        expect(sumOf(samples, 'fault_point_covered', { point })).toBe(1);
      }
      rules.push(
        await faults.addRule({
          match: { point: 'origin.fetch.before', bucket, key: downKey },
          fault: { type: 'origin_unavailable' },
        }),
      );
      const before = gate.requests();
      const down = await rawRequest(apiServer.endpoint, { method: 'GET', path: `/${bucket}/${downKey}` });
      expect(expectS3Error(down, 'ServiceUnavailable', 503).Message).toContain('could not be reached');
      expect(gate.requests()).toBe(before);
    } finally {
      for (const rule of rules) await faults.removeRule(rule.id);
    }
  });

  it('an origin that cannot be reached is a 503 with the S3 error document, never a 404', async () => {
    const bucket = uniqueBucketName('unreachable');
    await configureOrigin(apiServer, bucket, {
      endpoint: `http://127.0.0.1:${await freePort()}`,
      credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
    });
    const answer = await rawRequest(apiServer.endpoint, { method: 'GET', path: `/${bucket}/any/key` });
    expectS3Error(answer, 'ServiceUnavailable', 503);
  });
});

describe('with the origins stopped', () => {
  it.each(['s3rver', 'instance'] as const)(
    '%s: every object read before is still served, locally',
    async (kind) => {
      const { origin, client } = reader(kind);
      await origin.stop();
      for (const object of origin.objects as OriginSeed[]) {
        const { answer, body } = await getBytes(client, origin.bucket, object.key);
        expect(body.equals(object.body)).toBe(true);
        expect(answer.ETag).toBe(seed(origin, object.key).etag);
      }
      // A key never read is not there: the origin cannot be reached, so 503, never 404.
      expect(
        await sdkError(client.send(new GetObjectCommand({ Bucket: origin.bucket, Key: freshKey('never') }))),
      ).toEqual({ name: 'ServiceUnavailable', status: 503 });
    },
  );
});
