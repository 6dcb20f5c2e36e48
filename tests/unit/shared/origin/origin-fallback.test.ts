import { createHash } from 'node:crypto';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { createBucket } from '../../../../shared/operations/buckets.js';
import { putObject } from '../../../../shared/operations/put-object.js';
import { createLocalFetchLease } from '../../../../shared/origin/local-fetch-lease.js';
import { parseOriginConfig } from '../../../../shared/origin/origin-config.js';
import { createOriginFallback } from '../../../../shared/origin/origin-fallback.js';
import {
  type FetchLease,
  type OriginAnswer,
  type OriginClient,
  type OriginConfig,
  type OriginDirectory,
  OriginError,
  type OriginFallback,
} from '../../../../shared/origin/ports.js';
import type { Clock } from '../../../../shared/runtime/clock.js';
import type { S3Services } from '../../../../shared/runtime/runtime.js';
import { S3Error } from '../../../../shared/s3/errors.js';
import { silentLogger } from '../../../../shared/telemetry/logger.js';
import { createMetrics, type Metrics } from '../../../../shared/telemetry/metrics.js';
import { createUnitRuntime, type UnitRuntime } from '../../../support/unit-runtime.js';

/** A clock the test moves by hand: TTLs, the token bucket and the breaker's open time read it. */
function manualClock(start = Date.parse('2026-01-01T00:00:00Z')) {
  let now = start;
  const clock: Clock = { now: () => new Date(now) };
  return { clock, advance: (ms: number) => (now += ms) };
}

/** An origin directory the test sets by hand (the registry's contract: onChange on every change). */
function manualDirectory() {
  const configs = new Map<string, OriginConfig>();
  const listeners = new Set<(bucket: string, config: OriginConfig | undefined) => void>();
  const directory: OriginDirectory = {
    originFor: (bucket) => configs.get(bucket),
    list: () => [...configs.values()],
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    close: async () => undefined,
  };
  return {
    directory,
    set(bucket: string, body: Record<string, unknown>) {
      const parsed = parseOriginConfig(bucket, { endpoint: 'http://origin.test', ...body });
      if (!parsed.ok) throw new Error(parsed.error);
      configs.set(bucket, parsed.config);
      for (const listener of listeners) listener(bucket, parsed.config);
    },
  };
}

interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
}

function deferred<T>(): Deferred<T> {
  let resolve: (value: T) => void = () => undefined;
  const promise = new Promise<T>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}

/** An origin the test answers for: each `get` waits for its answer (or answers at once with `answer`). */
function scriptedOrigin(answer?: (key: string) => OriginAnswer | Promise<OriginAnswer>) {
  const calls: string[] = [];
  const pending: { key: string; reply: Deferred<OriginAnswer | Error> }[] = [];
  const arrived: Deferred<void>[] = [];
  const client: OriginClient = {
    async get(key) {
      calls.push(key);
      for (const waiter of arrived.splice(0)) waiter.resolve();
      if (answer) return answer(key);
      const reply = deferred<OriginAnswer | Error>();
      pending.push({ key, reply });
      const outcome = await reply.promise;
      if (outcome instanceof Error) throw outcome;
      return outcome;
    },
    close: () => undefined,
  };
  return {
    client,
    calls,
    /** Resolves once a fetch has reached the origin (at once if one is waiting). */
    fetchArrived(): Promise<void> {
      if (pending.length > 0) return Promise.resolve();
      const waiter = deferred<void>();
      arrived.push(waiter);
      return waiter.promise;
    },
    reply(outcome: OriginAnswer | Error) {
      for (const call of pending.splice(0)) call.reply.resolve(outcome);
    },
  };
}

function found(
  body: Buffer,
  extra: Partial<Extract<OriginAnswer, { found: true }>['object']> = {},
): OriginAnswer {
  return {
    found: true,
    object: {
      body,
      etag: `"${createHash('md5').update(body).digest('hex')}"`,
      lastModified: new Date('2025-05-05T05:05:05Z'),
      headers: { contentType: 'text/plain', cacheControl: 'max-age=9' },
      userMetadata: { source: 'origin' },
      ...extra,
    },
  };
}

