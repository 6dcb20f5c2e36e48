import { Readable } from 'node:stream';
import type { BlobSource } from '../../shared/storage/ports.js';

/** A source that sends `bytes` in chunks of `chunkSize`, announcing `size` (default: its length). */
export function sourceOf(bytes: Buffer, options: { chunkSize?: number; size?: number } = {}): BlobSource {
  const chunkSize = options.chunkSize ?? 64 * 1024;
  function* chunks() {
    for (let at = 0; at < bytes.length; at += chunkSize) yield bytes.subarray(at, at + chunkSize);
  }
  return { size: options.size ?? bytes.length, stream: Readable.from(chunks(), { objectMode: false }) };
}

/** A source of `size` bytes that sends `sent` of them, then fails with `error`. */
export function failingSource(size: number, sent: number, error: Error): BlobSource {
  async function* chunks() {
    yield Buffer.alloc(sent, 0x61);
    // A turn later, as a client whose connection breaks mid-body.
    await new Promise((resolve) => setImmediate(resolve));
    throw error;
  }
  return { size, stream: Readable.from(chunks(), { objectMode: false }) };
}

/** A source of `size` pseudo-random bytes made as they are read, so no copy of it is held. */
export function generatedSource(size: number, seed = 1, chunkSize = 256 * 1024): BlobSource {
  function* chunks() {
    let state = seed >>> 0;
    for (let at = 0; at < size; at += chunkSize) {
      const chunk = Buffer.allocUnsafe(Math.min(chunkSize, size - at));
      for (let i = 0; i + 4 <= chunk.length; i += 4) {
        state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
        chunk.writeUInt32LE(state, i);
      }
      for (let i = chunk.length - (chunk.length % 4); i < chunk.length; i += 1) chunk[i] = 0x5a;
      yield chunk;
    }
  }
  return { size, stream: Readable.from(chunks(), { objectMode: false }) };
}

/** Everything a stream emits, as one buffer. */
export async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
