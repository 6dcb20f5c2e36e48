// Objects seeded before a load (a drill's origin): under the load's key names, read by the load
// without a write of its own, and in its history as acknowledged writes of the keys it touched.
import { describe, expect, it } from '@jest/globals';
import { startLoad } from '../../../../tools/load/engine.js';
import { seedObjects } from '../../../../tools/load/seeding.js';
import type { LoadSpec } from '../../../../tools/load/types.js';
import { sha256Hex } from '../../../support/e2e/payload.js';
import { fakeLoadClient } from '../../../support/load/fake-load-client.js';

const SEED = { bucket: 'origin', keyPrefix: 'run/', count: 40, size: { min: 100, max: 2000 }, seed: 9 };

function spec(overrides: Partial<LoadSpec> = {}): LoadSpec {
  return {
    target: 'http://127.0.0.1:1',
    bucket: 'b',
    keyPrefix: 'run/',
    durationMs: 200,
    loop: { kind: 'closed', concurrency: 4 },
    keys: 100,
    size: { min: 64, max: 64 },
    mix: { get: 1 },
    client: 'raw',
    seed: 9,
    recordHistory: true,
    ...overrides,
  };
}

describe('seedObjects', () => {
  it('writes keys 0..count-1 under the load key names, the same bytes for the same seed', async () => {
    // Prepare
    const first = fakeLoadClient();
    const second = fakeLoadClient();

    // Act
    const seeded = await seedObjects(first, SEED);
    await seedObjects(second, SEED);

    // Assess
    expect(seeded.map((object) => object.index)).toEqual(Array.from({ length: 40 }, (_, i) => i));
    expect([...first.objects.keys()].sort()).toEqual(seeded.map((o) => `run/k${o.index}`).sort());
    for (const object of seeded) {
      const body = first.objects.get(`run/k${object.index}`)!;
      expect(sha256Hex(body)).toBe(object.sha256);
      expect(body.length).toBeGreaterThanOrEqual(100);
      expect(body.length).toBeLessThanOrEqual(2000);
      expect(second.objects.get(`run/k${object.index}`)!.equals(body)).toBe(true);
      expect(object.requestIds.length).toBe(1);
    }
    expect(new Set(seeded.map((o) => o.sha256)).size).toBe(40);
  });

  it('stops at the first refused PUT and names its key', async () => {
    // Prepare: the fifth PUT is refused.
    const client = fakeLoadClient({ acknowledge: (_call, index) => index !== 4 });

    // Act + Assess
    await expect(seedObjects(client, { ...SEED, concurrency: 1 })).rejects.toThrow(
      'seeding origin/run/k4: PutObject answered 500 InternalError',
    );
    expect(client.calls).toHaveLength(5);
  });
});

describe('a load over seeded keys', () => {
  it('reads them without writing them first, and keeps their writes in the history for the keys it touched', async () => {
    // Prepare: the origin and the bucket are one store in the fake client.
    const client = fakeLoadClient();
    const seeded = await seedObjects(client, { ...SEED, count: 100, size: { min: 64, max: 64 } });
    const seedingCalls = client.calls.length;

    // The load stops after 20 reads, so most seeded keys stay untouched.
    let reads = 0;
    let stop = (): void => undefined;
    const stopping: typeof client = {
      ...client,
      getObject: (bucket, key) => {
        if (++reads === 20) stop();
        return client.getObject(bucket, key);
      },
    };

    // Act
    const handle = startLoad(spec({ preexisting: seeded, durationMs: 10_000 }), {}, { client: stopping });
    stop = () => void handle.stop();
    const run = await handle.done;

    // Assess: only reads, each of seeded bytes.
    const calls = client.calls.slice(seedingCalls);
    expect(calls.length).toBeGreaterThanOrEqual(20);
    expect(calls.every((call) => call.operation === 'get')).toBe(true);
    const history = run.history!;
    const bytesOf = new Map(seeded.map((o) => [`run/k${o.index}`, o.sha256]));
    expect(history.reads.length).toBe(calls.length);
    expect(history.reads.every((read) => bytesOf.get(read.key) === read.sha256)).toBe(true);
    // The seeded writes of the touched keys only, acknowledged before the load's first millisecond.
    expect(history.writes.map((write) => write.key).sort()).toEqual([...run.touchedKeys].sort());
    expect(run.touchedKeys.length).toBeLessThan(100);
    for (const write of history.writes) {
      expect(write).toMatchObject({
        acked: true,
        startedAtMs: 0,
        endedAtMs: 0,
        sha256: bytesOf.get(write.key),
      });
    }
  });
});
