import type { ApiResult } from '../../layers/request-context.js';
import type { S3Services } from '../../shared/runtime/runtime.js';
import { S3Error } from '../../shared/s3/errors.js';
import type { S3Request } from './s3-request.js';

// Issue 15 contract stub: the ATTRS part implements these (ACLs and ownership controls).

function notYet(name: string): never {
  throw new S3Error('NotImplemented', { message: `${name} is not implemented by this service.` });
}

export async function handleGetObjectAcl(
  _s: S3Services,
  _r: S3Request,
  _bucket: string,
  _key: string,
): Promise<ApiResult> {
  return notYet('GetObjectAcl');
}
export async function handlePutObjectAcl(
  _s: S3Services,
  _r: S3Request,
  _bucket: string,
  _key: string,
): Promise<ApiResult> {
  return notYet('PutObjectAcl');
}
export async function handleGetBucketAcl(_s: S3Services, _r: S3Request, _bucket: string): Promise<ApiResult> {
  return notYet('GetBucketAcl');
}
export async function handlePutBucketAcl(_s: S3Services, _r: S3Request, _bucket: string): Promise<ApiResult> {
  return notYet('PutBucketAcl');
}
export async function handlePutBucketOwnershipControls(
  _s: S3Services,
  _r: S3Request,
  _bucket: string,
): Promise<ApiResult> {
  return notYet('PutBucketOwnershipControls');
}
export async function handleGetBucketOwnershipControls(
  _s: S3Services,
  _r: S3Request,
  _bucket: string,
): Promise<ApiResult> {
  return notYet('GetBucketOwnershipControls');
}
export async function handleDeleteBucketOwnershipControls(
  _s: S3Services,
  _r: S3Request,
  _bucket: string,
): Promise<ApiResult> {
  return notYet('DeleteBucketOwnershipControls');
}
