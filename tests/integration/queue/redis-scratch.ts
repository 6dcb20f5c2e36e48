import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';

/** The Redis the integration tests use (started by scripts/services-up.sh). */
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A key prefix of this test file alone, so files running in parallel never share keys. */
export function scratchPrefix(area: string): string {
  return `test:${area}:${randomBytes(4).toString('hex')}:`;
}

/** A plain client for looking at what an adapter wrote, and for cleaning up. */
export function inspectRedis(): Redis {
  return new Redis(REDIS_URL, { maxRetriesPerRequest: 0, connectionName: 'integration-test-inspector' });
}

/** Deletes every key under `prefix`. */
export async function deleteScratchKeys(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
    cursor = next;
    if (keys.length > 0) await redis.del(...keys);
  } while (cursor !== '0');
}

/** A port on 127.0.0.1 nobody listens on (bound by the OS, then released). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  return address.port;
}

/** A flat Redis field list (`[f1, v1, f2, v2]`) as pairs. */
export function chunkPairs(flat: string[]): [string, string][] {
  const pairs: [string, string][] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) pairs.push([flat[i]!, flat[i + 1]!]);
  return pairs;
}
