import type { BucketRecord, ObjectRecord } from '../metadata/ports.js';
import type { S3Services } from '../runtime/runtime.js';
import { S3Error } from '../s3/errors.js';

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

/**
 * The shape of a version id S3 could have issued: `null`, or 32 URL-safe characters (S3's ids and
 * ours, 32 hex digits, alike). Anything else S3 refuses as InvalidArgument before looking for it;
 * a well-formed id the key lacks is NoSuchVersion (or, for a delete, no error).
 * @throws S3Error InvalidArgument
 */
export function assertVersionIdFormat(versionId: string, argumentName = 'versionId'): void {
  if (versionId === '') {
    throw new S3Error('InvalidArgument', {
      message: 'Version id cannot be the empty string',
      detail: { ArgumentName: argumentName, ArgumentValue: '' },
    });
  }
  if (!VERSION_ID_FORMAT.test(versionId)) {
    throw new S3Error('InvalidArgument', {
      message: 'Invalid version id specified',
      detail: { ArgumentName: argumentName, ArgumentValue: versionId },
    });
  }
}

const VERSION_ID_FORMAT = /^(?:null|[A-Za-z0-9._-]{32})$/;
