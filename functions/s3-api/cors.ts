import type { ApiResult } from '../../layers/request-context.js';
import type { S3Services } from '../../shared/runtime/runtime.js';
import { S3Error } from '../../shared/s3/errors.js';
import type { S3Request } from './s3-request.js';

// Issue 15 contract stub: the BROWSER part implements these (bucket CORS and preflight).

function notYet(name: string): never {
  throw new S3Error('NotImplemented', { message: `${name} is not implemented by this service.` });
}

export async function handlePutBucketCors(
  _s: S3Services,
  _r: S3Request,
  _bucket: string,
): Promise<ApiResult> {
  return notYet('PutBucketCors');
}
export async function handleGetBucketCors(
  _s: S3Services,
  _r: S3Request,
  _bucket: string,
): Promise<ApiResult> {
  return notYet('GetBucketCors');
}
export async function handleDeleteBucketCors(
  _s: S3Services,
  _r: S3Request,
  _bucket: string,
): Promise<ApiResult> {
  return notYet('DeleteBucketCors');
}
/** OPTIONS on a bucket or an object: the CORS preflight. */
export async function handlePreflight(_s: S3Services, _r: S3Request, _bucket: string): Promise<ApiResult> {
  return notYet('OPTIONS (CORS preflight)');
}
