import { createHash } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { readBack } from '../../../../../tools/drill/integrity/read-back.js';
import type {
  ClientAnswer,
  GetAnswer,
  ListAnswer,
  PutAnswer,
  S3LoadClient,
} from '../../../../../tools/load/types.js';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const notUsed = (): never => {
  throw new Error('not used by the read-back');
};

/**
 * An in-memory S3 with small listing pages. Keys in `failing` answer 503 SlowDown; keys in
 * `hanging` never answer; `listFailsAtPage` makes that listing page answer 500.
 */
function memoryS3(
  objects: Record<string, string>,
  options: {
    pageSize?: number;
    failing?: string[];
    /** Keys that fail (500) this many times, then answer. */
    flaky?: Record<string, number>;
    hanging?: string[];
    listFailsAtPage?: number;
  } = {},
) {
  const { pageSize = 2, failing = [], flaky = {}, hanging = [], listFailsAtPage } = options;
  const gets = new Map<string, number>();
  let inFlight = 0;
  let maxInFlight = 0;
  let requests = 0;
  const answered = async <T>(answer: T): Promise<T> => {
    inFlight += 1;
    maxInFlight = Math.max(maxInFlight, inFlight);
    // Let other GETs start before this one answers, as a real server would.
    await new Promise((resolve) => setImmediate(resolve));
    inFlight -= 1;
    return answer;
  };
  const id = () => `req-${++requests}`;
  const client: S3LoadClient = {
    kind: 'raw',
    async getObject(_bucket, key): Promise<GetAnswer> {
      gets.set(key, (gets.get(key) ?? 0) + 1);
      if (hanging.includes(key)) return new Promise<GetAnswer>(() => {});
      if ((flaky[key] ?? 0) >= gets.get(key)!) {
        return answered({
          ok: false,
          status: 500,
          errorCode: 'InternalError',
          requestIds: [id()],
          attempts: 1,
        });
      }
      if (failing.includes(key)) {
        return answered({
          ok: false,
          status: 503,
          errorCode: 'SlowDown',
          requestIds: [id(), id()],
          attempts: 2,
        });
      }
      const body = objects[key];
      if (body === undefined) {
        return answered({ ok: false, status: 404, errorCode: 'NoSuchKey', requestIds: [id()], attempts: 1 });
      }
      return answered({ ok: true, status: 200, body: Buffer.from(body), requestIds: [id()], attempts: 1 });
    },
    async listObjects(_bucket, prefix, token): Promise<ListAnswer> {
      const page = token === undefined ? 0 : Number(token);
      if (page === listFailsAtPage) {
        return answered({
          ok: false,
          status: 500,
          errorCode: 'InternalError',
          keys: [],
          requestIds: [id()],
          attempts: 1,
        });
      }
      const keys = Object.keys(objects)
        .filter((key) => key.startsWith(prefix))
        .sort();
      const slice = keys.slice(page * pageSize, (page + 1) * pageSize);
      const more = (page + 1) * pageSize < keys.length;
      return answered({
        ok: true,
        status: 200,
        keys: slice,
        requestIds: [id()],
        attempts: 1,
        ...(more ? { nextContinuationToken: String(page + 1) } : {}),
      });
    },
    putObject: async (): Promise<PutAnswer> => notUsed(),
    headObject: async (): Promise<ClientAnswer> => notUsed(),
    deleteObject: async (): Promise<ClientAnswer> => notUsed(),
    copyObject: async (): Promise<PutAnswer> => notUsed(),
    multipartUpload: async (): Promise<PutAnswer> => notUsed(),
    createBucket: async (): Promise<ClientAnswer> => notUsed(),
    emptyAndDeleteBucket: async (): Promise<ClientAnswer> => notUsed(),
    close: async () => {},
  };
  return { client, maxInFlight: () => maxInFlight, gets: (key: string) => gets.get(key) ?? 0 };
}

