import { Readable } from 'node:stream';
import { type BlobRange, type BlobSource, BlobSourceSizeError } from './ports.js';

/**
 * Reads the whole of `source` into one buffer: the buffered path of a streamed write (small
 * bodies, and nodes that store whole buffers). Rejects with BlobSourceSizeError when the stream
 * ends short of `source.size` or runs past it (the stream is destroyed then), and with the
 * stream's own error when it fails.
 */
export async function readBlobSource(source: BlobSource): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let received = 0;
  for await (const chunk of source.stream) {
    const bytes = toBuffer(chunk);
    received += bytes.length;
    // Leaving the loop destroys the stream: a client sending past its length is not read further.
    if (received > source.size) throw new BlobSourceSizeError(source.size, received);
    chunks.push(bytes);
  }
  if (received < source.size) throw new BlobSourceSizeError(source.size, received);
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, received);
}

/**
 * Reads `source` to its end and keeps nothing (a write a fault acknowledges without storing, which
 * must still take the bytes, or the replicas written beside it would stall). Rejects as
 * {@link readBlobSource} does.
 */
export async function drainBlobSource(source: BlobSource): Promise<void> {
  let received = 0;
  for await (const chunk of source.stream) {
    received += toBuffer(chunk).length;
    if (received > source.size) throw new BlobSourceSizeError(source.size, received);
  }
  if (received < source.size) throw new BlobSourceSizeError(source.size, received);
}

/**
 * `range` checked against a content of `size` bytes, as an end-exclusive slice; the whole content
 * without one. A range outside the content is a caller's bug (the S3 layer resolves ranges
 * against the object's size first): RangeError.
 */
export function rangeSlice(range: BlobRange | undefined, size: number): { start: number; end: number } {
  if (range === undefined) return { start: 0, end: size };
  const { start, end } = range;
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end < start || end >= size) {
    throw new RangeError(`range ${start}-${end} is outside a blob of ${size} bytes`);
  }
  return { start, end: end + 1 };
}

/** A byte stream of `bytes` (or the `range` of them): the streamed answer of a buffered read. */
export function streamOfBytes(bytes: Buffer, range?: BlobRange): Readable {
  const { start, end } = rangeSlice(range, bytes.length);
  const slice = bytes.subarray(start, end);
  return Readable.from(slice.length === 0 ? [] : [slice], { objectMode: false });
}

function toBuffer(chunk: unknown): Buffer {
  if (Buffer.isBuffer(chunk)) return chunk;
  if (chunk instanceof Uint8Array) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  if (typeof chunk === 'string') return Buffer.from(chunk);
  throw new TypeError('a blob source must stream bytes');
}
