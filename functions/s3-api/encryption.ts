import type { ApiResult } from '../../layers/request-context.js';
import { requireBucket } from '../../shared/operations/buckets.js';
import type { S3Services } from '../../shared/runtime/runtime.js';
import {
  DEFAULT_ENCRYPTION_RULE,
  encryptionConfigurationXml,
  parseEncryptionConfiguration,
} from '../../shared/s3/encryption-configuration.js';
import { S3Error } from '../../shared/s3/errors.js';
import { emptyResponse, xmlResponse } from './responses.js';
import type { S3Request } from './s3-request.js';

/** PutBucketEncryption: the default encryption of the bucket's later writes (existing objects keep theirs). */
export async function handlePutBucketEncryption(
  services: S3Services,
  request: S3Request,
  bucket: string,
): Promise<ApiResult> {
  // S3 answers NoSuchBucket before it looks at the document.
  await requireBucket(services, bucket);
  const rules = parseEncryptionConfiguration(request.body());
  if (!(await services.metadata.putBucketConfig(bucket, 'encryption', rules))) throw noSuchBucket(bucket);
  return emptyResponse(200);
}

/** GetBucketEncryption: the configured rule, or SSE-S3, which every bucket has by default. */
export async function handleGetBucketEncryption(
  services: S3Services,
  _request: S3Request,
  bucket: string,
): Promise<ApiResult> {
  const record = await requireBucket(services, bucket);
  return xmlResponse(encryptionConfigurationXml(record.configs?.encryption ?? [DEFAULT_ENCRYPTION_RULE]));
}

/** DeleteBucketEncryption: back to the SSE-S3 default; 204 whether or not there was a rule. */
export async function handleDeleteBucketEncryption(
  services: S3Services,
  _request: S3Request,
  bucket: string,
): Promise<ApiResult> {
  await requireBucket(services, bucket);
  await services.metadata.deleteBucketConfig(bucket, 'encryption');
  return emptyResponse(204);
}

function noSuchBucket(bucket: string): S3Error {
  return new S3Error('NoSuchBucket', { resource: bucket, detail: { BucketName: bucket } });
}
