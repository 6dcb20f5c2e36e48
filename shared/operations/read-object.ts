import { Readable } from 'node:stream';
import type { ObjectRecord, ObjectVersion } from '../metadata/ports.js';
import type { S3Services } from '../runtime/runtime.js';
import { S3Error } from '../s3/errors.js';
import { BlobUnavailableError } from '../storage/ports.js';
import { requireBucket } from './buckets.js';
import { visibleVersion, visibleVersionById } from './consistency.js';
import { assertVersionIdFormat, shownVersionId } from './versions.js';

/**
 * The committed object, or NoSuchBucket / NoSuchKey as S3 answers them. When the key's latest
 * version is a delete marker (a versioned bucket only: never an extra query otherwise), the
 * NoSuchKey carries `x-amz-delete-marker: true` and the marker's `x-amz-version-id`, as S3 sends.
 */
export async function requireObject(
  services: S3Services,
  bucket: string,
  key: string,
): Promise<ObjectRecord> {
  const stored = await services.metadata.getObject(bucket, key);
  const object = stored && (await visibleVersion(services, stored));
  if (object) return object;
  const bucketRecord = await requireBucket(services, bucket);
  const latest =
    bucketRecord.versioning && !stored ? await services.metadata.latestVersion(bucket, key) : undefined;
  throw new S3Error('NoSuchKey', {
    resource: `/${bucket}/${key}`,
    detail: { Key: key },
    ...(latest?.deleteMarker ? { headers: deleteMarkerHeaders(latest) } : {}),
  });
}

/**
 * The object a request with `versionId` names (GET, HEAD, tagging, ACL, attributes, copy source),
 * or without one the current object (requireObject). A malformed id is InvalidArgument, an
 * unknown one NoSuchVersion; a delete
 * marker's id is 405 MethodNotAllowed with `x-amz-delete-marker`, `Last-Modified` and `Allow`, as
 * S3 answers a GET of one. `method` names the request's method in that error.
 */
export async function requireObjectVersion(
  services: S3Services,
  bucket: string,
  key: string,
  versionId: string | undefined,
  method = 'GET',
): Promise<ObjectRecord> {
  if (versionId === undefined) return requireObject(services, bucket, key);
  assertVersionIdFormat(versionId);
  const stored = await storedVersion(services, bucket, key, versionId);
  const version = stored && visibleVersionById(services, stored);
  if (!version) {
    await requireBucket(services, bucket);
    throw new S3Error('NoSuchVersion', {
      resource: `/${bucket}/${key}`,
      detail: { Key: key, VersionId: versionId },
    });
  }
  if (version.deleteMarker) {
    throw new S3Error('MethodNotAllowed', {
      resource: `/${bucket}/${key}`,
      detail: { Method: method, ResourceType: 'DeleteMarker' },
      headers: {
        ...deleteMarkerHeaders(version),
        'last-modified': version.object.lastModified.toUTCString(),
        allow: 'DELETE',
      },
    });
  }
  return version.object;
}

/**
 * One version by id: the current object first (a cached read, and the usual case: a client
 * reading back the version it just wrote), else the noncurrent versions.
 */
async function storedVersion(
  services: S3Services,
  bucket: string,
  key: string,
  versionId: string,
): Promise<ObjectVersion | undefined> {
  const current = await services.metadata.getObject(bucket, key);
  if (current && shownVersionId(current) === versionId) {
    return { object: current, deleteMarker: false, isLatest: true };
  }
  return services.metadata.getObjectVersion(bucket, key, versionId);
}

/** The headers S3 sends about a delete marker a request ran into. */
export function deleteMarkerHeaders(marker: ObjectVersion): Record<string, string> {
  return { 'x-amz-delete-marker': 'true', 'x-amz-version-id': shownVersionId(marker.object) };
}

/** What a GET or HEAD serves: the local object, or on a miss the origin's, with the bytes fetched. */
export interface ReadableObject {
  object: ObjectRecord;
  /** The whole object, when it was just fetched from the origin (a local object's are read by range). */
  body?: Buffer;
}

/**
 * The object a GET or HEAD reads: the committed one (consistency faults included), or, when the
 * bucket lacks the key and has an origin, the object read through from it (`services.origin`:
 * one fetch per key at a time, written back so the next read is local). NoSuchKey only when the
 * origin has no such key either; an origin that cannot answer is a 503, never a 404. With
 * `versionId`, that version of the local bucket (requireObjectVersion). A key whose latest version
 * is a delete marker was deleted here: its NoSuchKey stands, the origin is not asked.
 */
