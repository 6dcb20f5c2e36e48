import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { createHandler } from '../../../../functions/storage/origins-handler.js';
import { bodyBytes } from '../../../../layers/binary-body.js';
import type { LambdaHandler } from '../../../../layers/compose-handler.js';
import { createMemoryConfigSource } from '../../../../shared/config/adapters/memory-config-source.js';
import type { Config } from '../../../../shared/config/env.js';
import type { ConfigSource } from '../../../../shared/config/ports.js';
import { originKey } from '../../../../shared/origin/origin-config.js';
import { createOriginRegistry } from '../../../../shared/origin/origin-registry.js';
import type { OriginDirectory, OriginFallback, OriginStatus } from '../../../../shared/origin/ports.js';
import type { Runtime } from '../../../../shared/runtime/runtime.js';
import { apiEvent, createUnitRuntime, type UnitRuntime, unitContext } from '../../../support/unit-runtime.js';

interface Answer {
  status: number;
  text: string;
  // biome-ignore lint/suspicious/noExplicitAny: test bodies are inspected field by field
  body: any;
}

const SECRET = 'wJalrXUtnFEMI-origin-secret';
const STATUS: OriginStatus = { breaker: 'half-open', fetches: 7, failures: 2, negativeEntries: 1 };
const NO_ENVIRONMENT: Config['origin'] = {
  endpoint: undefined,
  buckets: [],
  kind: 's3',
  credentials: undefined,
};

/** This process's fallback as the origins API reads it: one status for every bucket. */
const fallback: OriginFallback = {
  fetchMissing: async () => undefined,
  status: () => STATUS,
  close: async () => {},
};

/** A config store whose watch delivers each change `lagMs` later, as etcd's does. */
function laggingSource(lagMs: number): ConfigSource {
  const inner = createMemoryConfigSource();
  return {
    ...inner,
    watch: (listener) => inner.watch((change) => void setTimeout(() => listener(change), lagMs)),
  };
}

