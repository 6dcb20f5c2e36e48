import type { ApiResult } from '../../layers/request-context.js';
import type { S3Services } from '../../shared/runtime/runtime.js';
import { S3Error } from '../../shared/s3/errors.js';
import type { S3Request } from './s3-request.js';

// Issue 15 contract stub: the ATTRS part implements these.

function notYet(name: string): never {
  throw new S3Error('NotImplemented', { message: `${name} is not implemented by this service.` });
}

export async function handlePutObjectTagging(
  _s: S3Services,
  _r: S3Request,
  _bucket: string,
  _key: string,
): Promise<ApiResult> {
  return notYet('PutObjectTagging');
}
export async function handleGetObjectTagging(
  _s: S3Services,
  _r: S3Request,
  _bucket: string,
  _key: string,
): Promise<ApiResult> {
  return notYet('GetObjectTagging');
}
export async function handleDeleteObjectTagging(
  _s: S3Services,
  _r: S3Request,
  _bucket: string,
  _key: string,
): Promise<ApiResult> {
  return notYet('DeleteObjectTagging');
}
export async function handlePutBucketTagging(
  _s: S3Services,
  _r: S3Request,
  _bucket: string,
): Promise<ApiResult> {
  return notYet('PutBucketTagging');
}
export async function handleGetBucketTagging(
  _s: S3Services,
  _r: S3Request,
  _bucket: string,
): Promise<ApiResult> {
  return notYet('GetBucketTagging');
}
export async function handleDeleteBucketTagging(
  _s: S3Services,
  _r: S3Request,
  _bucket: string,
): Promise<ApiResult> {
  return notYet('DeleteBucketTagging');
}
