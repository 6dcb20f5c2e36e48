import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from '@jest/globals';
import { loadConfig } from '../../../shared/config/env.js';
import { FETCH_LEASE_PREFIX } from '../../../shared/origin/adapters/redis-fetch-lease.js';
import { openFetchLease } from '../../../shared/origin/open-fetch-lease.js';
import type { FetchLease } from '../../../shared/origin/ports.js';
import { silentLogger } from '../../../shared/telemetry/logger.js';
import { inspectRedis, REDIS_URL } from '../queue/redis-scratch.js';

const inspector = inspectRedis();
const opened: FetchLease[] = [];
/** An id of this run alone: the lease keys live under the shared prefix stack mode uses. */
const id = `open-fetch-lease-test-${randomBytes(4).toString('hex')}/key.bin`;

/** The lease of one process started with these variables. */
function leaseOf(env: Record<string, string>): FetchLease {
  const lease = openFetchLease(loadConfig({ LOG_LEVEL: 'silent', ...env }), silentLogger);
  opened.push(lease);
  return lease;
}

afterAll(async () => {
  await Promise.all(opened.map((lease) => lease.close()));
  await inspector.del(`${FETCH_LEASE_PREFIX}${id}`);
  await inspector.quit();
});

describe('openFetchLease', () => {
  it('shares the lease between processes that run the Redis backends (stack mode)', async () => {
    // Prepare: two processes as `npm run stack` starts them
    const stack = { CACHE_BACKEND: 'redis', QUEUE_BACKEND: 'redis', REDIS_URL };
    const first = leaseOf(stack);
    const second = leaseOf(stack);

    // Act
    const granted = [await first.acquire(id, 10_000), await second.acquire(id, 10_000)];
    await first.release(id);

    // Assess
    expect(granted).toEqual([true, false]);
    expect(await second.acquire(id, 10_000)).toBe(true);
  });

  it('grants every fetch in one process without Redis (embedded mode)', async () => {
    // Prepare
    const lease = leaseOf({});

    // Act
    const granted = [await lease.acquire(id, 10_000), await lease.acquire(`${id}-2`, 10_000)];

    // Assess
    expect(granted).toEqual([true, true]);
  });
});
