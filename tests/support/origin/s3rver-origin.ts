import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { spawnNode } from '../../../bench/targets/child-server.js';
import { s3Client } from '../e2e/clients.js';
import { uniqueBucketName } from '../e2e/payload.js';
import { credentialsOf, putObject, removeObject, seedObjects, type TestOrigin } from './test-origin.js';

const READY_TIMEOUT_MS = 30_000;
/** s3rver accepts only this access key (and checks the signature with this secret). */
const S3RVER_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;

/**
 * s3rver in its own process over a temporary directory, as the benchmark's peer starts it
 * (`bench/peers/s3rver.mjs`, the legacy OpenSSL provider it needs on Node 20).
 */
export async function startS3rverOrigin(): Promise<TestOrigin> {
  const directory = await mkdtemp(join(tmpdir(), 'origin-s3rver-'));
  const server = spawnNode(['--openssl-legacy-provider', 'bench/peers/s3rver.mjs', directory]);
  const stopServer = async (): Promise<void> => {
    await server.stop();
    await rm(directory, { recursive: true, force: true });
  };
  try {
    const ready = await server.firstJsonLine(READY_TIMEOUT_MS);
    const endpoint = `http://127.0.0.1:${Number(ready.port)}`;
    // s3rver knows no aws-chunked uploads: send checksums only where an operation requires them.
    const client = s3Client(endpoint, {
      credentials: S3RVER_CREDENTIALS,
      requestChecksumCalculation: 'WHEN_REQUIRED',
    });
    const bucket = uniqueBucketName('origin-s3rver');
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
    const objects = await seedObjects(client, bucket);
    return {
      name: 's3rver',
      endpoint,
      bucket,
      kind: 's3',
      credentials: credentialsOf(S3RVER_CREDENTIALS),
      objects,
      config: (extra = {}) => ({
        endpoint,
        bucket,
        kind: 's3',
        credentials: credentialsOf(S3RVER_CREDENTIALS),
        ...extra,
      }),
      put: (key, body, options) => putObject(client, bucket, key, body, options),
      remove: (key) => removeObject(client, bucket, key),
      getCount: () => undefined,
      stop: async () => {
        client.destroy();
        await stopServer();
      },
    };
  } catch (error) {
    await stopServer();
    throw error;
  }
}