export async function readableObject(
  services: S3Services,
  bucket: string,
  key: string,
  versionId?: string,
  method = 'GET',
): Promise<ReadableObject> {
  if (versionId !== undefined) {
    return { object: await requireObjectVersion(services, bucket, key, versionId, method) };
  }
  let object: ObjectRecord;
  try {
    object = await requireObject(services, bucket, key);
  } catch (error) {
    if (
      !(error instanceof S3Error && error.code === 'NoSuchKey') ||
      error.headers['x-amz-delete-marker'] !== undefined ||
      services.origin === undefined
    )
      throw error;
    const fetched = await services.origin.fetchMissing(bucket, key);
    if (fetched === undefined) throw error;
    return fetched;
  }
  services.origin?.noteLocalRead?.(bucket);
  return { object };
}

export interface ByteRange {
  start: number;
  /** Inclusive. */
  end: number;
}

/** The part of one segment's blob that a read of an object range covers (`end` inclusive). */
interface SegmentSlice {
  blobId: string;
  start: number;
  end: number;
  /** The slice is the whole blob. */
  whole: boolean;
}

/** The segments that overlap an inclusive range of the object, with the part of each it covers. */
function segmentSlices(object: ObjectRecord, range?: ByteRange): SegmentSlice[] {
  const start = range?.start ?? 0;
  const end = range?.end ?? object.size - 1;
  const slices: SegmentSlice[] = [];
  if (object.size === 0 || end < start) return slices;
  let offset = 0;
  for (const segment of object.segments) {
    const segmentStart = offset;
    const segmentEnd = offset + segment.size - 1;
    offset += segment.size;
    if (segmentEnd < start || segmentStart > end) continue;
    const from = Math.max(start, segmentStart) - segmentStart;
    const to = Math.min(end, segmentEnd) - segmentStart;
    slices.push({
      blobId: segment.blobId,
      start: from,
      end: to,
      whole: from === 0 && to === segment.size - 1,
    });
  }
  return slices;
}

/**
 * The bytes of an object, or of an inclusive range of it, read from the segments that overlap the
 * range. A blob no replica can serve is a 503 (retryable), never wrong bytes.
 */
export async function readObjectBytes(
  services: S3Services,
  object: ObjectRecord,
  range?: ByteRange,
): Promise<Buffer> {
  const pieces = segmentSlices(object, range).map((slice) =>
    readBlob(services, slice.blobId).then((bytes) =>
      slice.whole && bytes.length === slice.end + 1 ? bytes : bytes.subarray(slice.start, slice.end + 1),
    ),
  );
  if (pieces.length === 0) return Buffer.alloc(0);
  const buffers = await Promise.all(pieces);
  return buffers.length === 1 ? buffers[0]! : Buffer.concat(buffers);
}

/**
 * The bytes of an object (or an inclusive range of it) as a stream: each segment's blob read with
 * `blobs.getStream`, one after another, so a multipart object holds one segment's chunks at most.
 * The first segment is opened before this resolves, so a blob no replica can serve is still a 503
 * answered before any header; a later segment that fails errors the stream (the host then ends
 * the connection short of its Content-Length).
 */
export async function readObjectStream(
  services: S3Services,
  object: ObjectRecord,
  range?: ByteRange,
): Promise<Readable> {
  const [first, ...rest] = segmentSlices(object, range);
  if (first === undefined) return Readable.from([]);
  const opened = await openSlice(services, first);
  async function* segments() {
    yield* opened;
    for (const slice of rest) yield* await openSlice(services, slice);
  }
  return Readable.from(segments(), { objectMode: false });
}

function openSlice(services: S3Services, slice: SegmentSlice): Promise<Readable> {
  return unavailableAs503(
    services.blobs.getStream(slice.blobId, slice.whole ? undefined : { start: slice.start, end: slice.end }),
  );
}

async function readBlob(services: S3Services, blobId: string): Promise<Buffer> {
  return unavailableAs503(services.blobs.get(blobId));
}

async function unavailableAs503<T>(read: Promise<T>): Promise<T> {
  try {
    return await read;
  } catch (error) {
    if (error instanceof BlobUnavailableError) {
      throw new S3Error('ServiceUnavailable', {
        message: 'No replica of the object could be read.',
        cause: error,
      });
    }
    throw error;
  }
}
