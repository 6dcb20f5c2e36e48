import { readUploadBody } from '../../shared/s3/upload-body.js';
import type { S3Request } from './s3-request.js';

/** The `versionId` a sub-resource call (tagging, ACL) names, if any. */
export function requestedVersionId(request: S3Request): string | undefined {
  return request.query.get('versionId') ?? undefined;
}

/** A sub-resource's XML body, aws-chunked framing removed and any Content-MD5 or checksum verified. */
export function requestXml(request: S3Request): Buffer {
  return readUploadBody(request.headers, request.body()).body;
}
