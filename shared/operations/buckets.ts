import type { BucketRecord } from '../metadata/ports.js';
import type { S3Services } from '../runtime/runtime.js';
import { S3Error } from '../s3/errors.js';
import { validateBucketName } from '../s3/names.js';

/** The bucket, or NoSuchBucket. Every object operation starts here (a cached look-up). */
export async function requireBucket(services: S3Services, bucket: string): Promise<BucketRecord> {
  const record = await services.metadata.getBucket(bucket);
  if (!record) throw new S3Error('NoSuchBucket', { resource: bucket, detail: { BucketName: bucket } });
  return record;
}

/** CreateBucket: a bucket we already have is BucketAlreadyOwnedByYou (there is one owner here). */
export async function createBucket(services: S3Services, bucket: string): Promise<BucketRecord> {
  validateBucketName(bucket);
  const record = { name: bucket, createdAt: services.clock.now() };
  const outcome = await services.metadata.createBucket(record);
  if (outcome === 'exists') {
    throw new S3Error('BucketAlreadyOwnedByYou', { resource: bucket, detail: { BucketName: bucket } });
  }
  return record;
}

export async function deleteBucket(services: S3Services, bucket: string): Promise<void> {
  const outcome = await services.metadata.deleteBucket(bucket);
  if (outcome === 'missing')
    throw new S3Error('NoSuchBucket', { resource: bucket, detail: { BucketName: bucket } });
  if (outcome === 'not_empty') {
    throw new S3Error('BucketNotEmpty', { resource: bucket, detail: { BucketName: bucket } });
  }
}
