import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { createHandler } from '../../../functions/s3-api/handler.js';
import { bodyBytes } from '../../../layers/binary-body.js';
import type { LambdaHandler } from '../../../layers/compose-handler.js';
import { createRedisCache } from '../../../shared/cache/adapters/redis-cache.js';
import { loadConfig } from '../../../shared/config/env.js';
import { openMetadataStore } from '../../../shared/metadata/open-metadata-store.js';
import { createRedisStreamQueue } from '../../../shared/queue/adapters/redis-stream-queue.js';
import { createRuntime } from '../../../shared/runtime/create-runtime.js';
import type { Runtime } from '../../../shared/runtime/runtime.js';
import { silentLogger } from '../../../shared/telemetry/logger.js';
import { apiEvent, type EventInput, unitContext } from '../../support/unit-runtime.js';
import { DEFAULT_DATABASE_URL } from '../global-setup.js';
import { deleteScratchKeys, inspectRedis, REDIS_URL, scratchPrefix } from '../queue/redis-scratch.js';

// The s3-api function through its Middy pipeline over the stack-mode adapters: PostgreSQL metadata,
// Redis cache and Redis Streams tasks, filesystem storage nodes.
const databaseUrl = process.env.DATABASE_URL || DEFAULT_DATABASE_URL;
const schema = `runtime_it_${process.pid}_${Date.now()}`;
const prefix = scratchPrefix('runtime');

