import type { ApiResult } from '../../layers/request-context.js';
import { bucketAccessFromHeaders, storeBucketAccess } from '../../shared/operations/acl.js';
import { createBucket, deleteBucket, requireBucket } from '../../shared/operations/buckets.js';
import type { S3Services } from '../../shared/runtime/runtime.js';
import { BUCKET_OWNER } from '../../shared/s3/acl.js';
import { parseCreateBucketConfiguration } from '../../shared/s3/request-xml.js';
import { xmlDocument } from '../../shared/s3/xml.js';
import { emptyResponse, xmlResponse } from './responses.js';
import type { S3Request } from './s3-request.js';

/** The one region this service pretends to be in. */
export const REGION = 'us-east-1';
const OWNER = { ID: BUCKET_OWNER.id, DisplayName: BUCKET_OWNER.displayName };

export async function handleCreateBucket(
  services: S3Services,
  request: S3Request,
  bucket: string,
): Promise<ApiResult> {
  parseCreateBucketConfiguration(request.body());
  // Read before the bucket is made: a refused ACL or ownership header creates nothing.
  const access = bucketAccessFromHeaders(request.headers);
  await createBucket(services, bucket);
  await storeBucketAccess(services, bucket, access);
  return emptyResponse(200, { location: `/${bucket}` });
}

export async function handleHeadBucket(services: S3Services, bucket: string): Promise<ApiResult> {
  await requireBucket(services, bucket);
  return emptyResponse(200, { 'x-amz-bucket-region': REGION });
}

export async function handleDeleteBucket(services: S3Services, bucket: string): Promise<ApiResult> {
  await deleteBucket(services, bucket);
  return emptyResponse(204);
}

export async function handleListBuckets(services: S3Services): Promise<ApiResult> {
  const buckets = await services.metadata.listBuckets();
  return xmlResponse(
    xmlDocument('ListAllMyBucketsResult', {
      Owner: OWNER,
      Buckets: { Bucket: buckets.map((bucket) => ({ Name: bucket.name, CreationDate: bucket.createdAt })) },
    }),
  );
}

export async function handleGetBucketLocation(services: S3Services, bucket: string): Promise<ApiResult> {
  await requireBucket(services, bucket);
  // us-east-1 is reported as an empty LocationConstraint, as S3 does.
  return xmlResponse(xmlDocument('LocationConstraint', ''));
}

/**
 * GetBucketVersioning: an empty configuration for a bucket never versioned, as S3 answers; else
 * its Status, and MfaDelete once a PutBucketVersioning named it.
 */
export async function handleGetBucketVersioning(services: S3Services, bucket: string): Promise<ApiResult> {
  const record = await requireBucket(services, bucket);
  const mfaDelete = record.configs?.mfaDelete;
  return xmlResponse(
    xmlDocument(
      'VersioningConfiguration',
      record.versioning ? { Status: record.versioning, ...(mfaDelete ? { MfaDelete: mfaDelete } : {}) } : {},
    ),
  );
}

export { OWNER };
