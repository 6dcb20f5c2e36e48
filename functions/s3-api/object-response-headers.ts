import type { ObjectRecord } from '../../shared/metadata/ports.js';
import { checksumHeaderName } from '../../shared/s3/checksums.js';
import { encryptionResponseHeaders } from '../../shared/s3/encryption.js';
import { S3Error } from '../../shared/s3/errors.js';
import { storageClassHeader } from '../../shared/s3/storage-class.js';
import { taggingCountHeader } from '../../shared/s3/tagging.js';

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
  Object.assign(
    headers,
    taggingCountHeader(object),
    storageClassHeader(object),
    encryptionResponseHeaders(object),
  );
  return headers;
}

/** The headers a write (PutObject, CopyObject, CompleteMultipartUpload, POST) answers with beside its ETag. */
export function writeResponseHeaders(object: Pick<ObjectRecord, 'encryption'>): Record<string, string> {
  return encryptionResponseHeaders(object, { withContext: true });
}

/** `x-amz-checksum-<alg>` and `x-amz-checksum-type`, sent only when the client asks for them. */
export function checksumResponseHeaders(object: ObjectRecord): Record<string, string> {
  if (!object.checksum) return {};
  return {
    [checksumHeaderName(object.checksum.algorithm)]: object.checksum.value,
    'x-amz-checksum-type': object.checksum.type,
  };
}

/**
 * The checksum headers of a GET or HEAD with `x-amz-checksum-mode: ENABLED`: the object's checksum
 * for a whole-object read (a composite one ends in `-N`); for `?partNumber=N` of a multipart object
 * with a COMPOSITE checksum, that part's own checksum, as S3 answers; nothing for any other range.
 */
export function readChecksumHeaders(
  object: ObjectRecord,
  read: { wholeObject: boolean; partNumber: string | null },
): Record<string, string> {
  if (!object.checksum) return {};
  if (read.partNumber !== null && object.partsCount !== undefined && object.checksum.type === 'COMPOSITE') {
    const part = object.segments[Number(read.partNumber) - 1]?.checksum;
    if (part === undefined) return {};
    return { [checksumHeaderName(object.checksum.algorithm)]: part, 'x-amz-checksum-type': 'COMPOSITE' };
  }
  return read.wholeObject ? checksumResponseHeaders(object) : {};
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

/**
 * Applies the `response-*` overrides. S3 refuses a value it cannot send as a header with 400
 * InvalidArgument (e.g. a UTF-8 `filename="报告.pdf"`: "Header value cannot be represented using
 * ISO-8859-1."); the RFC 6266 / 5987 form `filename*=UTF-8''%E6%8A%A5...` is plain ASCII and passes.
 * A control character (CR, LF, DEL, ...) would split or corrupt the response head: refused too.
 */
export function applyResponseOverrides(headers: Record<string, string>, query: URLSearchParams): void {
  for (const [parameter, header] of Object.entries(OVERRIDES)) {
    const value = query.get(parameter);
    if (value === null) continue;
    assertSendableHeaderValue(parameter, value);
    headers[header] = value;
  }
}

/** Anything past ISO-8859-1 (U+00FF). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const NOT_LATIN1 = /[^\u0000-\u00ff]/;
/** Control characters other than tab, which a header value cannot hold (RFC 9110 section 5.5). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const CONTROL_CHARACTER = /[\u0000-\u0008\u000a-\u001f\u007f]/;

function assertSendableHeaderValue(parameter: string, value: string): void {
  const problem = NOT_LATIN1.test(value)
    ? 'Header value cannot be represented using ISO-8859-1.'
    : CONTROL_CHARACTER.test(value)
      ? 'Header value cannot contain control characters.'
      : undefined;
  if (problem === undefined) return;
  throw new S3Error('InvalidArgument', {
    message: problem,
    detail: { ArgumentName: parameter, ArgumentValue: value },
  });
}
