import type { ApiResult } from '../../layers/request-context.js';
import type { S3Services } from '../../shared/runtime/runtime.js';
import { S3Error } from '../../shared/s3/errors.js';
import { parseVersioningConfiguration } from '../../shared/s3/request-xml.js';
import { readUploadBody } from '../../shared/s3/upload-body.js';
import { emptyResponse } from './responses.js';
import type { S3Request } from './s3-request.js';

/**
 * PutBucketVersioning: Enabled or Suspended (a bucket once versioned never goes back to unversioned:
 * S3's schema has no value for it). MFA delete cannot be turned on: without an `x-amz-mfa` header
 * S3 refuses it with AccessDenied, and with one this service, which has no MFA devices, answers
 * NotImplemented (as MinIO does). `<MfaDelete>Disabled` is accepted and shown by GetBucketVersioning.
 */
export async function handlePutBucketVersioning(
  services: S3Services,
  request: S3Request,
  bucket: string,
): Promise<ApiResult> {
  // A Content-MD5 or checksum, when sent, is verified; aws-chunked framing is removed.
  const config = parseVersioningConfiguration(readUploadBody(request.headers, request.body()).body);
  if (config.mfaDelete === 'Enabled') {
    if (!request.headers['x-amz-mfa']) {
      throw new S3Error('AccessDenied', { message: 'Mfa Authentication must be used for this request' });
    }
    throw new S3Error('NotImplemented', { message: 'MFA delete is not implemented by this service.' });
  }
  if (!(await services.metadata.setBucketVersioning(bucket, config.status))) {
    throw new S3Error('NoSuchBucket', { resource: bucket, detail: { BucketName: bucket } });
  }
  if (config.mfaDelete === 'Disabled')
    await services.metadata.putBucketConfig(bucket, 'mfaDelete', 'Disabled');
  return emptyResponse(200);
}
