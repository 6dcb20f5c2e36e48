import { afterAll, describe, expect, it } from '@jest/globals';
import { createRedisFetchLease } from '../../../shared/origin/adapters/redis-fetch-lease.js';
import type { FetchLease } from '../../../shared/origin/ports.js';
import { createLogger } from '../../../shared/telemetry/logger.js';
import {
  closedPort,
  deleteScratchKeys,
  inspectRedis,
  REDIS_URL,
  scratchPrefix,
} from '../queue/redis-scratch.js';

const prefix = scratchPrefix('origin-lease');
const inspector = inspectRedis();
const opened: FetchLease[] = [];

/** One lease per simulated process: each its own connection, as each serverless-offline instance has. */
function openLease(tokens?: string[]): FetchLease {
  const lease = createRedisFetchLease({
    url: REDIS_URL,
    keyPrefix: prefix,
    ...(tokens ? { token: () => tokens.shift()! } : {}),
  });
  opened.push(lease);
  return lease;
}

/** Redis expires keys on its own clock: polls (bounded) until the key is gone. */
async function untilExpired(key: string): Promise<void> {
  const deadline = Date.now() + 3000;
  while ((await inspector.exists(key)) === 1) {
    if (Date.now() > deadline) throw new Error(`${key} did not expire`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

afterAll(async () => {
  await Promise.all(opened.map((lease) => lease.close()));
  await deleteScratchKeys(inspector, prefix);
  await inspector.quit();
});

describe('createRedisFetchLease', () => {
  it('grants one holder per id across processes, and the next one after release', async () => {
    // Prepare
    const first = openLease();
    const second = openLease();

    // Act
    const firstGranted = await first.acquire('photos/cat.jpg', 10_000);
    const secondWhileHeld = await second.acquire('photos/cat.jpg', 10_000);
    const otherKey = await second.acquire('photos/dog.jpg', 10_000);
    await first.release('photos/cat.jpg');
    const secondAfterRelease = await second.acquire('photos/cat.jpg', 10_000);

    // Assess
    expect([firstGranted, secondWhileHeld, otherKey, secondAfterRelease]).toEqual([true, false, true, true]);
  });

  it('sets the key with its TTL in Redis, so a crashed holder blocks nobody for long', async () => {
    // Prepare
    const crashed = openLease();
    const next = openLease();

    // Act
    await crashed.acquire('archive/big.bin', 300);
    const ttlMs = await inspector.pttl(`${prefix}archive/big.bin`);
    const whileHeld = await next.acquire('archive/big.bin', 10_000);
    await untilExpired(`${prefix}archive/big.bin`);
    const afterLapse = await next.acquire('archive/big.bin', 10_000);

    // Assess
    expect(ttlMs).toBeGreaterThan(0);
    expect(ttlMs).toBeLessThanOrEqual(300);
    expect(whileHeld).toBe(false);
    expect(afterLapse).toBe(true);
  });

  it('releases only its own lease: a holder whose lease lapsed leaves the new holder alone', async () => {
    // Prepare
    const slow = openLease(['slow-token']);
    const fast = openLease(['fast-token']);
    const third = openLease();
    await slow.acquire('logs/day.txt', 200);
    await untilExpired(`${prefix}logs/day.txt`);
    await fast.acquire('logs/day.txt', 10_000);

    // Act
    await slow.release('logs/day.txt');

    // Assess
    expect(await inspector.get(`${prefix}logs/day.txt`)).toBe('fast-token');
    expect(await third.acquire('logs/day.txt', 10_000)).toBe(false);
  });

  it('grants the lease within its bound when Redis is unreachable, and says so once', async () => {
    // Prepare
    const lines: { level: string; message: string }[] = [];
    const lease = createRedisFetchLease({
      url: `redis://127.0.0.1:${await closedPort()}`,
      commandTimeoutMs: 300,
      logger: createLogger({ level: 'info', write: (line) => lines.push(JSON.parse(line)) }),
    });
    const startedAt = Date.now();

    // Act
    let granted: boolean[];
    try {
      granted = [await lease.acquire('a', 1000), await lease.acquire('b', 1000)];
    } finally {
      await lease.close();
    }

    // Assess
    expect(granted).toEqual([true, true]);
    expect(Date.now() - startedAt).toBeLessThan(2000);
    expect(lines.filter((line) => line.message.startsWith('origin fetch lease unavailable'))).toHaveLength(1);
  });

  it('quits its connection on close', async () => {
    // Prepare
    const lease = createRedisFetchLease({ url: REDIS_URL, keyPrefix: prefix });
    await lease.acquire('close/me', 1000);
    const connections = async () =>
      ((await inspector.client('LIST')) as string)
        .split('\n')
        .filter((line) => line.includes('name=mock-s3-origin-lease')).length;
    const before = await connections();

    // Act
    await lease.close();

    // Assess
    expect(before).toBeGreaterThanOrEqual(1);
    expect(await connections()).toBe(before - 1);
  });
});
