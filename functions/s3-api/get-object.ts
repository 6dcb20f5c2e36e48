import type { ApiResult } from '../../layers/request-context.js';
import { STREAMED_BODY_MIN_BYTES } from '../../shared/http/streamed-body.js';
import { parsePartNumber } from '../../shared/operations/multipart.js';
import { readableObject, readObjectBytes, readObjectStream } from '../../shared/operations/read-object.js';
import { versionIdHeader } from '../../shared/operations/versions.js';
import type { S3Services } from '../../shared/runtime/runtime.js';
import { checkConditions } from '../../shared/s3/conditions.js';
import { assertReadableWith } from '../../shared/s3/encryption.js';
import { S3Error } from '../../shared/s3/errors.js';
import { parseRange } from '../../shared/s3/range.js';
import { assertRetrievable } from '../../shared/s3/storage-class.js';
import {
  applyResponseOverrides,
  objectResponseHeaders,
  readChecksumHeaders,
} from './object-response-headers.js';
import { bytesResponse, emptyResponse, streamedResponse } from './responses.js';
import type { S3Request } from './s3-request.js';

/**
 * GetObject and HeadObject: conditions, Range (206 / 416), `partNumber`, response-* overrides,
 * `versionId` (read-object.ts: NoSuchVersion, 405 for a delete marker). A key the bucket lacks is
 * read through its origin when it has one (the whole object is fetched; the range, part and
 * conditions then apply to it as to a local object).
 */
export async function getObject(
  services: S3Services,
  request: S3Request,
  bucket: string,
  key: string,
): Promise<ApiResult> {
  const versionId = request.query.get('versionId') ?? undefined;
  // The bucket record (cached) says whether the null version is named (`x-amz-version-id: null`).
  const [{ object, body }, bucketRecord] = await Promise.all([
    readableObject(services, bucket, key, versionId, request.method),
    services.metadata.getBucket(bucket),
  ]);
  if (request.method === 'GET') assertRetrievable(object);
  assertReadableWith(request.headers, object);
  checkConditions(request.headers, object);
  const headers = objectResponseHeaders(object);
  if (bucketRecord) Object.assign(headers, versionIdHeader(bucketRecord, object));
  applyResponseOverrides(headers, request.query);
  const partNumber = request.query.get('partNumber');
  const range = partRange(partNumber, object) ?? parseRange(request.headers.range, object.size);
  const wholeObject =
    range === undefined || (range.start === 0 && range.end === object.size - 1 && !request.headers.range);
  if (request.headers['x-amz-checksum-mode']?.toUpperCase() === 'ENABLED') {
    Object.assign(headers, readChecksumHeaders(object, { wholeObject, partNumber }));
  }
  const status = range && !wholeObject ? 206 : 200;
  if (range && !wholeObject) headers['content-range'] = `bytes ${range.start}-${range.end}/${object.size}`;
  const length = range ? range.end - range.start + 1 : object.size;
  headers['content-length'] = String(length);
  if (request.method === 'HEAD') return emptyResponse(status, headers);
  // Large local objects stream from their replicas; an origin's object was fetched whole already.
  if (body === undefined && length >= STREAMED_BODY_MIN_BYTES) {
    const stream = await readObjectStream(services, object, range);
    return streamedResponse(status, { size: length, stream }, headers);
  }
  const bytes =
    body === undefined
      ? await readObjectBytes(services, object, range)
      : range
        ? body.subarray(range.start, range.end + 1)
        : body;
  return bytesResponse(status, bytes, headers);
}

/** `?partNumber=N` reads one part of a multipart object (part 1 of a simple object is all of it). */
function partRange(
  raw: string | null,
  object: { size: number; segments: { size: number }[]; partsCount?: number },
) {
  if (raw === null) return undefined;
  // Outside 1..10000 is InvalidArgument, as for UploadPart; a part the object lacks is a 416.
  const partNumber = parsePartNumber(raw);
  const parts = object.partsCount === undefined ? [{ size: object.size }] : object.segments;
  if (partNumber > parts.length) throw new S3Error('InvalidPartNumber');
  const start = parts.slice(0, partNumber - 1).reduce((total, part) => total + part.size, 0);
  return { start, end: start + parts[partNumber - 1]!.size - 1 };
}
