import type { BucketRecord, ObjectRecord } from '../metadata/ports.js';
import type { S3Services } from '../runtime/runtime.js';

/** A committed write and the bucket it went into (whose versioning decides `x-amz-version-id`). */
export interface CommittedWrite {
  object: ObjectRecord;
  bucket: BucketRecord;
}

/** S3's literal id of the null version (unversioned and suspended writes). */
export const NULL_VERSION_ID = 'null';

/**
 * The version id a new write into `bucket` gets: a fresh opaque id while versioning is Enabled,
 * none (the `null` version) in a suspended or never-versioned bucket. Every write path (PutObject,
 * CopyObject, CompleteMultipartUpload, POST Object, delete markers) takes its id from here.
 */
export function newVersionId(services: S3Services, bucket: BucketRecord): string | undefined {
  return bucket.versioning === 'Enabled' ? services.newId() : undefined;
}

/** The id S3 shows for a version: its own, or `null` for the null version. */
export function shownVersionId(object: Pick<ObjectRecord, 'versionId'>): string {
  return object.versionId ?? NULL_VERSION_ID;
}

/**
 * `x-amz-version-id` for a response about `object`: only in a bucket that is or was versioned
 * (a never-versioned bucket sends none, as S3), `null` for the null version.
 */
export function versionIdHeader(
  bucket: BucketRecord,
  object: Pick<ObjectRecord, 'versionId'>,
): Record<string, string> {
  return bucket.versioning ? { 'x-amz-version-id': shownVersionId(object) } : {};
}
