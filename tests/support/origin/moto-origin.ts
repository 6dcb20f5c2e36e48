import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectsCommand,
  ListObjectsV2Command,
  type S3Client,
} from '@aws-sdk/client-s3';
import { s3Client } from '../e2e/clients.js';
import { uniqueBucketName } from '../e2e/payload.js';
import { credentialsOf, putObject, removeObject, seedObjects, type TestOrigin } from './test-origin.js';

/** The shared moto server (scripts/moto-up.sh); any credentials. */
export const MOTO_ENDPOINT = process.env.MOTO_ENDPOINT ?? 'http://127.0.0.1:5055';
const MOTO_CREDENTIALS = { accessKeyId: 'origin-test', secretAccessKey: 'origin-test' } as const;

async function emptyAndDelete(client: S3Client, bucket: string): Promise<void> {
  for (;;) {
    const page = await client.send(new ListObjectsV2Command({ Bucket: bucket }));
    const keys = (page.Contents ?? []).map((object) => ({ Key: object.Key ?? '' }));
    if (keys.length === 0) break;
    await client.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys, Quiet: true } }));
  }
  await client.send(new DeleteBucketCommand({ Bucket: bucket }));
}

/**
 * A bucket of its own on the shared moto server (other files use it too: the name is unique).
 * `stop()` empties and deletes the bucket; the server stays up. Rejects when moto is not running.
 */
export async function startMotoOrigin(): Promise<TestOrigin> {
  const client = s3Client(MOTO_ENDPOINT, { credentials: MOTO_CREDENTIALS });
  const bucket = uniqueBucketName('origin-moto');
  try {
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
  } catch (error) {
    client.destroy();
    throw new Error(`moto is not reachable at ${MOTO_ENDPOINT} (npm run services:up): ${String(error)}`, {
      cause: error,
    });
  }
  try {
    const objects = await seedObjects(client, bucket);
    return {
      name: 'moto',
      endpoint: MOTO_ENDPOINT,
      bucket,
      kind: 's3',
      credentials: credentialsOf(MOTO_CREDENTIALS),
      objects,
      config: (extra = {}) => ({
        endpoint: MOTO_ENDPOINT,
        bucket,
        kind: 's3',
        credentials: credentialsOf(MOTO_CREDENTIALS),
        ...extra,
      }),
      put: (key, body, options) => putObject(client, bucket, key, body, options),
      remove: (key) => removeObject(client, bucket, key),
      getCount: () => undefined,
      stop: async () => {
        await emptyAndDelete(client, bucket).catch(() => undefined);
        client.destroy();
      },
    };
  } catch (error) {
    await emptyAndDelete(client, bucket).catch(() => undefined);
    client.destroy();
    throw error;
  }
}
