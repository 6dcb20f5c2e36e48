import { randomBytes } from 'node:crypto';
import { CreateBucketCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { blobReplicas } from '../support/e2e/faults.js';
import { uniqueBucketName } from '../support/e2e/payload.js';
import { type EmbeddedServer, s3Client, startEmbeddedServer } from '../support/e2e/server.js';

jest.setTimeout(120_000);

/**
 * `storage.replicas` set through the live config API is what the storage service writes: new
 * objects get that many replicas on disk, without a restart; a value outside [1, nodes] is refused.
 * The server runs with REPLICATION_FACTOR=2 over three nodes (the defaults).
 */
let server: EmbeddedServer;
let client: S3Client;
let bucket: string;

beforeAll(async () => {
  server = await startEmbeddedServer();
  client = s3Client(server.endpoint);
  bucket = uniqueBucketName('live-replicas');
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
});

afterAll(async () => {
  client?.destroy();
  await server?.stop('SIGTERM');
});

async function config(method: string, body?: unknown): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${server.adminEndpoint}/api/v1/config/storage.replicas`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(15_000),
  });
  return { status: response.status, body: await response.json() };
}

/** PUTs an object and returns how many nodes hold its (one new) blob on disk. */
async function replicasOfNewObject(key: string): Promise<number> {
  const before = await blobReplicas(server.dataDir);
  await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: randomBytes(2048) }));
  const fresh = [...(await blobReplicas(server.dataDir))].filter(([blobId]) => !before.has(blobId));
  if (fresh.length !== 1) throw new Error(`expected one new blob, found ${JSON.stringify(fresh)}`);
  return fresh[0]![1].length;
}

async function objectReplicasView(key: string): Promise<{ replicas: number; blobs: { holders: number }[] }> {
  const response = await fetch(`${server.adminEndpoint}/api/v1/storage/replicas/${bucket}/${key}`, {
    signal: AbortSignal.timeout(15_000),
  });
  expect(response.status).toBe(200);
  return (await response.json()) as { replicas: number; blobs: { holders: number }[] };
}

describe('live storage.replicas', () => {
  it('new objects get the replicas set live, and the default again once the setting is removed', async () => {
    // Prepare
    const atStart = await replicasOfNewObject('r/default');

    // Act
    const three = await config('PUT', { value: 3 });
    const withThree = await replicasOfNewObject('r/three');
    const viewThree = await objectReplicasView('r/three');
    await config('PUT', { value: 1 });
    const withOne = await replicasOfNewObject('r/one');
    const removed = await config('DELETE');
    const afterRemoval = await replicasOfNewObject('r/default-again');

    // Assess
    expect(atStart).toBe(2);
    expect(three.status).toBe(200);
    expect(withThree).toBe(3);
    expect(viewThree).toMatchObject({ replicas: 3, blobs: [{ holders: 3 }] });
    expect(withOne).toBe(1);
    expect(removed).toMatchObject({ status: 200, body: { value: 2, source: 'default' } });
    expect(afterRemoval).toBe(2);
  });

  it.each([0, 4])(
    'refuses %s (outside 1 to the number of nodes) with a 400 naming the field',
    async (value) => {
      // Act
      const answer = await config('PUT', { value });
      const written = await replicasOfNewObject(`r/refused-${value}`);

      // Assess
      expect(answer.status).toBe(400);
      expect(answer.body).toMatchObject({ error: { field: 'storage.replicas' } });
      expect(written).toBe(2);
    },
  );
});
