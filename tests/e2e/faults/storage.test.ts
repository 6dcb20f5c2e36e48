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

describe('corrupt', () => {
  it('a replica damaged on read is detected and the read is served from the other', async () => {
    // Prepare
    const body = randomBytes(64 * 1024);
    await put('corrupt/read', body);
    // The first replica read is damaged on disk (bitflip below its checksum).
    const rule = await nodeRule('node.read', { type: 'corrupt', mode: 'bitflip' }, { times: 1 });

    // Act
    const first = await getBytes('corrupt/read');
    const second = await getBytes('corrupt/read');

    // Assess
    expect(first.equals(body)).toBe(true);
    expect(second.equals(body)).toBe(true);
    expect(await target.faults.events({ rule: rule.id })).toHaveLength(1);
  });

  it('replicas written corrupt on node-1 never reach the client', async () => {
    // Prepare
    const bodies = Array.from({ length: 8 }, () => randomBytes(8 * 1024));
    const rule = await nodeRule('node.write', { type: 'corrupt', mode: 'zero' }, { node: 'node-1' });

    // Act
    for (const [i, body] of bodies.entries()) await put(`corrupt/write-${i}`, body);
    const read = [];
    for (const i of bodies.keys()) read.push(await getBytes(`corrupt/write-${i}`));

    // Assess
    expect((await target.faults.events({ rule: rule.id })).length).toBeGreaterThanOrEqual(1);
    for (const [i, body] of bodies.entries()) expect(read[i]!.equals(body)).toBe(true);
  });
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

  it('one node full: writes still succeed on the others', async () => {
    // Prepare
    await nodeRule('node.write', { type: 'capacity', maxBytes: 0 }, { node: 'node-2' });

    // Act
    const placed = await putAndLocate('one-full', randomBytes(1024));

    // Assess
    expect(placed.nodes).toEqual(['node-1', 'node-3']);
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

  it('stale_replica on one node: reads are still served byte-exact', async () => {
    // Prepare
    const bodies = Array.from({ length: 4 }, () => randomBytes(2048));
    await nodeRule('node.write', { type: 'stale_replica' }, { node: 'node-3' });

    // Act
    for (const [i, body] of bodies.entries()) await put(`stale-replica/${i}`, body);
    const read = [];
    for (const i of bodies.keys()) read.push(await getBytes(`stale-replica/${i}`));

    // Assess
    for (const [i, body] of bodies.entries()) expect(read[i]!.equals(body)).toBe(true);
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
