/**
 * Object and bucket tagging: PutObjectTagging, GetObjectTagging, DeleteObjectTagging and the
 * bucket's Put/Get/DeleteBucketTagging. An object's tags belong to one version and change in
 * place (ETag and Last-Modified stay).
 */
import type { Tag } from '../metadata/ports.js';
import type { S3Services } from '../runtime/runtime.js';
import { S3Error } from '../s3/errors.js';
import { requireBucket } from './buckets.js';
import { type AddressedObject, type ObjectVersionAddress, updateAddressedObject } from './sub-resource.js';

/**
 * Replaces the tags of the object version `address` names; an empty list removes them.
 * @throws S3Error NoSuchBucket, NoSuchKey, NoSuchVersion, MethodNotAllowed (a delete marker)
 */
export function putObjectTagging(
  services: S3Services,
  address: ObjectVersionAddress,
  tags: Tag[],
): Promise<AddressedObject> {
  return updateAddressedObject(services, address, { tags });
}

/** The bucket's tags. @throws S3Error NoSuchBucket; NoSuchTagSet when it has none */
export async function getBucketTagging(services: S3Services, bucket: string): Promise<Tag[]> {
  const tags = (await requireBucket(services, bucket)).configs?.tagging;
  if (!tags || tags.length === 0)
    throw new S3Error('NoSuchTagSet', { resource: bucket, detail: { BucketName: bucket } });
  return tags;
}

/** Replaces the bucket's tags; an empty set leaves it without tags. @throws S3Error NoSuchBucket */
export async function putBucketTagging(services: S3Services, bucket: string, tags: Tag[]): Promise<void> {
  if (tags.length === 0) return deleteBucketTagging(services, bucket);
  if (!(await services.metadata.putBucketConfig(bucket, 'tagging', tags))) {
    throw new S3Error('NoSuchBucket', { resource: bucket, detail: { BucketName: bucket } });
  }
}

/** Removes the bucket's tags (none is no error: S3 answers 204 either way). @throws S3Error NoSuchBucket */
export async function deleteBucketTagging(services: S3Services, bucket: string): Promise<void> {
  if (!(await services.metadata.deleteBucketConfig(bucket, 'tagging'))) await requireBucket(services, bucket);
}
