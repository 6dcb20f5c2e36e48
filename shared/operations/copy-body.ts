import { Transform, type TransformCallback } from 'node:stream';
import { STREAMED_BODY_MIN_BYTES } from '../http/streamed-body.js';
import type { ChecksumAlgorithm, ObjectRecord, StoredChecksum } from '../metadata/ports.js';
import type { S3Services } from '../runtime/runtime.js';
import { createHasher, type HashAlgorithm, type Hasher } from '../s3/checksums.js';
import { type ByteRange, readObjectBytes, readObjectStream } from './read-object.js';
import { type StoredUpload, storageWriteError, writeBlob } from './store-object.js';

/**
 * Copies an object's bytes (or an inclusive range of them) into a new blob, for CopyObject and
 * UploadPartCopy: its segment, ETag (hex MD5) and, with `algorithm`, its full-object checksum. A
 * small copy is read whole and written with `blobs.put`; a large one flows from `blobs.getStream`
 * of each source segment into `blobs.putStream`, hashed on the way, so the server holds a few
 * chunks, not the object. A source that fails mid-way leaves no blob (putStream's promise) and
 * answers the source's error (503 when no replica can be read).
 */
export async function copyObjectBytes(
  services: S3Services,
  source: ObjectRecord,
  range: ByteRange | undefined,
  algorithm: ChecksumAlgorithm | undefined,
): Promise<StoredUpload> {
  const size = range ? range.end - range.start + 1 : source.size;
  if (size < STREAMED_BODY_MIN_BYTES) {
    const bytes = await readObjectBytes(services, source, range);
    const hashed = hashAll(bytes, algorithm);
    return { segment: await writeBlob(services, bytes), ...hashed };
  }
  const read = await readObjectStream(services, source, range);
  let failure: unknown;
  read.once('error', (error) => {
    failure ??= error;
  });
  const hashing = new Hashing(algorithm);
  read.pipe(hashing);
  read.once('error', (error) => hashing.destroy(error));
  hashing.once('close', () => {
    if (!read.readableEnded) read.destroy();
  });
  const blobId = services.newId();
  try {
    await services.blobs.putStream(blobId, { size, stream: hashing });
  } catch (error) {
    throw failure ?? storageWriteError(error);
  }
  return { segment: { blobId, size }, ...hashing.result() };
}

function hashAll(bytes: Buffer, algorithm: ChecksumAlgorithm | undefined): Omit<StoredUpload, 'segment'> {
  const hashing = new Hashing(algorithm);
  hashing.feed(bytes);
  return hashing.result();
}

/** Passes the bytes on unchanged, computing the MD5 and the copy's checksum as they go. */
class Hashing extends Transform {
  private readonly md5: Hasher = createHasher('MD5');
  private readonly checksum: Hasher | undefined;

  constructor(private readonly algorithm: ChecksumAlgorithm | undefined) {
    super();
    this.checksum = algorithm && createHasher(algorithm as HashAlgorithm);
  }

  feed(chunk: Buffer): void {
    this.md5.update(chunk);
    this.checksum?.update(chunk);
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.feed(chunk);
    callback(null, chunk);
  }

  result(): Omit<StoredUpload, 'segment'> {
    const md5Hex = this.md5.digest().toString('hex');
    if (!this.algorithm || !this.checksum) return { md5Hex };
    const checksum: StoredChecksum = {
      algorithm: this.algorithm,
      value: this.checksum.digest().toString('base64'),
      type: 'FULL_OBJECT',
    };
    return { md5Hex, checksum };
  }
}
