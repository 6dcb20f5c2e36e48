import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { sdkError } from '../support/e2e/http.js';
import { scrape, sumOf } from '../support/e2e/metrics.js';
import { sha256Hex, sha256OfFile } from '../support/e2e/payload.js';
import { awsCli, type EmbeddedServer, s3Client, startEmbeddedServer } from '../support/e2e/server.js';
import {
  type OriginSeed,
  SMALL_HEADERS,
  SMALL_METADATA,
  seed,
  startOrigin,
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

/** The environment's origin (ORIGIN_ENDPOINT, ORIGIN_BUCKETS): the origin's bucket, read through. */
async function startReader(origin: TestOrigin): Promise<Reader> {
  const server = await startEmbeddedServer({
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
  return {
    origin,
    server,
    client: s3Client(server.endpoint),
    direct: s3Client(origin.endpoint, origin.credentials ? { credentials: { ...origin.credentials } } : {}),
  };
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

beforeAll(async () => {
  const origins = await Promise.all(ORIGIN_KINDS.map((kind) => startOrigin(kind)));
  const started = await Promise.all(origins.map((origin) => startReader(origin)));
  for (const [index, kind] of ORIGIN_KINDS.entries()) readers.set(kind, started[index]!);
});

afterAll(async () => {
  for (const { server, origin, client, direct } of readers.values()) {
    client.destroy();
    direct.destroy();
    await server.stop().catch(() => undefined);
    await origin.stop().catch(() => undefined);
  }
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
