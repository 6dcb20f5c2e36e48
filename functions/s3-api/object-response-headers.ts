import type { ObjectRecord } from '../../shared/metadata/ports.js';
import { checksumHeaderName } from '../../shared/s3/checksums.js';

/** The headers GET and HEAD send for an object (before any `response-*` override). */
export function objectResponseHeaders(object: ObjectRecord): Record<string, string> {
  const headers: Record<string, string> = {
    'content-type': object.headers.contentType ?? 'binary/octet-stream',
    etag: object.etag,
    'last-modified': object.lastModified.toUTCString(),
    'accept-ranges': 'bytes',
  };
  if (object.headers.contentEncoding) headers['content-encoding'] = object.headers.contentEncoding;
  if (object.headers.contentLanguage) headers['content-language'] = object.headers.contentLanguage;
  if (object.headers.contentDisposition) headers['content-disposition'] = object.headers.contentDisposition;
  if (object.headers.cacheControl) headers['cache-control'] = object.headers.cacheControl;
  if (object.headers.expires) headers.expires = object.headers.expires;
  for (const [name, value] of Object.entries(object.userMetadata)) headers[`x-amz-meta-${name}`] = value;
  if (object.partsCount !== undefined) headers['x-amz-mp-parts-count'] = String(object.partsCount);
  return headers;
}

/** `x-amz-checksum-<alg>` and `x-amz-checksum-type`, sent only when the client asks for them. */
export function checksumResponseHeaders(object: ObjectRecord): Record<string, string> {
  if (!object.checksum) return {};
  return {
    [checksumHeaderName(object.checksum.algorithm)]: object.checksum.value,
    'x-amz-checksum-type': object.checksum.type,
  };
}

/** `response-content-type` and friends override the stored headers on GET (and HEAD). */
const OVERRIDES = {
  'response-content-type': 'content-type',
  'response-content-language': 'content-language',
  'response-expires': 'expires',
  'response-cache-control': 'cache-control',
  'response-content-disposition': 'content-disposition',
  'response-content-encoding': 'content-encoding',
} as const;

export function applyResponseOverrides(headers: Record<string, string>, query: URLSearchParams): void {
  for (const [parameter, header] of Object.entries(OVERRIDES)) {
    const value = query.get(parameter);
    if (value !== null) headers[header] = value;
  }
}
