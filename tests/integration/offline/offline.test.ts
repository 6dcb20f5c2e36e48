import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
  S3ServiceException,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { s3Client } from '../../support/e2e/clients.js';
import { samplesOf, scrape, sumOf } from '../../support/e2e/metrics.js';
import { DEFAULT_DATABASE_URL, DEFAULT_REDIS_URL } from '../global-setup.js';
import { buildBundles, type OfflineInstance, startOffline } from './offline-instance.js';

/**
 * Stack mode's API Gateway emulator: serverless-offline 14 (patched, patches/) hosting the esbuild
 * bundles in-process, with the stack backends (PostgreSQL metadata, Redis cache and queue), driven
 * by the AWS SDK v3 with its default checksum settings. See docs/serverless-offline.md.
 */

const MiB = 1024 * 1024;
const databaseUrl = process.env.DATABASE_URL || DEFAULT_DATABASE_URL;
const redisUrl = process.env.REDIS_URL || DEFAULT_REDIS_URL;
// A schema of this file alone: other suites truncate tables of the same test database.
const schema = `offline_it_${process.pid}_${Date.now()}`;
const admin = new pg.Pool({ connectionString: databaseUrl, max: 1 });
const bucket = `offline-${randomBytes(4).toString('hex')}`;

let dataDir: string;
let stack: OfflineInstance;
let capped: OfflineInstance;
let misconfigured: OfflineInstance;
let client: S3Client;

function stackEnv(extra: Record<string, string> = {}): Record<string, string> {
  const url = new URL(databaseUrl);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return {
    DATA_DIR: dataDir,
    METADATA_BACKEND: 'postgres',
    DATABASE_URL: url.toString(),
    CACHE_BACKEND: 'redis',
    QUEUE_BACKEND: 'redis',
    REDIS_URL: redisUrl,
    LOG_LEVEL: 'warn',
    ...extra,
  };
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

async function getBytes(key: string): Promise<Uint8Array> {
  const response = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return (response.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray();
}

/** The S3 error an SDK call failed with (fails the test if the call succeeded). */
async function s3Failure(call: Promise<unknown>): Promise<S3ServiceException> {
  const error = await call.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  if (!(error instanceof S3ServiceException)) throw new Error(`expected an S3 error, got ${String(error)}`);
  return error;
}

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'mock-s3-offline-'));
  await admin.query(`CREATE SCHEMA "${schema}"`);
  await buildBundles();
  [stack, capped, misconfigured] = await Promise.all([
    startOffline(stackEnv()),
    startOffline(stackEnv({ MAX_BODY_BYTES: String(MiB) })),
    // A deployment error the runtime refuses at cold start: the handler itself throws.
    startOffline(stackEnv({ STORAGE_NODES: '3', REPLICATION_FACTOR: '4' })),
  ]);
  client = s3Client(stack.endpoint);
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
}, 120_000);

afterAll(async () => {
  client?.destroy();
  await Promise.all([stack?.stop(), capped?.stop(), misconfigured?.stop()]);
  await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await admin.end();
  await rm(dataDir, { recursive: true, force: true });
}, 30_000);

