import { randomBytes } from 'node:crypto';
import { readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { encodeBlob } from '../../../shared/storage/blob-format.js';
import { rankNodes } from '../../../shared/storage/placement.js';
import {
  blobReplicas,
  eventually,
  type FaultTarget,
  NODE_IDS,
  startFaultServer,
  timed,
} from '../../support/e2e/faults.js';
import { sdkError } from '../../support/e2e/http.js';

jest.setTimeout(120_000);

let target: FaultTarget;
let bucket: string;

beforeAll(async () => {
  target = await startFaultServer();
  bucket = await target.createBucket('storage-faults');
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

/** PUTs and returns the nodes holding the new blob (the one blob that was not there before). */
async function putAndLocate(key: string, body: Buffer): Promise<{ blobId: string; nodes: string[] }> {
  const before = await blobReplicas(target.dataDir);
  await put(key, body);
  const after = await blobReplicas(target.dataDir);
  const fresh = [...after].filter(([blobId]) => !before.has(blobId));
  if (fresh.length !== 1) throw new Error(`expected one new blob, found ${JSON.stringify(fresh)}`);
  const [blobId, nodes] = fresh[0]!;
  return { blobId, nodes };
}

function nodeRule(point: string, fault: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  const { node, ...rest } = extra;
  return target.faults.addRule({
    match: { service: 'storage-node', point, bucket, ...(node === undefined ? {} : { node }) },
    fault,
    ...rest,
  });
}

const CORRUPT_MODES = ['bitflip', 'zero', 'truncate'] as const;

/** The replica file of `blobId` on `node`, header included. */
function replicaFile(node: string, blobId: string): Promise<Buffer> {
  return readFile(join(target.dataDir, 'nodes', node, 'blobs', blobId.slice(0, 2), blobId));
}

/** What each `corrupt` mode must have done to the stored replica `good`. */
function expectDamaged(onDisk: Buffer, good: Buffer, mode: (typeof CORRUPT_MODES)[number]): void {
  expect(onDisk.equals(good)).toBe(false);
  if (mode === 'truncate') {
    expect(onDisk.length).toBeLessThan(good.length);
    return;
  }
  expect(onDisk.length).toBe(good.length);
  const changed = [...onDisk.keys()].filter((i) => onDisk[i] !== good[i]);
  if (mode === 'bitflip') expect(changed).toHaveLength(1);
  else expect(changed.every((i) => onDisk[i] === 0)).toBe(true);
}

/** One reconcile pass now (its deep scrub reads every replica and rewrites the damaged ones). */
async function repairPass(): Promise<{ replicasRepaired: number; tempFilesRemoved?: number }> {
  const response = await fetch(`${target.adminEndpoint}/api/v1/storage/repair`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{}',
    signal: AbortSignal.timeout(30_000),
  });
  expect(response.status).toBe(200);
  return (await response.json()) as { replicasRepaired: number; tempFilesRemoved?: number };
}

describe('corrupt', () => {
  it.each(CORRUPT_MODES)(
    'node.read %s: the replica read first is damaged on disk, the GET is served by the other, the scrub rewrites it',
    async (mode) => {
      // Prepare: the holder a GET reads first is the first-ranked one
      const body = randomBytes(64 * 1024);
      const { blobId, nodes } = await putAndLocate(`corrupt/read-${mode}`, body);
      const firstRead = rankNodes(blobId, NODE_IDS).find((node) => nodes.includes(node))!;
      const good = encodeBlob(body);
      const rule = await nodeRule('node.read', { type: 'corrupt', mode }, { node: firstRead, times: 1 });

      // Act
      const read = await getBytes(`corrupt/read-${mode}`);
      const damaged = await replicaFile(firstRead, blobId);
      const repair = await repairPass();
      const repaired = await replicaFile(firstRead, blobId);

      // Assess
      expect(read.equals(body)).toBe(true);
      expectDamaged(damaged, good, mode);
      expect(repair.replicasRepaired).toBeGreaterThanOrEqual(1);
      expect(repaired.equals(good)).toBe(true);
      expect(await target.faults.events({ rule: rule.id })).toHaveLength(1);
    },
  );

  it.each(CORRUPT_MODES)(
    'node.write %s: acknowledged with R replicas, one damaged on disk; reads are good; the scrub rewrites it',
    async (mode) => {
      // Prepare
      const body = randomBytes(16 * 1024);
      const good = encodeBlob(body);
      const rule = await nodeRule('node.write', { type: 'corrupt', mode }, { times: 1 });

      // Act
      const { blobId, nodes } = await putAndLocate(`corrupt/write-${mode}`, body);
      const files = await Promise.all(nodes.map((node) => replicaFile(node, blobId)));
      const read = await getBytes(`corrupt/write-${mode}`);
      const repair = await repairPass();
      const repaired = await Promise.all(nodes.map((node) => replicaFile(node, blobId)));

      // Assess
      expect(nodes).toHaveLength(2);
      const damaged = files.filter((file) => !file.equals(good));
      expect(damaged).toHaveLength(1);
      expectDamaged(damaged[0]!, good, mode);
      expect(read.equals(body)).toBe(true);
      expect(repair.replicasRepaired).toBeGreaterThanOrEqual(1);
      expect(repaired.every((file) => file.equals(good))).toBe(true);
      expect(await target.faults.events({ rule: rule.id })).toHaveLength(1);
    },
  );
});

describe('node_down', () => {
  it('one holder down: reads still work with R=2, and writes go to the other nodes', async () => {
    // Prepare
    const body = randomBytes(32 * 1024);
    const { nodes } = await putAndLocate('down/one', body);
    const down = nodes[0]!;
    await nodeRule('node.read', { type: 'node_down' }, { node: down });
    await nodeRule('node.write', { type: 'node_down' }, { node: down });

    // Act
    const read = await getBytes('down/one');
    const written = await putAndLocate('down/two', randomBytes(1024));

    // Assess
    expect(read.equals(body)).toBe(true);
    expect(written.nodes).toHaveLength(2);
    expect(written.nodes).not.toContain(down);
  });
});

describe('io_error and io_latency', () => {
  it('io_error on node-1 writes: PUTs still succeed with two replicas elsewhere', async () => {
    // Prepare
    const rule = await nodeRule('node.write', { type: 'io_error', errno: 'EIO' }, { node: 'node-1' });

    // Act
    const placed = [];
    for (let i = 0; i < 4; i++) placed.push(await putAndLocate(`ioerr/${i}`, randomBytes(2048)));

    // Assess
    for (const { nodes } of placed) {
      expect(nodes).toHaveLength(2);
      expect(nodes).not.toContain('node-1');
    }
    expect((await target.faults.events({ rule: rule.id })).length).toBeGreaterThanOrEqual(1);
  });

  it('io_latency on reads adds at least the delay', async () => {
    // Prepare
    const body = randomBytes(1024);
    await put('slowdisk', body);
    await nodeRule('node.read', { type: 'io_latency', ms: 500 });

    // Act
    const { ms, result } = await timed(() => getBytes('slowdisk'));

    // Assess
    expect(result.equals(body)).toBe(true);
    expect(ms).toBeGreaterThanOrEqual(500);
  });
});

describe('capacity', () => {
  it('every node full: the client sees 507 StorageFull', async () => {
    // Prepare
    await nodeRule('node.write', { type: 'capacity', maxBytes: 0 });

    // Act
    const failure = await sdkError(put('full', randomBytes(1024)));

    // Assess
    expect(failure).toEqual({ name: 'StorageFull', status: 507 });
  });

  it('io_error ENOSPC on every node is a full disk too: 507 StorageFull, not a 503', async () => {
    // Prepare
    await nodeRule('node.write', { type: 'io_error', errno: 'ENOSPC' });

    // Act
    const failure = await sdkError(put('enospc', randomBytes(1024)));

    // Assess
    expect(failure).toEqual({ name: 'StorageFull', status: 507 });
  });

  it('one node full: writes still succeed on the others', async () => {
    // Prepare
    await nodeRule('node.write', { type: 'capacity', maxBytes: 0 }, { node: 'node-2' });

    // Act
    const placed = await putAndLocate('one-full', randomBytes(1024));

    // Assess
    expect(placed.nodes).toEqual(['node-1', 'node-3']);
  });
});

describe('the disk-full preset', () => {
  it('answers 507 StorageFull to writes, as its description says; reads go on', async () => {
    // Prepare
    const body = randomBytes(2048);
    await put('disk-full/before', body);
    const preset = (await target.faults.presets()).find((p) => p.name === 'disk-full');
    const activated = await target.faults.call('POST', '/presets/disk-full/activate', { ttl: '1m' });

    // Act
    const write = await sdkError(put('disk-full/after', randomBytes(2048)));
    const read = await getBytes('disk-full/before');
    await target.faults.deactivateScenario('disk-full');
    await put('disk-full/later', randomBytes(2048));

    // Assess
    expect(activated.status).toBe(200);
    expect(preset?.description).toContain('507 StorageFull');
    expect(write).toEqual({ name: 'StorageFull', status: 507 });
    expect(read.equals(body)).toBe(true);
  });
});

describe('partial_write and stale_replica', () => {
  it('partial_write {written: 1}: the PUT is acknowledged, readable, and repaired back to R=2', async () => {
    // Prepare
    const body = randomBytes(4096);
    const rule = await target.faults.addRule({
      match: { service: 'storage', point: 'storage.put.before', bucket, key: 'partial' },
      fault: { type: 'partial_write', written: 1 },
      times: 1,
    });
    const before = await blobReplicas(target.dataDir);

    // Act
    await put('partial', body);
    const read = await getBytes('partial');
    const replicas = await eventually(
      async () => [...(await blobReplicas(target.dataDir))].filter(([id]) => !before.has(id)),
      (fresh) => fresh.length === 1 && fresh[0]![1].length === 2,
      { what: 'the partial blob repaired to two replicas' },
    );

    // Assess
    expect(read.equals(body)).toBe(true);
    expect(replicas[0]![1]).toHaveLength(2);
    expect(await target.faults.events({ rule: rule.id })).toHaveLength(1);
  });

  it('stale_replica at node.write: acknowledged, that node lacks the new version, reads are good, repair heals it', async () => {
    // Prepare: the repair after the upload is dropped, so only the reconcile pass heals the replica
    await target.faults.addRule({
      match: { service: 'async', point: 'queue.publish', operation: 'upload_completed' },
      fault: { type: 'drop' },
    });
    const older = randomBytes(2048);
    const newer = randomBytes(2048);
    await put('stale-replica/write', older);
    const rule = await nodeRule('node.write', { type: 'stale_replica' }, { times: 1 });

    // Act
    const { blobId, nodes } = await putAndLocate('stale-replica/write', newer);
    const read = await getBytes('stale-replica/write');
    const repair = await repairPass();
    const healed = (await blobReplicas(target.dataDir)).get(blobId) ?? [];

    // Assess: one of the R=2 replica writes was acknowledged without storing anything
    expect(nodes).toHaveLength(1);
    expect(read.equals(newer)).toBe(true);
    expect(repair.replicasRepaired).toBeGreaterThanOrEqual(1);
    expect(healed).toHaveLength(2);
    expect(await target.faults.events({ rule: rule.id })).toHaveLength(1);
  });

  it('stale_replica at node.read on every node: no replica is found (503), and all reads again without the rule', async () => {
    // Prepare
    const body = randomBytes(2048);
    await put('stale-replica/read', body);
    const rule = await nodeRule('node.read', { type: 'stale_replica' });

    // Act
    const failure = await sdkError(getBytes('stale-replica/read'));
    await target.faults.removeRule(rule.id);
    const read = await getBytes('stale-replica/read');

    // Assess
    expect(failure).toEqual({ name: 'ServiceUnavailable', status: 503 });
    expect(read.equals(body)).toBe(true);
  });
});

describe('temp files of killed writes', () => {
  it('are removed by the reconcile pass once older than the grace; younger ones stay', async () => {
    // Prepare: what a write killed mid-way leaves in a node's tmp/ (ORPHAN_GRACE_MS is 10 min)
    const tmp = join(target.dataDir, 'nodes', 'node-2', 'tmp');
    const killed = join(tmp, 'killed-write.99999.1.tmp');
    const recent = join(tmp, 'recent-write.99999.2.tmp');
    await writeFile(killed, randomBytes(64 * 1024));
    await utimes(killed, new Date(Date.now() - 3_600_000), new Date(Date.now() - 3_600_000));
    await writeFile(recent, randomBytes(1024));

    // Act
    const report = await repairPass();
    const left = await readdir(tmp);
    await rm(recent, { force: true });

    // Assess
    expect(report).toMatchObject({ tempFilesRemoved: 1 });
    expect(left).toContain('recent-write.99999.2.tmp');
    expect(left).not.toContain('killed-write.99999.1.tmp');
  });
});

describe('storage-service s3_error', () => {
  it('at storage.put.before: the PUT fails with that error and nothing is stored', async () => {
    // Prepare
    await target.faults.addRule({
      match: { service: 'storage', point: 'storage.put.before', bucket },
      fault: { type: 's3_error', code: 'SlowDown' },
    });

    // Act
    const failure = await sdkError(put('storage-err', randomBytes(1024)));
    await target.faults.clearRules();

    // Assess
    expect(failure).toEqual({ name: 'SlowDown', status: 503 });
    expect((await sdkError(getBytes('storage-err'))).status).toBe(404);
  });

  it('at storage.get: the GET fails with that error', async () => {
    // Prepare
    await put('storage-get', randomBytes(1024));
    await target.faults.addRule({
      match: { service: 'storage', point: 'storage.get', bucket },
      fault: { type: 's3_error', code: 'InternalError' },
    });

    // Act
    const failure = await sdkError(getBytes('storage-get'));

    // Assess
    expect(failure).toEqual({ name: 'InternalError', status: 500 });
  });
});
