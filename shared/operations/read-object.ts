import type { ObjectRecord } from '../metadata/ports.js';
import type { S3Services } from '../runtime/runtime.js';
import { S3Error } from '../s3/errors.js';
import { BlobUnavailableError } from '../storage/ports.js';
import { requireBucket } from './buckets.js';
import { visibleVersion } from './consistency.js';

/** The committed object, or NoSuchBucket / NoSuchKey as S3 answers them. */
export async function requireObject(
  services: S3Services,
  bucket: string,
  key: string,
): Promise<ObjectRecord> {
  const stored = await services.metadata.getObject(bucket, key);
  const object = stored && (await visibleVersion(services, stored));
  if (object) return object;
  await requireBucket(services, bucket);
  throw new S3Error('NoSuchKey', { resource: `/${bucket}/${key}`, detail: { Key: key } });
}

export interface ByteRange {
  start: number;
  /** Inclusive. */
  end: number;
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
  const start = range?.start ?? 0;
  const end = range?.end ?? object.size - 1;
  if (object.size === 0 || end < start) return Buffer.alloc(0);
  const pieces: Promise<Buffer>[] = [];
  let offset = 0;
  for (const segment of object.segments) {
    const segmentStart = offset;
    const segmentEnd = offset + segment.size - 1;
    offset += segment.size;
    if (segmentEnd < start || segmentStart > end) continue;
    const from = Math.max(start, segmentStart) - segmentStart;
    const to = Math.min(end, segmentEnd) - segmentStart + 1;
    pieces.push(
      readBlob(services, segment.blobId).then((bytes) =>
        from === 0 && to === bytes.length ? bytes : bytes.subarray(from, to),
      ),
    );
  }
  const buffers = await Promise.all(pieces);
  return buffers.length === 1 ? buffers[0]! : Buffer.concat(buffers);
}

async function readBlob(services: S3Services, blobId: string): Promise<Buffer> {
  try {
    return await services.blobs.get(blobId);
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