describe('serverless-offline host (stack backends)', () => {
  it('stores an image/png body byte for byte', async () => {
    // Prepare: random bytes, which are never valid UTF-8 (stock serverless-offline decodes them as text)
    const png = randomBytes(64 * 1024);

    // Act
    await client.send(
      new PutObjectCommand({ Bucket: bucket, Key: 'image.png', Body: png, ContentType: 'image/png' }),
    );
    const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: 'image.png' }));
    const stored = await getBytes('image.png');

    // Assess
    expect(head.ContentType).toBe('image/png');
    expect(head.ContentLength).toBe(png.length);
    expect(Buffer.from(stored).equals(png)).toBe(true);
  });

  it('accepts a 20 MiB body, over the stock 10 MiB cap', async () => {
    // Prepare
    const body = randomBytes(20 * MiB);

    // Act
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'large.bin', Body: body }));
    const stored = await getBytes('large.bin');

    // Assess
    expect(stored.length).toBe(body.length);
    expect(sha256(stored)).toBe(sha256(body));
  }, 60_000);

  it('passes keys with special characters through unnormalised', async () => {
    // Prepare: spaces and plus, dot segments, an encoded slash, non-ASCII, query-like characters
    const keys = [
      'a b+c',
      '../../etc/passwd',
      'x%2Fy',
      'dir/./sub/../é😀',
      'q?uploads&delete=1',
      'trailing/',
    ];

    // Act
    for (const key of keys) {
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: `body of ${key}` }));
    }
    const bodies = await Promise.all(
      keys.map(async (key) => Buffer.from(await getBytes(key)).toString('utf8')),
    );
    const listed = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: '' }));

    // Assess
    expect(bodies).toEqual(keys.map((key) => `body of ${key}`));
    const listedKeys = (listed.Contents ?? []).map((object) => object.Key);
    for (const key of keys) expect(listedKeys).toContain(key);
  }, 30_000);

  it('keeps the query string intact (ListObjectsV2 pages, ?uploads, ?delete)', async () => {
    // Prepare
    const prefix = 'paged/';
    const keys = ['a', 'b', 'c', 'd', 'e'].map((name) => `${prefix}${name}`);
    for (const key of keys) await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: key }));

    // Act: continuation tokens are base64 (+, /, =), which a re-encoding emulator breaks
    const pages: string[][] = [];
    let token: string | undefined;
    do {
      const page = await client.send(
        new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, MaxKeys: 2, ContinuationToken: token }),
      );
      pages.push((page.Contents ?? []).map((object) => object.Key as string));
      token = page.NextContinuationToken;
    } while (token);
    const upload = await client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'multi.bin' }));
    const part = await client.send(
      new UploadPartCommand({
        Bucket: bucket,
        Key: 'multi.bin',
        UploadId: upload.UploadId,
        PartNumber: 1,
        Body: 'one part',
      }),
    );
    await client.send(
      new CompleteMultipartUploadCommand({
        Bucket: bucket,
        Key: 'multi.bin',
        UploadId: upload.UploadId,
        MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] },
      }),
    );
    const deleted = await client.send(
      new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys.map((Key) => ({ Key })) } }),
    );
    const after = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));

    // Assess
    expect(pages).toEqual([keys.slice(0, 2), keys.slice(2, 4), keys.slice(4)]);
    expect(Buffer.from(await getBytes('multi.bin')).toString('utf8')).toBe('one part');
    expect((deleted.Deleted ?? []).map((entry) => entry.Key).sort()).toEqual(keys);
    expect(after.KeyCount).toBe(0);
  }, 30_000);
});

describe('serverless-offline host response headers (as the handler set them)', () => {
  /** PUTs `body` with `headers` through fetch, failing the test unless S3 answered 200. */
  async function putRaw(key: string, body: string, headers: Record<string, string> = {}): Promise<Response> {
    const response = await fetch(`${stack.endpoint}/${bucket}/${key}`, { method: 'PUT', body, headers });
    expect(response.status).toBe(200);
    return response;
  }

  it('returns a text/* Content-Type verbatim, without an appended charset', async () => {
    // Prepare: hapi appends `; charset=utf-8` to text/* unless told not to
    await client.send(
      new PutObjectCommand({ Bucket: bucket, Key: 'plain.txt', Body: 'plain', ContentType: 'text/plain' }),
    );
    await putRaw('page.html', '<p>latin</p>', { 'content-type': 'text/html; charset=iso-8859-1' });

    // Act
    const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: 'plain.txt' }));
    const got = await fetch(`${stack.endpoint}/${bucket}/plain.txt`);
    const html = await fetch(`${stack.endpoint}/${bucket}/page.html`, { method: 'HEAD' });

    // Assess
    expect(head.ContentType).toBe('text/plain');
    expect(got.headers.get('content-type')).toBe('text/plain');
    expect(await got.text()).toBe('plain');
    expect(html.headers.get('content-type')).toBe('text/html; charset=iso-8859-1');
  });

  it('adds no Cache-Control the handler did not set, and keeps the stored one', async () => {
    // Prepare
    await putRaw('no-cache-header.bin', 'bytes');
    await putRaw('cached.bin', 'bytes', { 'cache-control': 'max-age=60' });

    // Act
    const head = await fetch(`${stack.endpoint}/${bucket}/no-cache-header.bin`, { method: 'HEAD' });
    const get = await fetch(`${stack.endpoint}/${bucket}/no-cache-header.bin`);
    await get.arrayBuffer();
    const cached = await fetch(`${stack.endpoint}/${bucket}/cached.bin`);
    await cached.arrayBuffer();

    // Assess
    expect(head.status).toBe(200);
    expect(head.headers.get('cache-control')).toBeNull();
    expect(get.status).toBe(200);
    expect(get.headers.get('cache-control')).toBeNull();
    expect(cached.headers.get('cache-control')).toBe('max-age=60');
  });

  it.each(['bytes=abc', 'items=0-5', 'bytes=5-2'])(
    'ignores the invalid Range %s as S3 does: 200 with the whole object',
    async (range) => {
      // Prepare
      await putRaw('ranged.txt', '0123456789');

      // Act
      const response = await fetch(`${stack.endpoint}/${bucket}/ranged.txt`, { headers: { range } });
      const body = await response.text();

      // Assess
      expect(response.status).toBe(200);
      expect(body).toBe('0123456789');
      expect(response.headers.get('content-range')).toBeNull();
    },
  );

  it("answers a valid Range with the handler's 206", async () => {
    // Prepare
    await putRaw('ranged-valid.txt', '0123456789');

    // Act
    const response = await fetch(`${stack.endpoint}/${bucket}/ranged-valid.txt`, {
      headers: { range: 'bytes=2-4' },
    });
    const body = await response.text();

    // Assess
    expect(response.status).toBe(206);
    expect(body).toBe('234');
    expect(response.headers.get('content-range')).toBe('bytes 2-4/10');
  });

  it('invents no Content-Type for empty 200 and 204 responses', async () => {
    // Act: PutObject answers 200 and DeleteObject 204, both without a body
    const put = await putRaw('empty-answers.txt', 'body', { 'content-type': 'text/plain' });
    const deleted = await fetch(`${stack.endpoint}/${bucket}/empty-answers.txt`, { method: 'DELETE' });

    // Assess
    expect(put.headers.get('content-type')).toBeNull();
    expect(await put.text()).toBe('');
    expect(deleted.status).toBe(204);
    expect(deleted.headers.get('content-type')).toBeNull();
    expect(deleted.headers.get('cache-control')).toBeNull();
  });
});

