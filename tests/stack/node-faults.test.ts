import { randomBytes } from 'node:crypto';
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { rankNodes } from '../../shared/storage/placement.js';
import { s3Client } from '../support/e2e/clients.js';
import { controlRequest } from '../support/stack/control-plane.js';
import { stackEnv } from '../support/stack/stack-env.js';

/**
 * A disk fault inside a storage-node worker process (stack mode): the worker follows the rules of
 * the control plane, damages the replica a GET reads first, its checksum catches it, the storage
 * service fails over to the other replica, the firing is in the shared hit log under the worker's
 * name, and a repair pass rewrites the damaged replica. Needs a stack started with
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

function control(method: string, path: string, body?: unknown): Promise<Response> {
  return controlRequest(env.adminEndpoint, method, path, body);
}

async function replicas(): Promise<ObjectReplicas> {
  const answer = await control('GET', `/storage/replicas/${bucket}/${key}?verify=true`);
  expect(answer.status).toBe(200);
  return (await answer.json()) as ObjectReplicas;
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
  if (ruleId !== undefined) await control('DELETE', `/injection/rules/${ruleId}`);
  await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key })).catch(() => undefined);
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
    const repair = await control('POST', '/storage/repair');
    expect(repair.status).toBe(200);
    const after = await replicas();
    expect(after.blobs[0]!.replicas.filter((replica) => replica.state === 'verified')).toHaveLength(2);
  });
});