describe('readBack', () => {
  it('hashes what every key reads back, 404 as null, other errors as unverifiable, and lists the prefix to its end', async () => {
    // Prepare
    const objects = {
      'run/k0': 'zero',
      'run/k1': 'one',
      'run/k3': 'three',
      'run/k4': 'four',
      'other/k0': 'x',
    };
    const s3 = memoryS3(objects, { failing: ['run/k4'] });

    // Act
    const result = await readBack(
      s3.client,
      'drill',
      'run/',
      ['run/k0', 'run/k1', 'run/k2', 'run/k4', 'run/k0'],
      { retryDelaysMs: [0] },
    );

    // Assess
    expect([...result.objects]).toEqual([
      ['run/k0', { sha256: sha256('zero'), requestId: expect.any(String) }],
      ['run/k1', { sha256: sha256('one'), requestId: expect.any(String) }],
      ['run/k2', { sha256: null, requestId: expect.any(String) }],
      ['run/k4', { sha256: null, error: '503 SlowDown', status: 503, requestId: expect.any(String) }],
    ]);
    expect([...result.listed].sort()).toEqual(['run/k0', 'run/k1', 'run/k3', 'run/k4']);
    expect(result.listingRequestIds).toHaveLength(2);
    expect(result.listingError).toBeUndefined();
  });

  it('tries a failed GET again before it calls the key unreadable, but not a 404', async () => {
    // Prepare
    const s3 = memoryS3(
      { 'run/flaky': 'bytes', 'run/broken': 'x' },
      { flaky: { 'run/flaky': 2 }, failing: ['run/broken'] },
    );

    // Act
    const result = await readBack(s3.client, 'drill', 'run/', ['run/flaky', 'run/broken', 'run/gone'], {
      retryDelaysMs: [0, 0],
    });

    // Assess
    expect(result.objects.get('run/flaky')).toMatchObject({ sha256: sha256('bytes') });
    expect(s3.gets('run/flaky')).toBe(3);
    expect(result.objects.get('run/broken')).toMatchObject({ error: '503 SlowDown', status: 503 });
    expect(s3.gets('run/broken')).toBe(3);
    expect(s3.gets('run/gone')).toBe(1);
  });

  it('keeps at most `concurrency` GETs in flight', async () => {
    // Prepare
    const objects = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`run/k${i}`, `v${i}`]));
    const s3 = memoryS3(objects, { pageSize: 100 });

    // Act
    const result = await readBack(s3.client, 'drill', 'run/', Object.keys(objects), { concurrency: 4 });

    // Assess
    expect(result.objects.size).toBe(50);
    expect(s3.maxInFlight()).toBe(4);
  });

  it('marks the listing incomplete when a page fails, keeping what it listed', async () => {
    // Prepare
    const s3 = memoryS3({ 'run/a': '1', 'run/b': '2', 'run/c': '3' }, { listFailsAtPage: 1 });

    // Act
    const result = await readBack(s3.client, 'drill', 'run/', ['run/a']);

    // Assess
    expect(result.listingError).toBe('page 2: InternalError');
    expect([...result.listed]).toEqual(['run/a', 'run/b']);
  });

  it('bounds its time: a key that never answers is unverifiable once the deadline passes', async () => {
    // Prepare
    const s3 = memoryS3({ 'run/a': '1', 'run/b': '2' }, { hanging: ['run/b'] });

    // Act
    const result = await readBack(s3.client, 'drill', 'run/', ['run/a', 'run/b'], { deadlineMs: 100 });

    // Assess
    expect(result.objects.get('run/a')).toMatchObject({ sha256: sha256('1') });
    expect(result.objects.get('run/b')).toEqual({ sha256: null, error: 'the read-back ran out of time' });
    expect(result.listingError).toBe('page 1: the read-back ran out of time');
  });
});

describe('readBack of a bucket with an origin', () => {
  /** The bucket reads through to `origin` on a GET; ListObjects lists only each bucket's own keys. */
  function readThroughS3(local: Record<string, string>, origin: Record<string, string>): S3LoadClient {
    const buckets: Record<string, Record<string, string>> = { bucket: local, origin };
    return {
      kind: 'raw',
      async getObject(bucket, key): Promise<GetAnswer> {
        const body = buckets[bucket]?.[key] ?? (bucket === 'bucket' ? origin[key] : undefined);
        return body === undefined
          ? { ok: false, status: 404, errorCode: 'NoSuchKey', requestIds: ['get'], attempts: 1 }
          : { ok: true, status: 200, body: Buffer.from(body), requestIds: ['get'], attempts: 1 };
      },
      async listObjects(bucket, prefix): Promise<ListAnswer> {
        const keys = Object.keys(buckets[bucket] ?? {}).filter((key) => key.startsWith(prefix));
        return { ok: true, status: 200, keys, requestIds: [`list-${bucket}`], attempts: 1 };
      },
      headObject: notUsed,
      putObject: notUsed,
      deleteObject: notUsed,
      copyObject: notUsed,
      multipartUpload: notUsed,
      createBucket: notUsed,
      emptyAndDeleteBucket: notUsed,
      close: async () => undefined,
    };
  }

  it("counts the origin's listing as the bucket's for the keys it read back: ListObjects does not read through", async () => {
    // Prepare: p/k2 lives only at the origin; p/k3 too, and the load never touched it.
    const client = readThroughS3({ 'p/k1': 'one' }, { 'p/k1': 'one', 'p/k2': 'two', 'p/k3': 'three' });

    // Act
    const withOrigin = await readBack(client, 'bucket', 'p/', ['p/k1', 'p/k2'], { originBucket: 'origin' });
    const without = await readBack(client, 'bucket', 'p/', ['p/k1', 'p/k2']);

    // Assess
    expect(withOrigin.objects.get('p/k2')).toMatchObject({ sha256: sha256('two') });
    expect([...withOrigin.listed].sort()).toEqual(['p/k1', 'p/k2']);
    expect(withOrigin.listingRequestIds).toEqual(['list-bucket', 'list-origin']);
    expect(withOrigin.listingError).toBeUndefined();
    expect([...without.listed]).toEqual(['p/k1']);
  });
});
