import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { type FaultTarget, startFaultServer } from '../../support/e2e/faults.js';

jest.setTimeout(180_000);

let first: FaultTarget;
let second: FaultTarget;

beforeAll(async () => {
  [first, second] = await Promise.all([startFaultServer(), startFaultServer()]);
});

afterAll(async () => {
  await Promise.all([first?.close(), second?.close()]);
});

/** A seeded rule with no id: what a chaos run records to replay. */
const seeded = {
  match: { service: 's3-api', operation: 'GetObject' },
  fault: { type: 's3_error', code: 'SlowDown' },
  rate: 0.5,
  seed: 1234,
};

/** Posts the rules, then GETs `count` times and writes down which GETs failed with which code. */
async function pattern(target: FaultTarget, rules: Record<string, unknown>[], count: number) {
  const bucket = await target.createBucket('replay');
  await target.client.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'body' }));
  const ids: string[] = [];
  for (const rule of rules) ids.push((await target.faults.addRule(rule)).id);
  const seen: string[] = [];
  for (let i = 0; i < count; i++) {
    try {
      const answer = await target.client.send(new GetObjectCommand({ Bucket: bucket, Key: 'k' }));
      await answer.Body?.transformToString();
      seen.push('ok');
    } catch (error) {
      seen.push((error as { name: string }).name);
    }
  }
  return { ids, seen };
}

describe('a seeded rule posted without an id replays identically on a fresh server', () => {
  it('gives the same faults to the same request sequence on two fresh servers', async () => {
    // Prepare: the same body twice (the second must still get an id of its own)
    const rules = [seeded, seeded];

    // Act
    const [a, b] = await Promise.all([pattern(first, rules, 40), pattern(second, rules, 40)]);

    // Assess: the same failures in the same places, from rules with the same, distinct ids
    expect(a.seen).toContain('SlowDown');
    expect(a.seen).toContain('ok');
    expect(a.seen).toEqual(b.seen);
    expect(a.ids).toEqual(b.ids);
    expect(new Set(a.ids).size).toBe(2);
  });
});
