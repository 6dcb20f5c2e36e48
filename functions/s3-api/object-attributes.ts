import type { ApiResult } from '../../layers/request-context.js';
import type { S3Services } from '../../shared/runtime/runtime.js';
import { S3Error } from '../../shared/s3/errors.js';
import type { S3Request } from './s3-request.js';

// Issue 15 contract stub: the ENCRYPT part implements GetObjectAttributes.

export async function handleGetObjectAttributes(
  _s: S3Services,
  _r: S3Request,
  _bucket: string,
  _key: string,
): Promise<ApiResult> {
  throw new S3Error('NotImplemented', { message: 'GetObjectAttributes is not implemented by this service.' });
}
