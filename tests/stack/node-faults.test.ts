import { randomBytes } from 'node:crypto';
import { readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { encodeBlob } from '../../shared/storage/blob-format.js';
import { rankNodes } from '../../shared/storage/placement.js';
import { s3Client } from '../support/e2e/clients.js';
import { controlRequest } from '../support/stack/control-plane.js';
import { stackEnv } from '../support/stack/stack-env.js';

/**
 * A disk fault inside a storage-node worker process (stack mode): the worker follows the rules of
 * the control plane, damages the replica a GET reads first, its checksum catches it, the storage
 * service fails over to the other replica, the firing is in the shared hit log under the worker's
 * name, and a repair pass rewrites the damaged replica; the same at node.write (acknowledged, R
 * replicas, one damaged on disk); and a full disk on every worker is 507 StorageFull. Needs a stack started with
 * FAULTS_ENABLED=true and REPLICATION_FACTOR=2 (the test stack; tests/support/stack/stack-env.ts).
 */
const env = stackEnv();
/** GETs tried until the worker has the rule (it follows changes within ~100 ms; a GET takes ms). */
const MAX_GETS = 200;

interface Firing {
  ruleId: string;
  point: string;
  type: string;
  node?: string;
  process?: string;
}

interface ObjectReplicas {
  blobs: { blobId: string; holders: number; replicas: { node: string; state: string }[] }[];
}

const bucket = `stack-node-faults-${randomBytes(4).toString('hex')}`;
const key = 'disk/bit-rot.bin';
const bytes = randomBytes(32 * 1024);
let s3: S3Client;
let ruleId: string | undefined;
let writeRuleId: string | undefined;
let capacityRuleId: string | undefined;
const writtenKeys: string[] = [];

function control(method: string, path: string, body?: unknown): Promise<Response> {
  return controlRequest(env.adminEndpoint, method, path, body);
}

async function replicas(): Promise<ObjectReplicas> {
  return replicasOf(key);
}

async function replicasOf(objectKey: string): Promise<ObjectReplicas> {
  const answer = await control('GET', `/storage/replicas/${bucket}/${objectKey}?verify=true`);
  expect(answer.status).toBe(200);
  return (await answer.json()) as ObjectReplicas;
}

/** What the replicas view says of the object's first blob on `node`. */
function stateOn(view: ObjectReplicas, node: string): string | undefined {
  return view.blobs[0]?.replicas.find((replica) => replica.node === node)?.state;
}

/** A worker's replica file, header included (`STACK_DATA_DIR/nodes/<node>/blobs/xx/<blobId>`). */
function replicaFile(node: string, blobId: string): Promise<Buffer> {
  return readFile(join(env.dataDir, 'nodes', node, 'blobs', blobId.slice(0, 2), blobId));
}

async function firingsOf(id: string): Promise<Firing[]> {
  const answer = await control('GET', `/injection/events?rule=${encodeURIComponent(id)}`);
  return ((await answer.json()) as { events: Firing[] }).events;
}

beforeAll(async () => {
  s3 = s3Client(env.endpoint);
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: bytes }));
});

afterAll(async () => {
  for (const id of [ruleId, writeRuleId, capacityRuleId]) {
    if (id !== undefined) await control('DELETE', `/injection/rules/${id}`);
  }
  for (const objectKey of [key, ...writtenKeys]) {
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: objectKey })).catch(() => undefined);
  }
  await s3.send(new DeleteBucketCommand({ Bucket: bucket })).catch(() => undefined);
  s3.destroy();
});

describe('node.read corrupt inside a storage-node worker', () => {
  it('is caught by the checksum, the GET is served by the other replica, and repair rewrites it', async () => {
    // Prepare: the node a GET reads first is the first-ranked holder of the object's blob
    const before = await replicas();
    const [blob] = before.blobs;
    const holders = blob!.replicas.filter((replica) => replica.state === 'verified').map((r) => r.node);
    expect(holders).toHaveLength(2);
    const firstRead = rankNodes(blob!.blobId, holders)[0]!;
    const created = await control('POST', '/injection/rules', {
      name: 'stack-node-read-corrupt',
      match: { point: 'node.read', service: 'storage-node', node: firstRead },
      fault: { type: 'corrupt', mode: 'bitflip' },
      times: 1,
      ttl: '2m',
    });
    expect(created.status).toBe(201);
    ruleId = ((await created.json()) as { id: string }).id;

    // Act: GETs until the worker has fired the rule; every one must return the stored bytes
    const wrong: number[] = [];
    let firings: Firing[] = [];
    for (let attempt = 0; attempt < MAX_GETS && firings.length === 0; attempt += 1) {
      const read = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      if (!Buffer.from(await read.Body!.transformToByteArray()).equals(bytes)) wrong.push(attempt);
      firings = await firingsOf(ruleId);
    }

    // Assess: fired once, in the worker that owns the replica, and no GET saw damaged bytes
    expect(wrong).toEqual([]);
    expect(firings).toEqual([
      expect.objectContaining({ ruleId, point: 'node.read', type: 'corrupt', process: firstRead }),
    ]);
    // The worker damaged its file on disk: the replica now fails its checksum where it lies
    const damaged = await replicaFile(firstRead, blob!.blobId);
    expect(damaged.equals(encodeBlob(bytes))).toBe(false);
    expect(damaged.length).toBe(encodeBlob(bytes).length);
    const found = await replicas();
    expect(stateOn(found, firstRead)).toBe('corrupt');
    const repair = await control('POST', '/storage/repair');
    expect(repair.status).toBe(200);
    expect(((await repair.json()) as { replicasRepaired: number }).replicasRepaired).toBeGreaterThanOrEqual(
      1,
    );
    const after = await replicas();
    expect(after.blobs[0]!.replicas.filter((replica) => replica.state === 'verified')).toHaveLength(2);
    expect((await replicaFile(firstRead, blob!.blobId)).equals(encodeBlob(bytes))).toBe(true);
  });
});

