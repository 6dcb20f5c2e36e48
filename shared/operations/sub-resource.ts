import type { BucketRecord, ObjectRecord } from '../metadata/ports.js';
import type { S3Services } from '../runtime/runtime.js';
import { S3Error } from '../s3/errors.js';
import { requireBucket } from './buckets.js';
import { requireObjectVersion } from './read-object.js';

/** The object version an object sub-resource call (tagging, ACL) names. */
export interface ObjectVersionAddress {
  bucket: string;
  key: string;
  /** Absent: the current version. */
  versionId: string | undefined;
  /** The request's method, named in the 405 S3 answers for a delete marker's version. */
  method: string;
}

/** An object version with its bucket (whose versioning decides the answer's `x-amz-version-id`). */
export interface AddressedObject {
  bucket: BucketRecord;
  object: ObjectRecord;
}

/**
 * The bucket and the object version `address` names.
 * @throws S3Error NoSuchBucket, NoSuchKey, NoSuchVersion, MethodNotAllowed (a delete marker)
 */
export async function requireAddressedObject(
  services: S3Services,
  address: ObjectVersionAddress,
): Promise<AddressedObject> {
  const { bucket, key, versionId, method } = address;
  const bucketRecord = await requireBucket(services, bucket);
  return {
    bucket: bucketRecord,
    object: await requireObjectVersion(services, bucket, key, versionId, method),
  };
}

/**
 * Changes tags or ACL of the version `address` names, in place.
 * @throws S3Error as `requireAddressedObject`; NoSuchKey when it was deleted meanwhile
 */
export async function updateAddressedObject(
  services: S3Services,
  address: ObjectVersionAddress,
  patch: Parameters<S3Services['metadata']['updateObjectAttributes']>[3],
): Promise<AddressedObject> {
  const { bucket } = await requireAddressedObject(services, address);
  const updated = await services.metadata.updateObjectAttributes(
    address.bucket,
    address.key,
    address.versionId,
    patch,
  );
  if (!updated) {
    // Deleted between the read and the update: S3 would have answered the same a moment later.
    throw new S3Error('NoSuchKey', {
      resource: `/${address.bucket}/${address.key}`,
      detail: { Key: address.key },
    });
  }
  return { bucket, object: updated };
}
