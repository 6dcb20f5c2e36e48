import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { TEST_CREDENTIALS } from '../e2e/clients.js';
import { scrape, sumOf } from '../e2e/metrics.js';
import { uniqueBucketName } from '../e2e/payload.js';
import { s3Client, startEmbeddedServer } from '../e2e/server.js';
import { credentialsOf, putObject, removeObject, seedObjects, type TestOrigin } from './test-origin.js';

/**
 * A second instance of this project (an embedded server of its own) serving one bucket. As `s3` it
 * is read through the SDK; as `http` its path-style URL `http://127.0.0.1:PORT/<bucket>` is the
 * base of `GET {endpoint}/{key}` (the service accepts unsigned requests). `getCount()` is its own
 * `http_requests_total{operation="GetObject"}`, so a test can prove how often it was fetched from.
 */
export async function startInstanceOrigin(kind: 's3' | 'http'): Promise<TestOrigin> {
  const server = await startEmbeddedServer();
  const client = s3Client(server.endpoint);
  try {
    const bucket = uniqueBucketName(`origin-${kind}`);
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
    const objects = await seedObjects(client, bucket);
    const endpoint = kind === 's3' ? server.endpoint : `${server.endpoint}/${bucket}`;
    return {
      name: kind === 's3' ? 'instance' : 'http',
      endpoint,
      bucket,
      kind,
      ...(kind === 's3' ? { credentials: credentialsOf(TEST_CREDENTIALS) } : {}),
      objects,
      config: (extra = {}) => ({
        endpoint,
        kind,
        ...(kind === 's3' ? { bucket, credentials: credentialsOf(TEST_CREDENTIALS) } : {}),
        ...extra,
      }),
      put: (key, body, options) => putObject(client, bucket, key, body, options),
      remove: (key) => removeObject(client, bucket, key),
      getCount: async () =>
        sumOf(await scrape(server.adminEndpoint), 'http_requests_total', { operation: 'GetObject' }),
      stop: async () => {
        client.destroy();
        await server.stop('SIGTERM');
      },
    };
  } catch (error) {
    client.destroy();
    await server.stop('SIGKILL');
    throw error;
  }
}
