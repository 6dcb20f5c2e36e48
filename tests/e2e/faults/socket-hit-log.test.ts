import { randomBytes } from 'node:crypto';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { type FaultTarget, startFaultServer, timed } from '../../support/e2e/faults.js';

jest.setTimeout(120_000);

/** Shorter than every `afterBytes` below; `LARGE` is longer. */
const SMALL = randomBytes(2_000);
const LARGE = randomBytes(100_000);
const AFTER_BYTES = 10_000;

let target: FaultTarget;
let bucket: string;

beforeAll(async () => {
  target = await startFaultServer();
  bucket = await target.createBucket('socket-hits');
  for (const [key, body] of [
    ['small', SMALL],
    ['large', LARGE],
  ] as const) {
    await target.client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
  }
});

afterEach(async () => {
  await target.faults.reset();
});

afterAll(async () => {
  await target?.close();
});

async function get(key: string): Promise<Buffer> {
  const got = await target.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }), {
    abortSignal: AbortSignal.timeout(20_000),
  });
  return Buffer.from((await got.Body?.transformToByteArray()) ?? []);
}

/** The `fault_injections_total` samples of `type` at gateway.socket on the Prometheus scrape. */
async function injectionsCounted(type: string): Promise<number> {
  const text = await (await fetch(`${target.adminEndpoint}/metrics`)).text();
  return text
    .split('\n')
    .filter((line) => line.startsWith('fault_injections_total{') && line.includes('point="gateway.socket"'))
    .filter((line) => line.includes(`type="${type}"`))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
}

describe('a socket fault that cannot take effect on a short body is not a firing', () => {
  it.each([
    ['truncate', { type: 'truncate', afterBytes: AFTER_BYTES }],
    ['reset', { type: 'reset', afterBytes: AFTER_BYTES }],
    ['stall', { type: 'stall', afterBytes: AFTER_BYTES, ms: 3_000 }],
  ])(
    '%s {afterBytes} past the end: the body is served whole, no hit, the rule is not spent',
    async (type, fault) => {
      // Prepare
      const rule = await target.faults.addRule({
        match: { service: 'gateway', point: 'gateway.socket', operation: 'GetObject', bucket },
        fault,
        times: 1,
      });
      const countedBefore = await injectionsCounted(type);

      // Act
      const short = await timed(() => get('small'));
      const hitsAfterShort = await target.faults.events({ rule: rule.id });
      const countedAfterShort = await injectionsCounted(type);
      const long = await timed(() =>
        get('large').then(
          () => 'whole',
          () => 'failed',
        ),
      );

      // Assess
      expect(short.result.equals(SMALL)).toBe(true);
      expect(short.ms).toBeLessThan(3_000);
      expect(hitsAfterShort).toEqual([]);
      expect(countedAfterShort).toBe(countedBefore);
      // The body long enough to be cut, reset or stalled meets the rule, still unspent.
      if (type === 'stall') expect(long.ms).toBeGreaterThanOrEqual(3_000);
      else expect(long.result).toBe('failed');
      expect(await target.faults.events({ rule: rule.id })).toHaveLength(1);
    },
  );

  it('truncate at exactly the body length, read by fetch: every byte, no hit', async () => {
    // Prepare
    const rule = await target.faults.addRule({
      match: { service: 'gateway', point: 'gateway.socket', operation: 'GetObject', bucket },
      fault: { type: 'truncate', afterBytes: SMALL.length },
    });

    // Act
    const response = await fetch(`${target.endpoint}/${bucket}/small`);
    const bytes = Buffer.from(await response.arrayBuffer());

    // Assess
    expect(bytes.equals(SMALL)).toBe(true);
    expect(Number(response.headers.get('content-length'))).toBe(SMALL.length);
    // A cut at exactly the body's length cuts nothing: nothing to log either.
    expect(await target.faults.events({ rule: rule.id })).toEqual([]);
  });
});
