/**
 * Bodies S3 takes only with an integrity check: DeleteObjects requires Content-MD5 or a flexible
 * checksum (`x-amz-checksum-*` header, or an aws-chunked trailer declared in `x-amz-trailer`).
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteObjects.html
 */
import { findChecksumHeaders, isChecksumValueHeader } from './checksums.js';
import { S3Error } from './errors.js';
import { readUploadBody } from './upload-body.js';

/**
 * Reads a body that must carry an integrity check, verifies the check and returns the payload
 * (aws-chunked framing removed).
 *
 * @param headers request headers, names lower-cased
 * @param raw the body as received
 * @throws S3Error InvalidRequest ("Missing required header for this request: Content-MD5", S3's
 *   words) when no check is sent; BadDigest and the other errors of `readUploadBody`
 */
export function readCheckedBody(headers: Record<string, string | undefined>, raw: Buffer): Buffer {
  const trailers = (headers['x-amz-trailer'] ?? '').split(',').map((name) => name.trim().toLowerCase());
  const checked =
    headers['content-md5'] !== undefined ||
    findChecksumHeaders(headers).length > 0 ||
    trailers.some(isChecksumValueHeader);
  if (!checked) {
    throw new S3Error('InvalidRequest', { message: 'Missing required header for this request: Content-MD5' });
  }
  return readUploadBody(headers, raw).body;
}
