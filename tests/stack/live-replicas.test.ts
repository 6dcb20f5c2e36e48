import { randomBytes } from 'node:crypto';
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { s3Client } from '../support/e2e/clients.js';
import { controlRequest } from '../support/stack/control-plane.js';
import { stackEnv } from '../support/stack/stack-env.js';

/**
 * `storage.replicas` set live through the config API (stored in etcd, watched by every
 * serverless-offline instance) is what new objects get in stack mode: every instance writes that
 * many replicas to the storage-node workers, without a restart. The stack runs REPLICATION_FACTOR=2
 * over three nodes.
 */
const env = stackEnv();
const bucket = `stack-live-replicas-${randomBytes(4).toString('hex')}`;
/** PUTs tried until every instance applies the change (an etcd watch: well under a second). */
const MAX_PUTS = 50;
/** PUTs that must all carry the new R once it is seen: nginx spreads them over both instances. */
const CONFIRMING_PUTS = 6;
let s3: S3Client;
const keys: string[] = [];

function control(method: string, path: string, body?: unknown): Promise<Response> {
  return controlRequest(env.adminEndpoint, method, path, body);
}

/** PUTs a new object and returns how many nodes hold its blob. */
async function holdersOfNewObject(): Promise<number> {
  const key = `live/${keys.length}`;
  keys.push(key);
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: randomBytes(1024) }));
  const answer = await control('GET', `/storage/replicas/${bucket}/${key}?verify=false`);
  expect(answer.status).toBe(200);
  const view = (await answer.json()) as { blobs: { holders: number }[] };
  return view.blobs[0]!.holders;
}

/** Holders of new objects once `replicas` is in force everywhere (bounded). */
async function holdersOnceInForce(replicas: number): Promise<number[]> {
  for (let attempt = 0; attempt < MAX_PUTS; attempt += 1) {
    if ((await holdersOfNewObject()) === replicas) break;
  }
  const confirming: number[] = [];
  for (let i = 0; i < CONFIRMING_PUTS; i += 1) confirming.push(await holdersOfNewObject());
  return confirming;
}

beforeAll(async () => {
  s3 = s3Client(env.endpoint);
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
});

afterAll(async () => {
  await control('DELETE', '/config/storage.replicas');
  for (const key of keys) {
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key })).catch(() => undefined);
  }
  await s3.send(new DeleteBucketCommand({ Bucket: bucket })).catch(() => undefined);
  s3.destroy();
});

describe('live storage.replicas in stack mode', () => {
  it('new objects get 3 replicas once set, and 2 again once removed', async () => {
    // Prepare
    const before = await holdersOfNewObject();

    // Act
    const set = await control('PUT', '/config/storage.replicas', { value: 3 });
    const withThree = await holdersOnceInForce(3);
    const removed = await control('DELETE', '/config/storage.replicas');
    const withDefault = await holdersOnceInForce(2);

    // Assess
    expect(before).toBe(env.replicas);
    expect(set.status).toBe(200);
    expect(withThree).toEqual(Array(CONFIRMING_PUTS).fill(3));
    expect(removed.status).toBe(200);
    expect(withDefault).toEqual(Array(CONFIRMING_PUTS).fill(2));
  });

  it('refuses a value above the number of nodes with a 400 naming the field', async () => {
    // Act
    const answer = await control('PUT', '/config/storage.replicas', { value: 4 });

    // Assess
    expect(answer.status).toBe(400);
    expect(await answer.json()).toMatchObject({ error: { field: 'storage.replicas' } });
  });
});
