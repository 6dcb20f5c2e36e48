import type { ApiResult } from '../../layers/request-context.js';
import type { S3Services } from '../../shared/runtime/runtime.js';
import { S3Error } from '../../shared/s3/errors.js';
import type { S3Request } from './s3-request.js';

// Issue 15 contract stub: the VERSIONING part implements these.

export async function handlePutBucketVersioning(
  _services: S3Services,
  _request: S3Request,
  _bucket: string,
): Promise<ApiResult> {
  throw new S3Error('NotImplemented', { message: 'PutBucketVersioning is not implemented by this service.' });
}