describe('origins API', () => {
  let unit: UnitRuntime;
  const opened: OriginDirectory[] = [];

  /** The unit runtime with its own config store and origin registry (and `environment`'s origin). */
  async function originsRuntime(
    options: { source?: ConfigSource; environment?: Config['origin'] } = {},
  ): Promise<{ runtime: Runtime; handler: LambdaHandler; source: ConfigSource; origins: OriginDirectory }> {
    const source = options.source ?? createMemoryConfigSource();
    const environment = options.environment ?? NO_ENVIRONMENT;
    const origins = await createOriginRegistry({ source, environment });
    opened.push(origins);
    const runtime: Runtime = {
      ...unit.runtime,
      config: { ...unit.runtime.config, origin: environment },
      dynamicConfig: { ...unit.runtime.dynamicConfig!, source },
      origins,
      services: { ...unit.runtime.services, origin: fallback },
    };
    return { runtime, handler: createHandler(runtime), source, origins };
  }

  async function call(handler: LambdaHandler, method: string, path: string, body?: unknown): Promise<Answer> {
    const result = await handler(
      apiEvent({
        method,
        path: `/api/v1/origins${path}`,
        ...(body === undefined
          ? {}
          : {
              body: typeof body === 'string' ? body : JSON.stringify(body),
              headers: { 'content-type': 'application/json' },
            }),
      }),
      unitContext('originsApi'),
    );
    const text = bodyBytes(result).toString('utf8');
    return { status: result.statusCode ?? 0, text, body: text === '' ? undefined : JSON.parse(text) };
  }

  beforeAll(async () => {
    unit = await createUnitRuntime();
  });

  afterEach(async () => {
    await Promise.all(opened.splice(0).map((origins) => origins.close()));
    await unit.runtime.reset();
  });

  afterAll(async () => {
    await unit.runtime.close();
  });

  it('stores a new origin with every default, creates the local bucket and answers 201 without the credentials', async () => {
    // Prepare
    const { handler, origins, source } = await originsRuntime();

    // Act
    const answer = await call(handler, 'PUT', '/archive', {
      endpoint: 'http://127.0.0.1:4568/',
      credentials: { accessKeyId: 'AKIAORIGIN', secretAccessKey: SECRET },
    });

    // Assess
    expect(answer.status).toBe(201);
    expect(answer.body).toEqual({
      localBucket: 'archive',
      endpoint: 'http://127.0.0.1:4568',
      bucket: 'archive',
      kind: 's3',
      region: 'us-east-1',
      forcePathStyle: true,
      writeBack: true,
      negativeTtl: '30s',
      rps: 50,
      timeoutMs: 5000,
      breaker: { failures: 5, openMs: 10_000 },
      credentialsSet: true,
      source: 'stored',
      status: STATUS,
    });
    expect(answer.text).not.toContain(SECRET);
    expect(answer.text).not.toContain('AKIAORIGIN');
    expect(origins.originFor('archive')).toMatchObject({
      endpoint: 'http://127.0.0.1:4568',
      credentials: { accessKeyId: 'AKIAORIGIN', secretAccessKey: SECRET },
      source: 'stored',
    });
    expect(await source.get(originKey('archive'))).toMatchObject({
      credentials: { accessKeyId: 'AKIAORIGIN', secretAccessKey: SECRET },
    });
    expect(await unit.runtime.views.metadata.getBucket('archive')).toMatchObject({ name: 'archive' });
  });

  it('answers 200 when it replaces a stored origin, the new settings in force', async () => {
    // Prepare
    const { handler, origins } = await originsRuntime();
    await call(handler, 'PUT', '/archive', { endpoint: 'http://127.0.0.1:4568' });

    // Act
    const answer = await call(handler, 'PUT', '/archive', {
      endpoint: 'http://127.0.0.1:9999',
      bucket: 'old-store',
      kind: 'http',
      writeBack: false,
      negativeTtl: '500ms',
      rps: 0,
      timeoutMs: 250,
      breaker: { failures: 2, openMs: 1000 },
    });

    // Assess
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      endpoint: 'http://127.0.0.1:9999',
      bucket: 'old-store',
      kind: 'http',
      negativeTtl: '500ms',
      credentialsSet: false,
    });
    expect(origins.originFor('archive')).toMatchObject({
      endpoint: 'http://127.0.0.1:9999',
      remoteBucket: 'old-store',
      kind: 'http',
      writeBack: false,
      negativeTtlMs: 500,
      rps: 0,
      timeoutMs: 250,
      breaker: { failures: 2, openMs: 1000 },
    });
  });

  it('answers once the origin is in force here, though the store tells the watch later', async () => {
    // Prepare
    const { handler, origins } = await originsRuntime({ source: laggingSource(150) });

    // Act
    const answer = await call(handler, 'PUT', '/archive', { endpoint: 'http://127.0.0.1:4568' });
    const inForce = origins.originFor('archive');
    const removed = await call(handler, 'DELETE', '/archive');
    const afterDelete = origins.originFor('archive');

    // Assess
    expect(answer.status).toBe(201);
    expect(inForce).toMatchObject({ endpoint: 'http://127.0.0.1:4568', source: 'stored' });
    expect(removed.status).toBe(200);
    expect(afterDelete).toBeUndefined();
  });

  it('answers after a second when the change never shows, rather than hang', async () => {
    // Prepare
    const silent = createMemoryConfigSource();
    const { handler } = await originsRuntime({
      source: { ...silent, watch: async () => ({ close: async () => {} }) },
    });
    const started = Date.now();

    // Act
    const answer = await call(handler, 'PUT', '/archive', { endpoint: 'http://127.0.0.1:4568' });

    // Assess
    expect(answer.status).toBe(201);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it.each([
    ['a missing endpoint', {}, 'endpoint'],
    ['an endpoint that is not http(s)', { endpoint: 'ftp://127.0.0.1:21' }, 'endpoint'],
    ['an unknown kind', { endpoint: 'http://127.0.0.1:4568', kind: 'gcs' }, 'kind'],
    [
      'a breaker that never opens',
      { endpoint: 'http://127.0.0.1:4568', breaker: { failures: 0 } },
      'breaker.failures',
    ],
    [
      'a negativeTtl that is no duration',
      { endpoint: 'http://127.0.0.1:4568', negativeTtl: 'soon' },
      'negativeTtl',
    ],
    ['an unknown field', { endpoint: 'http://127.0.0.1:4568', cache: true }, 'cache'],
    [
      'credentials without a secret',
      { endpoint: 'http://127.0.0.1:4568', credentials: { accessKeyId: 'AKIA' } },
      'credentials.secretAccessKey',
    ],
    ['a body that is not an object', ['http://127.0.0.1:4568'], 'body'],
  ])(
    'refuses %s with a 400 naming the field, storing nothing and creating no bucket',
    async (_label, body, field) => {
      // Prepare
      const { handler, source } = await originsRuntime();

      // Act
      const answer = await call(handler, 'PUT', '/archive', body);

      // Assess
      expect(answer.status).toBe(400);
      expect(answer.body.error).toMatchObject({
        code: 'ValidationError',
        field,
        requestId: expect.any(String),
      });
      expect(await source.all()).toEqual({});
      expect(await unit.runtime.views.metadata.getBucket('archive')).toBeUndefined();
    },
  );

  it('refuses a body that is not JSON without quoting it (it may hold a secret)', async () => {
    // Prepare
    const { handler } = await originsRuntime();

    // Act
    const answer = await call(
      handler,
      'PUT',
      '/archive',
      // Unquoted: JSON.parse's own message would quote it (`..."cessKey": wJalrXUtnF"...`).
      `{"credentials": {"secretAccessKey": ${SECRET}}}`,
    );

    // Assess
    expect(answer.status).toBe(400);
    expect(answer.body.error).toMatchObject({ code: 'MalformedJSON', field: 'body' });
    expect(answer.text).not.toContain(SECRET.slice(0, 6));
  });

  it('refuses a local bucket name S3 would refuse', async () => {
    // Prepare
    const { handler } = await originsRuntime();

    // Act
    const answer = await call(handler, 'PUT', '/Not_A_Bucket', { endpoint: 'http://127.0.0.1:4568' });

    // Assess
    expect(answer.status).toBe(400);
    expect(answer.body.error).toMatchObject({ code: 'ValidationError', field: 'localBucket' });
  });

  it('shows one origin, and 404 for a bucket without one', async () => {
    // Prepare
    const { handler } = await originsRuntime();
    await call(handler, 'PUT', '/archive', {
      endpoint: 'http://127.0.0.1:4568',
      credentials: { accessKeyId: 'AKIAORIGIN', secretAccessKey: SECRET },
    });

    // Act
    const one = await call(handler, 'GET', '/archive');
    const none = await call(handler, 'GET', '/elsewhere');

    // Assess
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({ localBucket: 'archive', credentialsSet: true, status: STATUS });
    expect(one.text).not.toContain(SECRET);
    expect(none.status).toBe(404);
    expect(none.body.error).toMatchObject({ code: 'NotFound' });
  });

  it('deletes a stored origin (200), and answers 404 when there is none', async () => {
    // Prepare
    const { handler, origins, source } = await originsRuntime();
    await call(handler, 'PUT', '/archive', { endpoint: 'http://127.0.0.1:4568' });

    // Act
    const deleted = await call(handler, 'DELETE', '/archive');
    const again = await call(handler, 'DELETE', '/archive');

    // Assess
    expect(deleted).toMatchObject({
      status: 200,
      body: { localBucket: 'archive', deleted: true, inForce: 'none' },
    });
    expect(origins.originFor('archive')).toBeUndefined();
    expect(await source.all()).toEqual({});
    expect(again.status).toBe(404);
  });

  it('lists stored and environment origins by bucket; an environment origin cannot be deleted (409)', async () => {
    // Prepare
    const { handler } = await originsRuntime({
      environment: {
        endpoint: 'http://127.0.0.1:4569',
        buckets: ['legacy'],
        kind: 'http',
        credentials: { accessKeyId: 'AKIAENV', secretAccessKey: SECRET },
      },
    });
    await call(handler, 'PUT', '/archive', { endpoint: 'http://127.0.0.1:4568' });

    // Act
    const list = await call(handler, 'GET', '');
    const refused = await call(handler, 'DELETE', '/legacy');

    // Assess
    expect(list.status).toBe(200);
    expect(
      list.body.origins.map((o: Record<string, unknown>) => [o.localBucket, o.source, o.endpoint, o.kind]),
    ).toEqual([
      ['archive', 'stored', 'http://127.0.0.1:4568', 's3'],
      ['legacy', 'environment', 'http://127.0.0.1:4569', 'http'],
    ]);
    expect(list.body.origins[1]).toMatchObject({ credentialsSet: true, status: STATUS });
    expect(list.text).not.toContain(SECRET);
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({ code: 'Conflict' });
    expect(refused.body.error.message).toContain('environment');
  });

  it('puts the environment origin back in force when a stored one over it is deleted', async () => {
    // Prepare
    const { handler, origins } = await originsRuntime({
      environment: {
        endpoint: 'http://127.0.0.1:4569',
        buckets: ['legacy'],
        kind: 's3',
        credentials: undefined,
      },
    });
    await call(handler, 'PUT', '/legacy', { endpoint: 'http://127.0.0.1:4568' });

    // Act
    const deleted = await call(handler, 'DELETE', '/legacy');

    // Assess
    expect(deleted.body).toEqual({ localBucket: 'legacy', deleted: true, inForce: 'environment' });
    expect(origins.originFor('legacy')).toMatchObject({
      endpoint: 'http://127.0.0.1:4569',
      source: 'environment',
    });
  });

  it('lists every existing bucket under an environment origin for all buckets (*)', async () => {
    // Prepare
    const { handler } = await originsRuntime({
      environment: { endpoint: 'http://127.0.0.1:4569', buckets: ['*'], kind: 's3', credentials: undefined },
    });
    await unit.runtime.views.metadata.createBucket({ name: 'bravo', createdAt: new Date() });
    await call(handler, 'PUT', '/alpha', { endpoint: 'http://127.0.0.1:4568' });

    // Act
    const list = await call(handler, 'GET', '/');

    // Assess
    expect(list.body.origins.map((o: Record<string, unknown>) => [o.localBucket, o.source])).toEqual([
      ['alpha', 'stored'],
      ['bravo', 'environment'],
    ]);
  });

  it.each([
    ['POST', ''],
    ['DELETE', ''],
    ['POST', '/archive'],
    ['PATCH', '/archive'],
  ])('answers 405 to %s %s', async (method, path) => {
    // Prepare
    const { handler } = await originsRuntime();

    // Act
    const answer = await call(handler, method, path, method === 'DELETE' ? undefined : {});

    // Assess
    expect(answer.status).toBe(405);
    expect(answer.body.error).toMatchObject({ code: 'MethodNotAllowed' });
  });

  it('answers 404 below a bucket', async () => {
    // Prepare
    const { handler } = await originsRuntime();

    // Act
    const answer = await call(handler, 'GET', '/archive/more');

    // Assess
    expect(answer.status).toBe(404);
  });

  it('leaves status out on a host without origin fallback', async () => {
    // Prepare
    const { runtime } = await originsRuntime();
    const handler = createHandler({ ...runtime, services: { ...runtime.services, origin: undefined } });

    // Act
    const answer = await call(handler, 'PUT', '/archive', { endpoint: 'http://127.0.0.1:4568' });

    // Assess
    expect(answer.status).toBe(201);
    expect(answer.body.status).toBeUndefined();
  });
});