async function rejection(work: Promise<unknown>): Promise<S3Error> {
  const error = await work.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!(error instanceof S3Error)) throw new Error(`expected an S3Error, got ${String(error)}`);
  return error;
}

let unit: UnitRuntime;

beforeAll(async () => {
  unit = await createUnitRuntime();
});

afterAll(async () => {
  await unit?.runtime.close();
});

describe('createOriginFallback', () => {
  const bucket = 'read-through';
  let time: ReturnType<typeof manualClock>;
  let origins: ReturnType<typeof manualDirectory>;
  let metrics: Metrics;
  let services: S3Services;
  let writeBacks: Deferred<void>[];
  let fallback: OriginFallback | undefined;

  beforeEach(async () => {
    await unit.runtime.reset();
    await unit.runtime.services.metadata.deleteBucket(bucket).catch(() => undefined);
    await createBucket(unit.runtime.services, bucket);
    time = manualClock();
    origins = manualDirectory();
    writeBacks = [];
    const metadata = unit.runtime.services.metadata;
    // The write-back's commit, observed: each test awaits it instead of sleeping.
    services = {
      ...unit.runtime.services,
      origin: undefined,
      metadata: Object.assign(Object.create(metadata), {
        putObject: async (...args: Parameters<typeof metadata.putObject>) => {
          try {
            return await metadata.putObject(...args);
          } finally {
            for (const waiter of writeBacks.splice(0)) waiter.resolve();
          }
        },
        // In a versioned bucket the write-back looks for a delete marker first, and stops there when
        // it finds one: that is its end too.
        latestVersion: async (...args: Parameters<typeof metadata.latestVersion>) => {
          const latest = await metadata.latestVersion(...args);
          if (latest) for (const waiter of writeBacks.splice(0)) waiter.resolve();
          return latest;
        },
      }),
    };
  });

  afterEach(async () => {
    await fallback?.close();
    fallback = undefined;
  });

  function start(client: OriginClient, options: { lease?: FetchLease; clients?: OriginConfig[] } = {}) {
    metrics = createMetrics();
    fallback = createOriginFallback({
      directory: origins.directory,
      services,
      faults: unit.runtime.faults,
      lease: options.lease ?? createLocalFetchLease(),
      clock: time.clock,
      metrics,
      tracer: unit.runtime.tracerFor('storage'),
      logger: silentLogger,
      clientFor: (config) => {
        options.clients?.push(config);
        return client;
      },
    });
    return fallback;
  }

  async function breakerGauge(): Promise<number | undefined> {
    const gauge = await metrics.registry.getSingleMetric('origin_breaker_state')?.get();
    return gauge?.values.find((sample) => sample.labels.bucket === bucket)?.value;
  }

  /** `origin_requests_total` of the bucket, by result. */
  async function requests(): Promise<Record<string, number>> {
    const counter = await metrics.registry.getSingleMetric('origin_requests_total')?.get();
    return Object.fromEntries(
      (counter?.values ?? [])
        .filter((sample) => sample.labels.bucket === bucket)
        .map((sample) => [String(sample.labels.result), sample.value]),
    );
  }

  function nextWriteBack(): Promise<void> {
    const waiter = deferred<void>();
    writeBacks.push(waiter);
    return waiter.promise;
  }

  it('is undefined for a bucket without an origin', async () => {
    const origin = scriptedOrigin(() => ({ found: false }));
    await expect(start(origin.client).fetchMissing(bucket, 'k')).resolves.toBeUndefined();
    expect(origin.calls).toEqual([]);
  });

  it('fetches a key once for 100 concurrent misses and writes it back with the origin headers', async () => {
    // Prepare
    origins.set(bucket, {});
    const origin = scriptedOrigin();
    const fallback = start(origin.client);
    const body = Buffer.from('bytes from the origin');
    const committed = nextWriteBack();
    unit.spans.reset();
    // Act
    const reads = Array.from({ length: 100 }, () => fallback.fetchMissing(bucket, 'dir/key'));
    await origin.fetchArrived();
    origin.reply(found(body));
    const answers = await Promise.all(reads);
    await committed;
    // Assess
    expect(origin.calls).toEqual(['dir/key']);
    for (const answer of answers) expect(answer?.body.equals(body)).toBe(true);
    const stored = await unit.runtime.services.metadata.getObject(bucket, 'dir/key');
    expect(stored).toMatchObject({
      etag: answers[0]!.object.etag,
      lastModified: new Date('2025-05-05T05:05:05Z'),
      headers: { contentType: 'text/plain', cacheControl: 'max-age=9' },
      userMetadata: { source: 'origin' },
      size: body.length,
    });
    const fetchSpans = unit.spans.getFinishedSpans().filter((span) => span.name === 'origin GET');
    expect(fetchSpans).toHaveLength(1);
    expect(fetchSpans[0]!.kind).toBe(SpanKind.CLIENT);
    expect(fetchSpans[0]!.attributes).toMatchObject({
      'url.full': 'http://origin.test/read-through/dir/key',
      'server.address': 'origin.test',
      'aws.s3.bucket': 'read-through',
      'aws.s3.key': 'dir/key',
      'origin.kind': 's3',
      'http.response.status_code': 200,
    });
    expect(await requests()).toEqual({ fetched: 1 });
  });

  it('a read while the write-back is under way joins the flight instead of fetching again', async () => {
    origins.set(bucket, {});
    let fetches = 0;
    const origin = scriptedOrigin(() => {
      fetches += 1;
      return found(Buffer.from('once'));
    });
    const fallback = start(origin.client);
    const committed = nextWriteBack();
    await fallback.fetchMissing(bucket, 'k');
    // The first read was served; its write-back has not committed yet (the commit is awaited below).
    const second = fallback.fetchMissing(bucket, 'k');
    await committed;
    await expect(second).resolves.toMatchObject({ body: Buffer.from('once') });
    expect(fetches).toBe(1);
  });

  it('remembers an origin 404 for negativeTtl, then asks again', async () => {
    origins.set(bucket, { negativeTtl: '2s' });
    const origin = scriptedOrigin(() => ({ found: false }));
    const fallback = start(origin.client);
    expect((await rejection(fallback.fetchMissing(bucket, 'gone'))).code).toBe('NoSuchKey');
    expect((await rejection(fallback.fetchMissing(bucket, 'gone'))).code).toBe('NoSuchKey');
    expect(origin.calls).toHaveLength(1);
    expect(fallback.status(bucket)?.negativeEntries).toBe(1);
    time.advance(2_000);
    expect((await rejection(fallback.fetchMissing(bucket, 'gone'))).code).toBe('NoSuchKey');
    expect(origin.calls).toHaveLength(2);
  });

  it('answers 503 SlowDown over rps without calling the origin, and admits again a second later', async () => {
    origins.set(bucket, { rps: 2, writeBack: false });
    const origin = scriptedOrigin((key) => found(Buffer.from(key)));
    const fallback = start(origin.client);
    await fallback.fetchMissing(bucket, 'a');
    await fallback.fetchMissing(bucket, 'b');
    const refused = await rejection(fallback.fetchMissing(bucket, 'c'));
    expect([refused.status, refused.code]).toEqual([503, 'SlowDown']);
    expect(origin.calls).toEqual(['a', 'b']);
    time.advance(1_000);
    await expect(fallback.fetchMissing(bucket, 'c')).resolves.toBeDefined();
  });

  it('opens the breaker after consecutive failures and recovers through one half-open trial', async () => {
    // Prepare
    origins.set(bucket, { breaker: { failures: 2, openMs: 1_000 }, writeBack: false });
    const origin = scriptedOrigin();
    const fallback = start(origin.client);
    const fail = async (key: string) => {
      const read = fallback.fetchMissing(bucket, key);
      await origin.fetchArrived();
      origin.reply(new OriginError('unreachable', 'connection refused'));
      return rejection(read);
    };
    // Act: two failures open it
    for (const key of ['a', 'b']) {
      const error = await fail(key);
      expect([error.status, error.code]).toEqual([503, 'ServiceUnavailable']);
    }
    const open = await rejection(fallback.fetchMissing(bucket, 'c'));
    // Assess
    expect(open.message).toContain('origin circuit open');
    expect(origin.calls).toEqual(['a', 'b']);
    expect(fallback.status(bucket)?.breaker).toBe('open');
    expect(await breakerGauge()).toBe(2);
    time.advance(1_000);
    expect(fallback.status(bucket)?.breaker).toBe('half-open');
    expect(await breakerGauge()).toBe(1);
    const trial = fallback.fetchMissing(bucket, 'd');
    await origin.fetchArrived();
    // While the trial is out, nothing else goes to the origin.
    expect((await rejection(fallback.fetchMissing(bucket, 'e'))).message).toContain('origin circuit open');
    origin.reply(found(Buffer.from('back')));
    await expect(trial).resolves.toBeDefined();
    expect(fallback.status(bucket)).toMatchObject({ breaker: 'closed', fetches: 3, failures: 2 });
    expect(await breakerGauge()).toBe(0);
    expect(await requests()).toEqual({ unreachable: 2, breaker_open: 2, fetched: 1 });
  });

  it.each([
    ['unreachable', new OriginError('unreachable', 'refused'), 'ServiceUnavailable', 'closed'],
    ['timeout', new OriginError('timeout', 'slow'), 'ServiceUnavailable', 'closed'],
    [
      'throttled',
      new OriginError('throttled', 'slow down', { status: 503, code: 'SlowDown' }),
      'SlowDown',
      'closed',
    ],
    [
      'a 500',
      new OriginError('status', 'boom', { status: 500, code: 'InternalError' }),
      'ServiceUnavailable',
      'closed',
    ],
    [
      'a 403',
      new OriginError('status', 'denied', { status: 403, code: 'AccessDenied' }),
      'ServiceUnavailable',
      'closed',
    ],
  ])('maps %s to a 503 %s, never a 404', async (_name, failure, code) => {
    origins.set(bucket, { breaker: { failures: 1, openMs: 60_000 } });
    const origin = scriptedOrigin(() => Promise.reject(failure));
    unit.spans.reset();
    const error = await rejection(start(origin.client).fetchMissing(bucket, 'k'));
    expect([error.status, error.code]).toEqual([503, code]);
    const span = unit.spans.getFinishedSpans().find((finished) => finished.name === 'origin GET');
    expect(span?.attributes['error.type']).toBe(failure.kind);
    expect(span?.status.code).toBe(SpanStatusCode.ERROR);
  });

  it('counts unreachable, timeout and 5xx against the breaker, but not a throttle or a 4xx', async () => {
    const outcomes: [OriginError, string][] = [
      [new OriginError('unreachable', 'refused'), 'open'],
      [new OriginError('timeout', 'slow'), 'open'],
      [new OriginError('status', 'boom', { status: 502 }), 'open'],
      [new OriginError('throttled', 'slow down', { status: 429 }), 'closed'],
      [new OriginError('status', 'denied', { status: 403 }), 'closed'],
    ];
    for (const [failure, breaker] of outcomes) {
      const local = `b-${failure.kind}-${failure.details.status ?? 0}`;
      await createBucket(unit.runtime.services, local);
      origins.set(local, { breaker: { failures: 1, openMs: 60_000 } });
      const fallback = start(scriptedOrigin(() => Promise.reject(failure)).client);
      await rejection(fallback.fetchMissing(local, 'k'));
      expect([failure.message, fallback.status(local)?.breaker]).toEqual([failure.message, breaker]);
      await fallback.close();
      await unit.runtime.services.metadata.deleteBucket(local);
    }
  });

  it('never serves or stores bytes that do not match the origin ETag or checksum', async () => {
    origins.set(bucket, { breaker: { failures: 1, openMs: 60_000 } });
    const body = Buffer.from('the real bytes');
    const dirty = Buffer.from('the dirty bytes');
    const origin = scriptedOrigin((key) =>
      key === 'etag'
        ? found(dirty, { etag: `"${createHash('md5').update(body).digest('hex')}"` })
        : found(dirty, {
            checksum: {
              algorithm: 'SHA256',
              value: createHash('sha256').update(body).digest('base64'),
              type: 'FULL_OBJECT',
            },
          }),
    );
    const fallback = start(origin.client);
    for (const key of ['etag', 'checksum']) {
      const error = await rejection(fallback.fetchMissing(bucket, key));
      expect([error.status, error.code]).toEqual([503, 'ServiceUnavailable']);
      expect(error.message).toContain('does not match its ETag/checksum');
      expect(await unit.runtime.services.metadata.getObject(bucket, key)).toBeUndefined();
    }
    // Dirty bytes say the origin is up: the breaker (1 failure opens it) stays closed.
    expect(fallback.status(bucket)?.breaker).toBe('closed');
  });

  it('loses the write-back race to a client PUT that committed first: the PUT stays', async () => {
    // Prepare: the fetch is held at the origin while a client PUT of the same key commits
    origins.set(bucket, {});
    const origin = scriptedOrigin();
    const fallback = start(origin.client);
    const read = fallback.fetchMissing(bucket, 'raced');
    await origin.fetchArrived();
    const { object: put } = await putObject(unit.runtime.services, {
      bucket,
      key: 'raced',
      headers: { 'content-type': 'text/plain' },
      rawBody: Buffer.from('the client wrote this'),
    });
    // Act
    const committed = nextWriteBack();
    origin.reply(found(Buffer.from('the origin had this')));
    const served = await read;
    await committed;
    // Assess: the request that fetched is served the origin's bytes; the stored object is the PUT's
    expect(served?.body.toString()).toBe('the origin had this');
    const stored = await unit.runtime.services.metadata.getObject(bucket, 'raced');
    expect(stored?.etag).toBe(put.etag);
    expect(stored?.segments).toEqual(put.segments);
  });

  describe('in a versioned bucket', () => {
    it('Enabled: the fetched object is served and written back as a new version with its own id', async () => {
      // Prepare
      await unit.runtime.services.metadata.setBucketVersioning(bucket, 'Enabled');
      origins.set(bucket, {});
      const fallback = start(scriptedOrigin(() => found(Buffer.from('versioned'))).client);
      const committed = nextWriteBack();
      // Act
      const served = await fallback.fetchMissing(bucket, 'v');
      await committed;
      // Assess
      const stored = await unit.runtime.services.metadata.getObject(bucket, 'v');
      expect(served?.object.versionId).toEqual(expect.any(String));
      expect(served?.object.versionId).not.toBe('null');
      expect(stored?.versionId).toBe(served?.object.versionId);
      const versions = await unit.runtime.services.metadata.listObjectVersions({
        bucket,
        prefix: 'v',
        keyMarker: '',
        limit: 10,
      });
      expect(versions.map((version) => version.object.versionId)).toEqual([served?.object.versionId]);
    });

    it('loses to a delete marker that became the latest version while the fetch was held', async () => {
      // Prepare
      await unit.runtime.services.metadata.setBucketVersioning(bucket, 'Enabled');
      origins.set(bucket, {});
      const origin = scriptedOrigin();
      const fallback = start(origin.client);
      const read = fallback.fetchMissing(bucket, 'deleted');
      await origin.fetchArrived();
      await unit.runtime.services.metadata.putDeleteMarker(bucket, 'deleted', {
        versionId: 'marker-1',
        lastModified: new Date('2026-02-02T00:00:00Z'),
      });
      // Act
      const settled = nextWriteBack();
      origin.reply(found(Buffer.from('the origin had this')));
      const served = await read;
      await settled;
      // Assess: served the origin's bytes, but the marker stays the latest and nothing was stored
      expect(served?.body.toString()).toBe('the origin had this');
      expect(await unit.runtime.services.metadata.getObject(bucket, 'deleted')).toBeUndefined();
      const versions = await unit.runtime.services.metadata.listObjectVersions({
        bucket,
        prefix: 'deleted',
        keyMarker: '',
        limit: 10,
      });
      expect(versions.map((version) => [version.object.versionId, version.deleteMarker])).toEqual([
        ['marker-1', true],
      ]);
    });
  });

  it('starts afresh when the bucket config changes: new client, breaker and negative cache', async () => {
    origins.set(bucket, { breaker: { failures: 1, openMs: 60_000 } });
    const clients: OriginConfig[] = [];
    const origin = scriptedOrigin((key) =>
      key === 'down' ? Promise.reject(new OriginError('unreachable', 'refused')) : { found: false },
    );
    const fallback = start(origin.client, { clients });
    await rejection(fallback.fetchMissing(bucket, 'missing'));
    await rejection(fallback.fetchMissing(bucket, 'down'));
    expect(fallback.status(bucket)).toMatchObject({ breaker: 'open', negativeEntries: 1 });
    origins.set(bucket, { endpoint: 'http://other-origin.test' });
    expect(fallback.status(bucket)).toMatchObject({ breaker: 'closed', negativeEntries: 0, fetches: 0 });
    await rejection(fallback.fetchMissing(bucket, 'missing'));
    expect(clients.map((config) => config.endpoint)).toEqual([
      'http://origin.test',
      'http://other-origin.test',
    ]);
  });

  it('waits for the process holding the lease and serves its write-back locally', async () => {
    // Prepare: another process holds the lease and is about to write the object back
    origins.set(bucket, {});
    const origin = scriptedOrigin(() => ({ found: false }));
    let asked = 0;
    const heldElsewhere: FetchLease = {
      acquire: async () => {
        asked += 1;
        if (asked === 2) {
          await putObject(unit.runtime.services, {
            bucket,
            key: 'shared',
            headers: {},
            rawBody: Buffer.from('fetched by the other process'),
          });
        }
        return false;
      },
      release: async () => undefined,
      close: async () => undefined,
    };
    // Act
    const served = await start(origin.client, { lease: heldElsewhere }).fetchMissing(bucket, 'shared');
    // Assess
    expect(served?.body.toString()).toBe('fetched by the other process');
    expect(origin.calls).toEqual([]);
  });

  it('serves the copy another process wrote back just before this one took the lease, without a fetch', async () => {
    // Prepare: the other process finished (written back, lease released) between this read's
    // local miss and its lease request, so the lease is granted
    origins.set(bucket, {});
    const origin = scriptedOrigin(() => found(Buffer.from('fetched again')));
    const released: string[] = [];
    const justReleased: FetchLease = {
      acquire: async () => {
        await putObject(unit.runtime.services, {
          bucket,
          key: 'late',
          headers: {},
          rawBody: Buffer.from('written back by the other process'),
        });
        return true;
      },
      release: async (id) => {
        released.push(id);
      },
      close: async () => undefined,
    };
    // Act
    const served = await start(origin.client, { lease: justReleased }).fetchMissing(bucket, 'late');
    // Assess
    expect(served?.body.toString()).toBe('written back by the other process');
    expect(origin.calls).toEqual([]);
    expect(released).toEqual([`${bucket}/late`]);
  });
});
