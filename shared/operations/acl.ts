/**
 * ACLs and Object Ownership of buckets and objects: stored and answered, never enforced. With
 * BucketOwnerEnforced, ACLs are refused on writes and read back as the owner's FULL_CONTROL, as
 * S3 does: https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-ownership-error-responses.html
 */
import type { AccessControlPolicy, BucketRecord } from '../metadata/ports.js';
import type { S3Services } from '../runtime/runtime.js';
import { aclFromHeaders, aclToPut, DEFAULT_ACL, isOwnerEnforced, isOwnerFullControlOnly } from '../s3/acl.js';
import { S3Error } from '../s3/errors.js';
import { type ObjectOwnership, ownershipFromHeader } from '../s3/object-ownership.js';
import { requireBucket } from './buckets.js';
import {
  type AddressedObject,
  type ObjectVersionAddress,
  requireAddressedObject,
  updateAddressedObject,
} from './sub-resource.js';

/** An object version's ACL, with the object and its bucket. */
export interface ObjectAcl extends AddressedObject {
  acl: AccessControlPolicy;
}

/** The ACL GetObjectAcl answers for the object version `address` names. */
export async function getObjectAcl(services: S3Services, address: ObjectVersionAddress): Promise<ObjectAcl> {
  const found = await requireAddressedObject(services, address);
  return { ...found, acl: effectiveAcl(found.bucket, found.object.acl) };
}

/**
 * PutObjectAcl: sets the ACL of the object version `address` names, in place, from the body or
 * the headers.
 * @throws S3Error as `aclToPut`; NoSuchBucket, NoSuchKey, NoSuchVersion, MethodNotAllowed
 */
export async function putObjectAcl(
  services: S3Services,
  address: ObjectVersionAddress,
  request: { headers: Record<string, string>; body: Buffer },
): Promise<ObjectAcl> {
  const acl = aclToPut(request.headers, request.body, await requireBucket(services, address.bucket));
  return { ...(await updateAddressedObject(services, address, { acl })), acl };
}

/** The ACL GetBucketAcl answers. @throws S3Error NoSuchBucket */
export async function getBucketAcl(services: S3Services, bucket: string): Promise<AccessControlPolicy> {
  const record = await requireBucket(services, bucket);
  return effectiveAcl(record, record.configs?.acl);
}

/** PutBucketAcl. @throws S3Error as `aclToPut`; NoSuchBucket */
export async function putBucketAcl(
  services: S3Services,
  bucket: string,
  headers: Record<string, string>,
  body: Buffer,
): Promise<void> {
  const acl = aclToPut(headers, body, await requireBucket(services, bucket));
  await stored(bucket, services.metadata.putBucketConfig(bucket, 'acl', acl));
}

/** What CreateBucket's headers ask for beside the bucket: its ACL and its Object Ownership. */
export interface BucketAccess {
  acl?: AccessControlPolicy;
  ownership?: ObjectOwnership;
}

/**
 * Reads CreateBucket's `x-amz-acl` / `x-amz-grant-*` and `x-amz-object-ownership`, before the
 * bucket is made (a refused request creates nothing).
 * @throws S3Error InvalidBucketAclWithObjectOwnership for BucketOwnerEnforced with an ACL
 *   granting anyone but the owner; the errors of `aclFromHeaders` and `ownershipFromHeader`
 */
export function bucketAccessFromHeaders(headers: Record<string, string>): BucketAccess {
  const ownership = ownershipFromHeader(headers['x-amz-object-ownership']);
  const acl = aclFromHeaders(headers);
  if (ownership === 'BucketOwnerEnforced' && acl && !isOwnerFullControlOnly(acl)) {
    throw new S3Error('InvalidBucketAclWithObjectOwnership');
  }
  return { ...(acl ? { acl } : {}), ...(ownership ? { ownership } : {}) };
}

/** Stores what `bucketAccessFromHeaders` read, on the bucket CreateBucket just made. */
export async function storeBucketAccess(
  services: S3Services,
  bucket: string,
  access: BucketAccess,
): Promise<void> {
  if (access.ownership)
    await stored(bucket, services.metadata.putBucketConfig(bucket, 'ownership', access.ownership));
  if (access.acl) await stored(bucket, services.metadata.putBucketConfig(bucket, 'acl', access.acl));
}

/** The bucket's Object Ownership. @throws S3Error NoSuchBucket; OwnershipControlsNotFoundError */
export async function getBucketOwnership(services: S3Services, bucket: string): Promise<string> {
  const ownership = (await requireBucket(services, bucket)).configs?.ownership;
  if (ownership === undefined) {
    throw new S3Error('OwnershipControlsNotFoundError', { resource: bucket, detail: { BucketName: bucket } });
  }
  return ownership;
}

/**
 * PutBucketOwnershipControls. BucketOwnerEnforced is refused while the bucket's own ACL grants
 * anyone but the owner, as S3 refuses to disable ACLs that still grant access.
 * @throws S3Error NoSuchBucket; InvalidBucketAclWithObjectOwnership
 */
export async function putBucketOwnership(
  services: S3Services,
  bucket: string,
  ownership: ObjectOwnership,
): Promise<void> {
  const record = await requireBucket(services, bucket);
  const acl = record.configs?.acl;
  if (ownership === 'BucketOwnerEnforced' && acl && !isOwnerFullControlOnly(acl)) {
    throw new S3Error('InvalidBucketAclWithObjectOwnership');
  }
  await stored(bucket, services.metadata.putBucketConfig(bucket, 'ownership', ownership));
}

/** DeleteBucketOwnershipControls (204 whether or not there were any). @throws S3Error NoSuchBucket */
export async function deleteBucketOwnership(services: S3Services, bucket: string): Promise<void> {
  if (!(await services.metadata.deleteBucketConfig(bucket, 'ownership')))
    await requireBucket(services, bucket);
}

/** What a read answers: with ACLs disabled, always the owner's FULL_CONTROL. */
function effectiveAcl(bucket: BucketRecord, stored: AccessControlPolicy | undefined): AccessControlPolicy {
  if (isOwnerEnforced(bucket)) return DEFAULT_ACL;
  return stored ?? DEFAULT_ACL;
}

/** A bucket config write's outcome: false means the bucket is gone. */
async function stored(bucket: string, outcome: Promise<boolean>): Promise<void> {
  if (!(await outcome))
    throw new S3Error('NoSuchBucket', { resource: bucket, detail: { BucketName: bucket } });
}
