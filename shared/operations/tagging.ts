/**
 * Object and bucket tagging: PutObjectTagging, GetObjectTagging, DeleteObjectTagging and the
 * bucket's Put/Get/DeleteBucketTagging. An object's tags belong to one version and change in
 * place (ETag and Last-Modified stay).
 */
import type { BucketRecord, ObjectRecord, Tag } from '../metadata/ports.js';
import type { S3Services } from '../runtime/runtime.js';
import { S3Error } from '../s3/errors.js';
import { requireBucket } from './buckets.js';
import { requireObjectVersion } from './read-object.js';

/** An object (one version) and its bucket, for the version header of the answer. */
export interface TaggedObject {
  bucket: BucketRecord;
  object: ObjectRecord;
}

/** The object (or `versionId`) a tagging call names, and its bucket. */
export async function readObjectTagging(
  services: S3Services,
  bucket: string,
  key: string,
  versionId: string | undefined,
): Promise<TaggedObject> {
  const bucketRecord = await requireBucket(services, bucket);
  return { bucket: bucketRecord, object: await requireObjectVersion(services, bucket, key, versionId) };
}

/**
 * Replaces the tags of the object (or of `versionId`); an empty list removes them.
 * @throws S3Error NoSuchBucket, NoSuchKey, NoSuchVersion
 */
export async function putObjectTagging(
  services: S3Services,
  bucket: string,
  key: string,
  versionId: string | undefined,
  tags: Tag[],
): Promise<TaggedObject> {
  const { bucket: bucketRecord } = await readObjectTagging(services, bucket, key, versionId);
  const updated = await services.metadata.updateObjectAttributes(bucket, key, versionId, { tags });
  // Deleted between the read and the update: S3 would have answered the same a moment later.
  if (!updated) throw new S3Error('NoSuchKey', { resource: `/${bucket}/${key}`, detail: { Key: key } });
  return { bucket: bucketRecord, object: updated };
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