describe('serverless-offline host limits and failures', () => {
  it('answers a body over MAX_BODY_BYTES with S3 EntityTooLarge', async () => {
    // Prepare: the capped instance allows 1 MiB; it shares the bucket through PostgreSQL
    const cappedClient = s3Client(capped.endpoint);

    // Act
    const error = await s3Failure(
      cappedClient.send(new PutObjectCommand({ Bucket: bucket, Key: 'too-big', Body: randomBytes(MiB + 1) })),
    );
    const raw = await fetch(`${capped.endpoint}/${bucket}/too-big-raw`, {
      method: 'PUT',
      body: randomBytes(2 * MiB),
    });
    cappedClient.destroy();

    // Assess
    expect(error.name).toBe('EntityTooLarge');
    expect(error.$metadata.httpStatusCode).toBe(400);
    expect(raw.status).toBe(400);
    expect(raw.headers.get('content-type')).toContain('application/xml');
    expect(await raw.text()).toMatch(
      /<Error><Code>EntityTooLarge<\/Code><Message>[^<]+<\/Message><MaxSizeAllowed>1048576</,
    );
  }, 30_000);

  it('answers a handler that throws with a 500 S3 InternalError, not a 200', async () => {
    // Act
    const response = await fetch(`${misconfigured.endpoint}/${bucket}/anything`);
    const body = await response.text();

    // Assess
    expect(response.status).toBe(500);
    expect(response.headers.get('content-type')).toContain('application/xml');
    expect(body).toMatch(/<Error><Code>InternalError<\/Code>/);
    expect(body).not.toContain('REPLICATION_FACTOR');
  });

  it('serves the storage, queue and fault metrics of its runtime on /metrics (Redis queue)', async () => {
    // Prepare
    const body = randomBytes(3000);

    // Act
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'metrics/one', Body: body }));
    const samples = await scrape(stack.endpoint);

    // Assess: the runtime's three local nodes (static discovery) at R = 2.
    expect(sumOf(samples, 's3_bytes_acknowledged_total')).toBeGreaterThanOrEqual(3000);
    expect(sumOf(samples, 'write_amplification_ratio')).toBe(2);
    expect(
      sumOf(samples, 'enqueue_total', { queue: 'tasks', task_type: 'upload_completed' }),
    ).toBeGreaterThan(0);
    expect(samplesOf(samples, 'consumer_lag_seconds', { queue: 'tasks' })).toHaveLength(1);
    expect(samplesOf(samples, 'storage_node_up').map((sample) => sample.value)).toEqual([1, 1, 1]);
    expect(samplesOf(samples, 'fault_point_covered')).not.toHaveLength(0);
  });
});
