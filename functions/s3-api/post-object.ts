import type { ApiResult } from '../../layers/request-context.js';
import type { S3Services } from '../../shared/runtime/runtime.js';
import { S3Error } from '../../shared/s3/errors.js';
import type { S3Request } from './s3-request.js';

// Issue 15 contract stub: the BROWSER part implements POST Object (browser form uploads).

export async function handlePostObject(_s: S3Services, _r: S3Request, _bucket: string): Promise<ApiResult> {
  throw new S3Error('NotImplemented', { message: 'PostObject is not implemented by this service.' });
}
