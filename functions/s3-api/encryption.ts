import type { ApiResult } from '../../layers/request-context.js';
import type { S3Services } from '../../shared/runtime/runtime.js';
import { S3Error } from '../../shared/s3/errors.js';
import type { S3Request } from './s3-request.js';

// Issue 15 contract stub: the ENCRYPT part implements these (bucket default encryption).

function notYet(name: string): never {
  throw new S3Error('NotImplemented', { message: `${name} is not implemented by this service.` });
}

export async function handlePutBucketEncryption(
  _s: S3Services,
  _r: S3Request,
  _bucket: string,
): Promise<ApiResult> {
  return notYet('PutBucketEncryption');
}
export async function handleGetBucketEncryption(
  _s: S3Services,
  _r: S3Request,
  _bucket: string,
): Promise<ApiResult> {
  return notYet('GetBucketEncryption');
}
export async function handleDeleteBucketEncryption(
  _s: S3Services,
  _r: S3Request,
  _bucket: string,
): Promise<ApiResult> {
  return notYet('DeleteBucketEncryption');
}
