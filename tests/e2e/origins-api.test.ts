import { GetObjectCommand, HeadBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type CliIo, run } from '../../tools/cli/main.js';
import { rawRequest } from '../support/e2e/http.js';
import { originsCall, putOrigin } from '../support/e2e/origins.js';
import { uniqueBucketName } from '../support/e2e/payload.js';
import { type EmbeddedServer, s3Client, startEmbeddedServer } from '../support/e2e/server.js';
import { startOrigin, type TestOrigin } from '../support/origin/index.js';

/** Credentials the server must never echo or log: moto takes any, so these sign real fetches. */
const STORED_SECRET = 'stored-origin-secret-5f2c9a';
const ENV_SECRET = 'environment-origin-secret-8d41e7';
/** The promise: a configured origin is in force within a second. */
const IN_FORCE_MS = 1000;

// The origins API of an embedded server (its log at debug level, captured) whose environment gives
// one bucket an origin (ORIGIN_ENDPOINT, ORIGIN_BUCKETS), with a real origin: a bucket on moto.
describe('origins API (embedded)', () => {
  let origin: TestOrigin;
  let server: EmbeddedServer;
  let client: S3Client;
  /** The environment's bucket: the same name locally and at the origin. */
  let legacy: string;

  const small = () => origin.objects.find((object) => object.body.length === 1024)!;

  beforeAll(async () => {
    origin = await startOrigin('moto');
    legacy = origin.bucket;
    server = await startEmbeddedServer({
      env: {
        LOG_LEVEL: 'debug',
        ORIGIN_ENDPOINT: origin.endpoint,
        ORIGIN_BUCKETS: legacy,
        ORIGIN_ACCESS_KEY_ID: 'AKIAENVIRONMENT',
        ORIGIN_SECRET_ACCESS_KEY: ENV_SECRET,
      },
    });
    client = s3Client(server.endpoint);
  });

  afterAll(async () => {
    client?.destroy();
    await server?.stop();
    await origin?.stop();
  });

  it('reads through a bucket at once after PUT answers 201: the origin is in force, the bucket created', async () => {
    // Prepare
    const bucket = uniqueBucketName('origins-put');
    const started = Date.now();

    // Act
    const answer = await originsCall(
      server.adminEndpoint,
      'PUT',
      bucket,
      origin.config({ credentials: { accessKeyId: 'AKIASTORED', secretAccessKey: STORED_SECRET } }),
    );
    const answeredMs = Date.now() - started;
    const object = await client.send(new GetObjectCommand({ Bucket: bucket, Key: small().key }));
    const bytes = Buffer.from(await object.Body!.transformToByteArray());

    // Assess
    expect(answer.status).toBe(201);
    expect(answer.body).toMatchObject({
      localBucket: bucket,
      endpoint: origin.endpoint,
      bucket: origin.bucket,
      kind: 's3',
      credentialsSet: true,
      source: 'stored',
    });
    expect(answer.text).not.toContain(STORED_SECRET);
    expect(answeredMs).toBeLessThan(IN_FORCE_MS + 500);
    expect(bytes.equals(small().body)).toBe(true);
    expect(object.ETag).toBe(small().etag);
    await expect(client.send(new HeadBucketCommand({ Bucket: bucket }))).resolves.toBeDefined();
  });

  it('answers 200 on replace, 404 for none, 400 naming the field, and DELETE 200 then 404', async () => {
    // Prepare
    const bucket = uniqueBucketName('origins-codes');
    await putOrigin(server.adminEndpoint, bucket, origin.config());

    // Act
    const replaced = await originsCall(server.adminEndpoint, 'PUT', bucket, origin.config({ rps: 5 }));
    const refused = await originsCall(server.adminEndpoint, 'PUT', bucket, {
      ...origin.config(),
      breaker: { failures: 0 },
    });
    const unknown = await originsCall(server.adminEndpoint, 'PUT', bucket, { ...origin.config(), ttl: '1m' });
    const one = await originsCall(server.adminEndpoint, 'GET', bucket);
    const deleted = await originsCall(server.adminEndpoint, 'DELETE', bucket);
    const gone = await originsCall(server.adminEndpoint, 'GET', bucket);
    const deletedAgain = await originsCall(server.adminEndpoint, 'DELETE', bucket);

    // Assess
    expect(replaced.status).toBe(200);
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({ error: { code: 'ValidationError', field: 'breaker.failures' } });
    expect(unknown.body).toMatchObject({ error: { code: 'ValidationError', field: 'ttl' } });
    expect(one).toMatchObject({ status: 200, body: { rps: 5, source: 'stored' } });
    expect(deleted).toMatchObject({
      status: 200,
      body: { localBucket: bucket, deleted: true, inForce: 'none' },
    });
    expect(gone.status).toBe(404);
    expect(deletedAgain.status).toBe(404);
  });

  it('answers 405 to other methods, and the cross-site guard refuses foreign or non-JSON writes', async () => {
    // Prepare
    const bucket = uniqueBucketName('origins-guard');
    const body = JSON.stringify(origin.config());
    const url = new URL(server.adminEndpoint);

    // Act
    const post = await originsCall(server.adminEndpoint, 'POST', bucket, origin.config());
    const form = await rawRequest(server.adminEndpoint, {
      method: 'PUT',
      path: `/api/v1/origins/${bucket}`,
      headers: { host: url.host, 'content-type': 'text/plain', 'content-length': Buffer.byteLength(body) },
      body,
    });
    const crossSite = await rawRequest(server.adminEndpoint, {
      method: 'PUT',
      path: `/api/v1/origins/${bucket}`,
      headers: {
        host: url.host,
        origin: 'http://evil.example',
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(body),
      },
      body,
    });
    const stored = await originsCall(server.adminEndpoint, 'GET', bucket);

    // Assess
    expect(post.status).toBe(405);
    expect(form.status).toBe(415);
    expect(crossSite.status).toBe(403);
    expect(stored.status).toBe(404);
  });

  it('lists the environment origin with source environment, and refuses to delete it (409)', async () => {
    // Act
    const list = await originsCall<{ origins: Record<string, unknown>[] }>(server.adminEndpoint, 'GET');
    const refused = await originsCall(server.adminEndpoint, 'DELETE', legacy);
    const object = await client.send(new GetObjectCommand({ Bucket: legacy, Key: small().key }));
    const bytes = Buffer.from(await object.Body!.transformToByteArray());

    // Assess
    expect(list.status).toBe(200);
    expect(list.body.origins.find((o) => o.localBucket === legacy)).toMatchObject({
      endpoint: origin.endpoint,
      bucket: legacy,
      credentialsSet: true,
      source: 'environment',
    });
    expect(list.text).not.toContain(ENV_SECRET);
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ error: { code: 'Conflict' } });
    expect(bytes.equals(small().body)).toBe(true);
  });

  it("shows each origin in the admin view with this process's breaker state and fetch counters", async () => {
    // Prepare: one read-through, so the legacy origin has fetched at least once
    const bucket = uniqueBucketName('origins-stats');
    await putOrigin(server.adminEndpoint, bucket, origin.config());
    const object = await client.send(new GetObjectCommand({ Bucket: bucket, Key: small().key }));
    await object.Body!.transformToByteArray();

    // Act
    const response = await fetch(`${server.adminEndpoint}/api/v1/admin/stats`);
    const stats = (await response.json()) as { origins: Record<string, unknown>[] };

    // Assess
    expect(stats.origins.find((o) => o.bucket === bucket)).toEqual({
      bucket,
      endpoint: origin.endpoint,
      kind: 's3',
      source: 'stored',
      breaker: 'closed',
      fetches: 1,
      failures: 0,
      negativeEntries: 0,
    });
    expect(stats.origins.find((o) => o.bucket === legacy)).toMatchObject({ source: 'environment' });
  });

  it('is driven by mock-s3 origin set|get|list|delete', async () => {
    // Prepare
    const bucket = uniqueBucketName('origins-cli');
    const out: string[] = [];
    const err: string[] = [];
    const io: CliIo = {
      stdout: (text) => out.push(text),
      stderr: (text) => err.push(text),
      env: { MOCK_S3_ADMIN: server.adminEndpoint },
    };
    const cli = async (...argv: string[]) => {
      out.length = 0;
      const code = await run(argv, io);
      return {
        code,
        answer: out.length > 0 ? (JSON.parse(out.join('')) as Record<string, unknown>) : undefined,
      };
    };

    // Act
    const set = await cli(
      'origin',
      'set',
      bucket,
      '--endpoint',
      origin.endpoint,
      '--remote-bucket',
      origin.bucket,
      '--access-key-id',
      'AKIACLI',
      '--secret-access-key',
      STORED_SECRET,
      '--negative-ttl',
      '5s',
      '--breaker-failures',
      '2',
    );
    const object = await client.send(new GetObjectCommand({ Bucket: bucket, Key: small().key }));
    const bytes = Buffer.from(await object.Body!.transformToByteArray());
    const got = await cli('origin', 'get', bucket);
    const listed = await cli('origin', 'list');
    const deleted = await cli('origin', 'delete', bucket);
    const refused = await cli('origin', 'delete', legacy);

    // Assess
    expect(set).toMatchObject({
      code: 0,
      answer: { localBucket: bucket, negativeTtl: '5s', breaker: { failures: 2 }, credentialsSet: true },
    });
    expect(bytes.equals(small().body)).toBe(true);
    expect(got.answer).toMatchObject({ localBucket: bucket, source: 'stored' });
    expect((listed.answer!.origins as { localBucket: string }[]).map((o) => o.localBucket)).toContain(bucket);
    expect(deleted).toMatchObject({ code: 0, answer: { deleted: true } });
    expect(refused.code).toBe(1);
    expect(err.join('')).toContain('409 Conflict');
  });

  it('never writes the credentials to the server log', () => {
    // Assess: the log is there (the registry logged the stored origins), and holds neither secret
    const logs = server.logs();
    expect(logs).toContain('origin set');
    expect(logs).not.toContain(STORED_SECRET);
    expect(logs).not.toContain(ENV_SECRET);
  });
});
