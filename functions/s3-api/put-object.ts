import type { ApiResult } from '../../layers/request-context.js';
import { putObject } from '../../shared/operations/put-object.js';
import { versionIdHeader } from '../../shared/operations/versions.js';
import type { S3Services } from '../../shared/runtime/runtime.js';
import { checksumResponseHeaders, writeResponseHeaders } from './object-response-headers.js';
import { emptyResponse } from './responses.js';
import type { S3Request } from './s3-request.js';

export async function handlePutObject(
  services: S3Services,
  request: S3Request,
  bucket: string,
  key: string,
): Promise<ApiResult> {
  const { object, bucket: bucketRecord } = await putObject(services, {
    bucket,
    key,
    headers: request.headers,
    rawBody: request.bodyStream() ?? request.body(),
  });
  return emptyResponse(200, {
    etag: object.etag,
    ...checksumResponseHeaders(object),
    ...writeResponseHeaders(object),
    ...versionIdHeader(bucketRecord, object),
  });
}
