import { createHash } from 'node:crypto';
import { BlobCorruptError } from './ports.js';

/**
 * On-disk (and in-memory) layout of one replica: a 48-byte header, then the bytes.
 *
 *   0  magic "MS3B"   4  format version   5  checksum algorithm (1 = SHA-256)   6  reserved (2)
 *   8  content length, u64 big-endian    16  SHA-256 of the content (32)
 *
 * Why SHA-256 rather than CRC32: measured here, SHA-256 of 1 KiB costs ~2 µs against ~185 µs for
 * the `readFile` itself, so on the GET hot path the difference is noise; on large blobs it runs at
 * ~1.8 GB/s (CRC32 ~5 GB/s), still faster than the disk. In return a corrupted replica (bit flip,
 * zeroed range, torn write) can never pass as good, whatever the damage pattern.
 */
export const BLOB_HEADER_SIZE = 48;
const MAGIC = 0x4d533342; // "MS3B"
const FORMAT_VERSION = 1;
const ALGORITHM_SHA256 = 1;

/** The header for `bytes`; write it followed by `bytes` (no concatenated copy needed). */
export function encodeBlobHeader(bytes: Buffer): Buffer {
  const header = Buffer.alloc(BLOB_HEADER_SIZE);
  header.writeUInt32BE(MAGIC, 0);
  header.writeUInt8(FORMAT_VERSION, 4);
  header.writeUInt8(ALGORITHM_SHA256, 5);
  header.writeBigUInt64BE(BigInt(bytes.length), 8);
  createHash('sha256').update(bytes).digest().copy(header, 16);
  return header;
}

/** Header and bytes in one buffer (for the in-memory node and the HTTP body). */
export function encodeBlob(bytes: Buffer): Buffer {
  return Buffer.concat([encodeBlobHeader(bytes), bytes]);
}

/**
 * Verifies a stored replica and returns its content (a view, not a copy).
 * Throws BlobCorruptError when the header, the length or the checksum does not match.
 */
export function decodeBlob(stored: Buffer, blobId: string, node: string): Buffer {
  const fail = (reason: string) => new BlobCorruptError(blobId, node, { cause: new Error(reason) });
  if (stored.length < BLOB_HEADER_SIZE) throw fail('shorter than the header');
  if (stored.readUInt32BE(0) !== MAGIC) throw fail('bad magic');
  if (stored.readUInt8(4) !== FORMAT_VERSION || stored.readUInt8(5) !== ALGORITHM_SHA256) {
    throw fail('unknown format version or checksum algorithm');
  }
  const length = stored.readBigUInt64BE(8);
  if (length !== BigInt(stored.length - BLOB_HEADER_SIZE)) throw fail('length mismatch');
  const content = stored.subarray(BLOB_HEADER_SIZE);
  const digest = createHash('sha256').update(content).digest();
  if (!digest.equals(stored.subarray(16, BLOB_HEADER_SIZE))) throw fail('checksum mismatch');
  return content;
}

/** Content size of a stored replica whose file (header included) is `storedSize` bytes. */
export function contentSize(storedSize: number): number {
  return Math.max(0, storedSize - BLOB_HEADER_SIZE);
}