describe('node.write corrupt inside a storage-node worker', () => {
  it('is acknowledged with R replicas, one truncated on disk, and the scrub rewrites it', async () => {
    // Prepare: on node-1 only (counters are per process: `times: 1` is once per worker)
    const body = randomBytes(16 * 1024);
    const created = await control('POST', '/injection/rules', {
      name: 'stack-node-write-corrupt',
      match: { point: 'node.write', service: 'storage-node', node: 'node-1' },
      fault: { type: 'corrupt', mode: 'truncate' },
      times: 1,
      ttl: '2m',
    });
    expect(created.status).toBe(201);
    writeRuleId = ((await created.json()) as { id: string }).id;
    // PUT new keys until one's replica on node-1 was damaged (the worker has the rule within
    // ~100 ms, and two of three nodes hold each blob): bounded.
    let firings: Firing[] = [];
    let writeKey = '';
    for (let attempt = 0; attempt < 60 && firings.length === 0; attempt += 1) {
      writeKey = `disk/written-rotten-${attempt}.bin`;
      writtenKeys.push(writeKey);
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: writeKey, Body: body }));
      firings = await firingsOf(writeRuleId);
    }

    // Act
    const view = await replicasOf(writeKey);
    const read = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: writeKey }));
    const readBytes = Buffer.from(await read.Body!.transformToByteArray());
    const [written] = view.blobs;
    const file = await replicaFile('node-1', written!.blobId);
    const repair = await control('POST', '/storage/repair');
    const after = await replicasOf(writeKey);

    // Assess
    expect(firings).toEqual([
      expect.objectContaining({ point: 'node.write', type: 'corrupt', process: 'node-1' }),
    ]);
    expect(written!.replicas.filter((replica) => replica.state !== 'missing')).toHaveLength(2);
    expect(stateOn(view, 'node-1')).toBe('corrupt');
    expect(file.length).toBeLessThan(encodeBlob(body).length);
    expect(readBytes.equals(body)).toBe(true);
    expect(repair.status).toBe(200);
    expect(after.blobs[0]!.replicas.filter((replica) => replica.state === 'verified')).toHaveLength(2);
    expect((await replicaFile('node-1', written!.blobId)).equals(encodeBlob(body))).toBe(true);
  });
});

describe('a full disk inside every storage-node worker', () => {
  it('answers 507 StorageFull to the client, not a 503', async () => {
    // Prepare
    const created = await control('POST', '/injection/rules', {
      name: 'stack-node-capacity',
      match: { point: 'node.write', service: 'storage-node' },
      fault: { type: 'capacity', maxBytes: 0 },
      ttl: '2m',
    });
    expect(created.status).toBe(201);
    capacityRuleId = ((await created.json()) as { id: string }).id;

    // Act: until every worker has the rule (within ~100 ms), a PUT may still land (bounded)
    let status: number | undefined;
    for (let attempt = 0; attempt < 50 && status !== 507; attempt += 1) {
      status = await s3
        .send(new PutObjectCommand({ Bucket: bucket, Key: 'disk/full.bin', Body: randomBytes(1024) }))
        .then(() => 200)
        .catch((error: { name: string; $metadata?: { httpStatusCode?: number } }) =>
          error.name === 'StorageFull' ? error.$metadata?.httpStatusCode : -1,
        );
      if (status !== 200 && status !== 507) break;
    }

    // Assess
    expect(status).toBe(507);
  });
});

describe("temp files of killed writes on a worker's disk", () => {
  it('are swept by the worker within a reconcile interval once older than the grace; younger ones stay', async () => {
    // Prepare: what a worker killed mid-write leaves in its tmp/ (the grace is ORPHAN_GRACE_MS)
    const tmp = join(env.dataDir, 'nodes', 'node-2', 'tmp');
    const killed = join(tmp, 'killed-write.99999.1.tmp');
    const recent = join(tmp, 'recent-write.99999.2.tmp');
    const old = new Date(Date.now() - env.orphanGraceMs - 60_000);
    await writeFile(killed, randomBytes(64 * 1024));
    await utimes(killed, old, old);
    await writeFile(recent, randomBytes(1024));

    // Act: the sweep runs every RECONCILE_INTERVAL_MS; no event crosses the process boundary
    const deadline = Date.now() + 3 * env.reconcileIntervalMs;
    let left = await readdir(tmp);
    while (left.includes('killed-write.99999.1.tmp') && Date.now() < deadline) {
      await delay(200);
      left = await readdir(tmp);
    }
    await rm(recent, { force: true });

    // Assess
    expect(left).not.toContain('killed-write.99999.1.tmp');
    expect(left).toContain('recent-write.99999.2.tmp');
  });
});
