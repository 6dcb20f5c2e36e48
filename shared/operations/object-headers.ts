import type { ObjectHeaders } from '../metadata/ports.js';
import { S3Error } from '../s3/errors.js';
import { storedContentEncoding } from '../s3/upload-body.js';

/** S3 limits user-defined metadata to 2 KB (names and values, UTF-8). */
const MAX_USER_METADATA_BYTES = 2048;

/**
 * The standard headers S3 stores with an object. `aws-chunked` is a transfer framing, never part of
 * the stored Content-Encoding (S3 strips it; clients break if it comes back on GET).
 */
export function objectHeadersFrom(headers: Record<string, string | undefined>): ObjectHeaders {
  return dropUndefined({
    contentType: headers['content-type'],
    contentEncoding: storedContentEncoding(headers['content-encoding']),
    contentLanguage: headers['content-language'],
    contentDisposition: headers['content-disposition'],
    cacheControl: headers['cache-control'],
    expires: headers.expires,
  });
}

/** `x-amz-meta-*` headers, names lower-cased without the prefix. */
export function userMetadataFrom(headers: Record<string, string | undefined>): Record<string, string> {
  const metadata: Record<string, string> = {};
  let bytes = 0;
  for (const [name, value] of Object.entries(headers)) {
    if (!name.startsWith('x-amz-meta-') || value === undefined) continue;
    const key = name.slice('x-amz-meta-'.length);
    metadata[key] = value;
    bytes += Buffer.byteLength(key) + Buffer.byteLength(value);
  }
  if (bytes > MAX_USER_METADATA_BYTES) throw new S3Error('MetadataTooLarge');
  return metadata;
}

function dropUndefined<T extends object>(value: T): T {
  for (const key of Object.keys(value) as (keyof T)[]) {
    if (value[key] === undefined) delete value[key];
  }
  return value;
}
