import { Readable, Transform, type TransformCallback } from 'node:stream';
import { crc32 } from 'node:zlib';
import { createBlobEncoder, prefixSizeFor } from './blob-format.js';
import {
  BlobCorruptError,
  type BlobSource,
  BlobSourceSizeError,
  StorageNodeUnavailableError,
} from './ports.js';

/*
 * How streamed blobs travel between the storage service and a storage-node worker (stack mode),
 * checked end to end with bounded memory on both sides:
 *
 * PUT /blobs/:id with `x-blob-size: <n>`: the body is the n content bytes, then the header (and
 * block table) the sender computed as they passed (blob-format.ts). The worker computes its own as
 * it writes, and commits the replica only when the two match: a byte changed on the way is never
 * stored.
 *
 * GET /blobs/:id with `x-blob-frames: 1` (and `x-blob-range: <start>-<end>`): the worker answers
 * the verified content in frames, each `u32 length, u32 CRC32, bytes`, ended by a frame of length
 * 0; a failure after the first byte is a frame of length 0xffffffff and a `u32` reason (1: a block
 * failed its checksum). The receiver checks each frame before it hands out a byte of it.
 */

/** Header of a streamed PUT: the content size, the body then carrying the sender's prefix after it. */
export const BLOB_SIZE_HEADER = 'x-blob-size';
/** Header of a GET that asks for a framed, streamed answer. */
export const BLOB_FRAMES_HEADER = 'x-blob-frames';
/** Header of a framed GET naming an inclusive content range, `<start>-<end>`. */
export const BLOB_RANGE_HEADER = 'x-blob-range';

const FRAME_HEADER_BYTES = 8;
const FAILURE_LENGTH = 0xffffffff;
/** Reasons of a failure frame. */
const REASON_CORRUPT = 1;
const REASON_OTHER = 2;

/** Body bytes of a streamed PUT of `size` content bytes. */
export function putBodySize(size: number): number {
  return size + prefixSizeFor(size);
}

/**
 * The body of a streamed PUT of `source`: its bytes as they come, then their prefix. Errors with
 * BlobSourceSizeError when the source ends short or runs long, and with the source's own error.
 */
export function putBody(source: BlobSource): Readable {
  async function* body() {
    const encoder = createBlobEncoder(source.size);
    let received = 0;
    for await (const chunk of source.stream) {
      const bytes = chunk as Buffer;
      received += bytes.length;
      if (received > source.size) throw new BlobSourceSizeError(source.size, received);
      encoder.update(bytes);
      yield bytes;
    }
    yield encoder.finish();
  }
  return Readable.from(body(), { objectMode: false });
}

/**
 * The source a worker stores from a streamed PUT's `body`: its first `size` bytes, and a `verify`
 * that compares the node's prefix with the one the sender put after them (BlobCorruptError when
 * they differ, or when the body is longer than content and prefix).
 */
export function putSource(size: number, body: Readable, blobId: string, node: string): BlobSource {
  const expected = prefixSizeFor(size);
  const trailer: Buffer[] = [];
  let trailerBytes = 0;
  async function* content() {
    let remaining = size;
    for await (const chunk of body) {
      let bytes = chunk as Buffer;
      if (remaining > 0) {
        const take = Math.min(remaining, bytes.length);
        remaining -= take;
        yield bytes.subarray(0, take);
        bytes = bytes.subarray(take);
      }
      if (bytes.length > 0) {
        trailerBytes += bytes.length;
        if (trailerBytes > expected) throw new BlobSourceSizeError(size, size + trailerBytes);
        trailer.push(bytes);
      }
    }
  }
  return {
    size,
    stream: Readable.from(content(), { objectMode: false }),
    async verify(prefix) {
      if (!Buffer.concat(trailer).equals(prefix)) {
        throw new BlobCorruptError(blobId, `${node} (in transit)`, {
          cause: new Error('the checksums sent do not match the bytes received'),
        });
      }
    },
  };
}

/** One frame of a streamed GET's answer. */
export function frameOf(bytes: Buffer): Buffer[] {
  const header = Buffer.allocUnsafe(FRAME_HEADER_BYTES);
  header.writeUInt32BE(bytes.length, 0);
  header.writeUInt32BE(crc32(bytes), 4);
  return [header, bytes];
}

/** The frame that ends a complete answer. */
export function endFrame(): Buffer {
  return Buffer.alloc(FRAME_HEADER_BYTES);
}

/** The frame that ends an answer cut by `error` (a block that failed its checksum, or another failure). */
export function failureFrame(error: unknown): Buffer {
  const frame = Buffer.allocUnsafe(FRAME_HEADER_BYTES);
  frame.writeUInt32BE(FAILURE_LENGTH, 0);
  frame.writeUInt32BE(error instanceof BlobCorruptError ? REASON_CORRUPT : REASON_OTHER, 4);
  return frame;
}

/**
 * Unframes a streamed GET's answer: each frame checked against its CRC32 before its bytes are
 * passed on. Errors with BlobCorruptError for a frame that fails its check or a failure frame that
 * says so, and with StorageNodeUnavailableError for an answer that ends without its end frame.
 */
export function unframe(blobId: string, node: string): Transform {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let ended = false;
  const take = (count: number): Buffer => {
    const all = pending.length === 1 ? pending[0]! : Buffer.concat(pending, pendingBytes);
    const head = all.subarray(0, count);
    const rest = all.subarray(count);
    pending = rest.length > 0 ? [rest] : [];
    pendingBytes = rest.length;
    return head;
  };
  return new Transform({
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      if (ended)
        return callback(
          new StorageNodeUnavailableError(node, { cause: new Error('bytes after the end frame') }),
        );
      pending.push(chunk);
      pendingBytes += chunk.length;
      while (pendingBytes >= FRAME_HEADER_BYTES) {
        const head =
          pending[0]!.length >= FRAME_HEADER_BYTES ? pending[0]! : Buffer.concat(pending, pendingBytes);
        const length = head.readUInt32BE(0);
        const checksum = head.readUInt32BE(4);
        if (length === FAILURE_LENGTH) {
          return callback(
            checksum === REASON_CORRUPT
              ? new BlobCorruptError(blobId, node)
              : new StorageNodeUnavailableError(node, { cause: new Error('the node failed mid-read') }),
          );
        }
        if (length === 0) {
          take(FRAME_HEADER_BYTES);
          ended = true;
          continue;
        }
        if (pendingBytes < FRAME_HEADER_BYTES + length) break;
        const bytes = take(FRAME_HEADER_BYTES + length).subarray(FRAME_HEADER_BYTES);
        if (crc32(bytes) !== checksum) {
          return callback(new BlobCorruptError(blobId, `${node} (in transit)`));
        }
        this.push(bytes);
      }
      callback();
    },
    flush(callback: TransformCallback) {
      if (!ended || pendingBytes > 0) {
        return callback(
          new StorageNodeUnavailableError(node, { cause: new Error('the answer was cut short') }),
        );
      }
      callback();
    },
  });
}
