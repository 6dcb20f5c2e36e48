import { randomBytes } from 'node:crypto';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { blobReplicas, eventually, type FaultTarget, startFaultServer } from '../../support/e2e/faults.js';

jest.setTimeout(120_000);

// A reconcile pass every second and no grace period: orphans go on the next pass.
let target: FaultTarget;
let bucket: string;

beforeAll(async () => {
  target = await startFaultServer({ env: { RECONCILE_INTERVAL_MS: '1000', ORPHAN_GRACE_MS: '0' } });
  bucket = await target.createBucket('gc-heal');
});

afterEach(async () => {
  await target.faults.reset();
});

afterAll(async () => {
  await target?.close();
});

async function getBytes(key: string): Promise<Buffer> {
  const got = await target.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return Buffer.from((await got.Body?.transformToByteArray()) ?? []);
}

describe.each([
  ['drop', 'queue.publish'],
  ['drop', 'queue.consume'],
  ['dead_letter', 'queue.publish'],
])('%s of delete_from_storage at %s', (type, point) => {
  it('is healed by the periodic GC: the replaced blob files leave DATA_DIR', async () => {
    // Prepare
    const key = `gc/${type}/${point}`;
    const beforeFirst = await blobReplicas(target.dataDir);
    await target.client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: randomBytes(2048) }));
    const withFirst = await blobReplicas(target.dataDir);
    const replaced = [...withFirst.keys()].filter((id) => !beforeFirst.has(id));
    const rule = await target.faults.addRule({
      match: { service: 'async', point, operation: 'delete_from_storage' },
      fault: { type },
    });
    const latest = randomBytes(2048);

    // Act
    await target.client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: latest }));
    const fired = await eventually(
      () => target.faults.events({ rule: rule.id }),
      (firings) => firings.length >= 1,
      { what: `${type} fired` },
    );
    const afterOverwrite = await blobReplicas(target.dataDir);
    const current = [...afterOverwrite.keys()].filter((id) => !withFirst.has(id));
    const healed = await eventually(
      () => blobReplicas(target.dataDir),
      (blobs) => replaced.every((id) => !blobs.has(id)),
      { what: 'replaced blobs collected by the reconcile pass', timeoutMs: 30_000 },
    );

    // Assess
    expect(fired[0]).toMatchObject({ type, point, operation: 'delete_from_storage' });
    expect(replaced).toHaveLength(1);
    expect(current).toHaveLength(1);
    expect(healed.get(current[0]!)).toHaveLength(2);
    expect((await getBytes(key)).equals(latest)).toBe(true);
  });
});
