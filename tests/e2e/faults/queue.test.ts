import { randomBytes } from 'node:crypto';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, describe, expect, it, jest } from '@jest/globals';
import {
  blobReplicas,
  eventually,
  type FaultTarget,
  startFaultServer,
  timed,
} from '../../support/e2e/faults.js';

jest.setTimeout(120_000);

// The periodic reconcile pass stays at its default (minutes): here only the task queue heals.
let target: FaultTarget;
let bucket: string;

beforeAll(async () => {
  target = await startFaultServer();
  bucket = await target.createBucket('queue-faults');
});

afterEach(async () => {
  await target.faults.reset();
});

afterAll(async () => {
  await target?.close();
});

async function put(key: string, body: Buffer): Promise<void> {
  await target.client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
}

async function getBytes(key: string): Promise<Buffer> {
  const got = await target.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return Buffer.from((await got.Body?.transformToByteArray()) ?? []);
}

/** Blob id -> replica count, for blobs that were not there in `before`. */
async function newBlobs(before: Map<string, string[]>): Promise<[string, number][]> {
  return [...(await blobReplicas(target.dataDir))]
    .filter(([id]) => !before.has(id))
    .map(([id, nodes]) => [id, nodes.length]);
}

/** Waits until exactly one new blob with two replicas is left: the current version's. */
function converged(before: Map<string, string[]>, what: string) {
  return eventually(
    () => newBlobs(before),
    (blobs) => blobs.length === 1 && blobs[0]![1] === 2,
    { what },
  );
}

function queueRule(point: string, operation: string, fault: Record<string, unknown>) {
  return target.faults.addRule({ match: { service: 'async', point, operation }, fault });
}

describe('duplicate', () => {
  it.each([['queue.publish'], ['queue.consume']])(
    'at %s: state ends as if each task were delivered once',
    async (point) => {
      // Prepare
      const before = await blobReplicas(target.dataDir);
      const key = `dup/${point}`;
      const latest = randomBytes(4096);
      const rules = [
        await queueRule(point, 'upload_completed', { type: 'duplicate', copies: 2 }),
        await queueRule(point, 'delete_from_storage', { type: 'duplicate', copies: 2 }),
      ];

      // Act
      await put(key, randomBytes(4096));
      await put(key, latest);
      const blobs = await converged(before, 'one blob with two replicas after duplicated tasks');

      // Assess
      expect((await getBytes(key)).equals(latest)).toBe(true);
      expect(blobs).toHaveLength(1);
      for (const rule of rules) {
        expect((await target.faults.events({ rule: rule.id })).length).toBeGreaterThanOrEqual(1);
      }
    },
  );
});

describe('delay', () => {
  it('at queue.publish: the PUT answers at once; the replaced blob is removed only after the delay', async () => {
    // Prepare
    const before = await blobReplicas(target.dataDir);
    const rule = await queueRule('queue.publish', 'delete_from_storage', { type: 'delay', ms: 3000 });

    // Act
    await put('delay/k', randomBytes(2048));
    const started = Date.now();
    const overwrite = await timed(() => put('delay/k', Buffer.from('latest')));
    const right = await newBlobs(before);
    await converged(before, 'replaced blob removed after the delay');
    const healedAfter = Date.now() - started;

    // Assess: the client's answer does not wait for the delayed task.
    expect(overwrite.ms).toBeLessThan(1000);
    expect(right).toHaveLength(2);
    expect(healedAfter).toBeGreaterThanOrEqual(3000);
    expect((await getBytes('delay/k')).toString()).toBe('latest');
    expect(await target.faults.events({ rule: rule.id })).toHaveLength(1);
  });
});

describe('reorder', () => {
  // The order itself is asserted in tests/unit/shared/injection/queue-faults.test.ts; here, that
  // idempotent tasks delivered out of order still leave the right state.
  it('reordered tasks still converge: latest version readable, older blobs gone', async () => {
    // Prepare
    const before = await blobReplicas(target.dataDir);
    await queueRule('queue.publish', 'upload_completed', { type: 'reorder' });
    await queueRule('queue.publish', 'delete_from_storage', { type: 'reorder' });

    // Act
    for (let i = 0; i < 4; i++) await put('reorder/k', Buffer.from(`version-${i}`));
    await converged(before, 'one blob left after reordered tasks');

    // Assess
    expect((await getBytes('reorder/k')).toString()).toBe('version-3');
  });
});

/** Dead letters of the server's task queue (control plane: GET /api/v1/async/queue). */
async function deadLetters(): Promise<number> {
  const answer = await fetch(`${target.adminEndpoint}/api/v1/async/queue`);
  expect(answer.status).toBe(200);
  return ((await answer.json()) as { deadLetters: number }).deadLetters;
}

describe.each([['queue.publish'], ['queue.consume']])('dead_letter at %s', (point) => {
  it('poisons the upload_completed task: it ends in the dead letters, the object is unaffected', async () => {
    // Prepare
    const deadBefore = await deadLetters();
    const rule = await target.faults.addRule({
      match: { service: 'async', point, operation: 'upload_completed' },
      fault: { type: 'dead_letter' },
      times: 1,
    });
    const body = randomBytes(2048);

    // Act
    await put(`poison/${point}`, body);
    const dead = await eventually(deadLetters, (count) => count > deadBefore, {
      what: 'the poisoned task dead-lettered after its attempts',
    });

    // Assess
    expect(dead).toBe(deadBefore + 1);
    expect(await target.faults.events({ rule: rule.id })).toHaveLength(1);
    expect((await getBytes(`poison/${point}`)).equals(body)).toBe(true);
  });
});