describe('s3-api on PostgreSQL and Redis', () => {
  const admin = new pg.Pool({ connectionString: databaseUrl, max: 1 });
  const redis = inspectRedis();
  const dataDir = mkdtempSync(join(tmpdir(), 'mock-s3-runtime-'));
  let runtime: Runtime;
  let handler: LambdaHandler;
  const send = (input: EventInput) => handler(apiEvent(input), unitContext());

  beforeAll(async () => {
    await admin.query(`CREATE SCHEMA "${schema}"`);
    const config = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent' });
    runtime = await createRuntime(config, {
      metadata: await openMetadataStore({ backend: 'postgres', databaseUrl, pool: { searchPath: schema } }),
      cache: createRedisCache({ url: REDIS_URL, keyPrefix: `${prefix}cache:` }),
      queue: createRedisStreamQueue({
        url: REDIS_URL,
        stream: `${prefix}tasks`,
        group: 'async',
        consumer: 'runtime-it',
        maxAttempts: 3,
        claimIdleMs: 1000,
      }),
      logger: silentLogger,
      reconcile: false,
    });
    handler = createHandler(runtime);
    expect((await send({ method: 'PUT', path: '/real-backends' })).statusCode).toBe(200);
  });

  afterAll(async () => {
    await runtime.close();
    await deleteScratchKeys(redis, prefix);
    redis.disconnect();
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await admin.end();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('writes, reads, overwrites and deletes an object; the replaced blobs are removed by a task', async () => {
    // Prepare
    const first = randomBytes(4096);
    const second = randomBytes(1000);
    // Act
    await send({ method: 'PUT', path: '/real-backends/doc.bin', body: first });
    const put = await send({ method: 'PUT', path: '/real-backends/doc.bin', body: second });
    const get = await send({ method: 'GET', path: '/real-backends/doc.bin' });
    await runtime.services.queue.drain();
    // Assess: the latest version is served and only its blob is left (on R = 2 replicas).
    expect(put.headers?.etag).toBe(`"${createHash('md5').update(second).digest('hex')}"`);
    expect(bodyBytes(get).equals(second)).toBe(true);
    const replicas: string[] = [];
    for await (const listing of runtime.services.blobs.listAll()) replicas.push(listing.blobId);
    expect(replicas).toHaveLength(2);
    expect(new Set(replicas).size).toBe(1);
    // The object read is cached in Redis under the store's key format.
    expect(await redis.exists(`${prefix}cache:obj:real-backends/doc.bin`)).toBe(1);

    const deleted = await send({ method: 'DELETE', path: '/real-backends/doc.bin' });
    await runtime.services.queue.drain();
    const after = await send({ method: 'GET', path: '/real-backends/doc.bin' });
    const left: string[] = [];
    for await (const listing of runtime.services.blobs.listAll()) left.push(listing.blobId);
    expect(deleted.statusCode).toBe(204);
    expect(after.statusCode).toBe(404);
    expect(left).toEqual([]);
  });

  it('serves a GET of a cached object from one Redis round trip (the object and its bucket in one MGET)', async () => {
    // Prepare: the first GET fills the cache; MONITOR then shows every command the second one sends.
    await send({ method: 'PUT', path: '/real-backends-get' });
    await send({ method: 'PUT', path: '/real-backends-get/once.txt', body: 'once' });
    await send({ method: 'GET', path: '/real-backends-get/once.txt' });
    const monitor = await redis.monitor();
    const commands: string[][] = [];
    const sentinel = `${prefix}monitor-sentinel`;
    const sentinelSeen = new Promise<void>((resolve) => {
      monitor.on('monitor', (_time: string, args: string[]) => {
        if (args[1] === sentinel) resolve();
        else if (args.slice(1).some((arg) => arg.startsWith(`${prefix}cache:`))) commands.push(args);
      });
    });

    try {
      // Act
      const get = await send({ method: 'GET', path: '/real-backends-get/once.txt' });
      await redis.get(sentinel);
      await sentinelSeen;

      // Assess
      expect(bodyBytes(get).toString()).toBe('once');
      expect(commands.map((command) => command[0]!.toLowerCase())).toEqual(['mget']);
      expect(commands[0]).toEqual(
        expect.arrayContaining([
          `${prefix}cache:obj:real-backends-get/once.txt`,
          `${prefix}cache:bkt:real-backends-get`,
        ]),
      );
    } finally {
      monitor.disconnect();
    }
  });

  it('lists keys in UTF-8 byte order from PostgreSQL', async () => {
    const keys = ['b', 'B', 'é', '~', '中', 'a/x', 'a/y'];
    for (const key of keys)
      await send({ method: 'PUT', path: `/real-backends/${encodeURIComponent(key)}`, body: key });
    const list = await send({ method: 'GET', path: '/real-backends', query: 'list-type=2&delimiter=%2F' });
    const listed = [...String(list.body).matchAll(/<Key>([^<]*)<\/Key>/g)].map((match) => match[1]);
    const prefixes = [...String(list.body).matchAll(/<Prefix>([^<]+)<\/Prefix>/g)].map((match) => match[1]);
    expect(listed).toEqual(['B', 'b', '~', 'é', '中']);
    expect(prefixes).toEqual(['a/']);
  });

  it('completes a multipart upload of "\uFEFFvictim" without touching "victim" (PostgreSQL, Redis cache)', async () => {
    // Prepare
    const path = (key: string) => `/real-backends/${encodeURIComponent(key)}`;
    await send({ method: 'PUT', path: path('victim'), body: 'the victim' });
    expect(bodyBytes(await send({ method: 'GET', path: path('victim') })).toString()).toBe('the victim');
    const created = await send({ method: 'POST', path: path('\uFEFFvictim'), query: 'uploads=' });
    const uploadId = /<UploadId>([^<]+)<\/UploadId>/.exec(String(created.body))?.[1] ?? '';
    const part = await send({
      method: 'PUT',
      path: path('\uFEFFvictim'),
      query: `partNumber=1&uploadId=${uploadId}`,
      body: 'the intruder',
    });

    // Act
    const completed = await send({
      method: 'POST',
      path: path('\uFEFFvictim'),
      query: `uploadId=${uploadId}`,
      body: `<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>${part.headers?.etag}</ETag></Part></CompleteMultipartUpload>`,
    });

    // Assess
    expect(completed.statusCode).toBe(200);
    expect(bodyBytes(await send({ method: 'GET', path: path('victim') })).toString()).toBe('the victim');
    expect(bodyBytes(await send({ method: 'GET', path: path('\uFEFFvictim') })).toString()).toBe(
      'the intruder',
    );
  });
});
