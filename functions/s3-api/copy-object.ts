import type { ApiResult } from '../../layers/request-context.js';
import { copyObject, parseCopySource } from '../../shared/operations/copy-object.js';
import { shownVersionId, versionIdHeader } from '../../shared/operations/versions.js';
import type { S3Services } from '../../shared/runtime/runtime.js';
import { checksumHeaderName } from '../../shared/s3/checksums.js';
import { xmlDocument } from '../../shared/s3/xml.js';
import { writeResponseHeaders } from './object-response-headers.js';
import { xmlResponse } from './responses.js';
import type { S3Request } from './s3-request.js';

export async function handleCopyObject(
  services: S3Services,
  request: S3Request,
  bucket: string,
  key: string,
): Promise<ApiResult> {
  const source = parseCopySource(request.headers['x-amz-copy-source']);
  const copied = await copyObject(services, { bucket, key, headers: request.headers, source });
  const { object } = copied;
  const checksum = object.checksum
    ? { [`Checksum${object.checksum.algorithm}`]: object.checksum.value, ChecksumType: object.checksum.type }
    : {};
  return xmlResponse(
    xmlDocument('CopyObjectResult', { LastModified: object.lastModified, ETag: object.etag, ...checksum }),
    {
      ...(object.checksum ? { [checksumHeaderName(object.checksum.algorithm)]: object.checksum.value } : {}),
      ...writeResponseHeaders(object),
      ...versionIdHeader(copied.bucket, object),
      ...(copied.sourceVersioned ? { 'x-amz-copy-source-version-id': shownVersionId(copied.source) } : {}),
    },
  );
}
