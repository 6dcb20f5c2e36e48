import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  BLOB_BLOCK_SIZE,
  BLOB_HEADER_SIZE,
  type BlobLayout,
  blockSpan,
  checkBlock,
  checkBlockTable,
  checkWholeContent,
  checkWholeDigest,
  readBlobLayout,
} from './blob-format.js';
import { rangeSlice } from './blob-source.js';
import type { BlobRange } from './ports.js';

/** Random access to one stored replica: a file descriptor, or a buffer in memory. */
export interface ReplicaAccess {
  /** Bytes of the stored replica, header included. */
  readonly size: number;
  /** Exactly `length` bytes from `position` (fewer only past the end). */
  read(position: number, length: number): Promise<Buffer>;
  /** Releases the replica; called once, whatever happened. */
  close(): Promise<void>;
}

/** Random access to a stored replica held in memory; reads are copies, so the replica stays as stored. */
export function bufferAccess(stored: Buffer): ReplicaAccess {
  return {
    size: stored.length,
    read: async (position, length) => Buffer.from(stored.subarray(position, position + length)),
    close: async () => undefined,
  };
}

/**
 * Opens a verified stream of the content (or its `range`) of the replica behind `access`. Rejects
 * with BlobCorruptError when the header, the block table or the first block read is bad, and with
 * RangeError for a range outside the content, before any byte is handed out; a later block that
 * fails its checksum ends the stream with BlobCorruptError. Memory stays at about one block: the
 * next block is read only when the consumer has taken the last. `access` is closed when the stream
 * ends or is destroyed, and when the opening rejects.
 */
export async function openBlobStream(
  access: ReplicaAccess,
  blobId: string,
  node: string,
  range?: BlobRange,
): Promise<Readable> {
  try {
    const head = await access.read(0, BLOB_HEADER_SIZE);
    const layout = readBlobLayout(head, access.size, blobId, node);
    const slice = rangeSlice(range, layout.length);
    if (layout.version === 2) return await openBlocks(access, head, layout, slice, blobId, node);
    if (layout.length <= BLOB_BLOCK_SIZE) {
      const content = await access.read(BLOB_HEADER_SIZE, layout.length);
      checkWholeContent(head, content, blobId, node);
      await access.close();
      const bytes = content.subarray(slice.start, slice.end);
      return Readable.from(bytes.length === 0 ? [] : [bytes], { objectMode: false });
    }
    return await openLegacyWhole(access, head, layout, slice, blobId, node);
  } catch (error) {
    await access.close().catch(() => undefined);
    throw error;
  }
}

async function openBlocks(
  access: ReplicaAccess,
  head: Buffer,
  layout: BlobLayout,
  slice: { start: number; end: number },
  blobId: string,
  node: string,
): Promise<Readable> {
  const table = await access.read(BLOB_HEADER_SIZE, layout.prefixSize - BLOB_HEADER_SIZE);
  const prefix = Buffer.concat([head, table]);
  checkBlockTable(prefix, layout, blobId, node);
  if (slice.end === slice.start) {
    await access.close();
    return Readable.from([], { objectMode: false });
  }
  const last = Math.floor((slice.end - 1) / layout.blockSize);
  let next = Math.floor(slice.start / layout.blockSize);

  /** Block `next`, verified, cut to the slice. */
  const readBlock = async (): Promise<Buffer> => {
    const index = next++;
    const { offset, length } = blockSpan(layout, index);
    const bytes = await access.read(layout.prefixSize + offset, length);
    checkBlock(prefix, index, bytes, blobId, node);
    return bytes.subarray(Math.max(0, slice.start - offset), Math.min(length, slice.end - offset));
  };
  const first = await readBlock();
  return streamOfBlocks(
    access,
    first,
    next > last ? undefined : async () => ({ bytes: await readBlock(), done: next > last }),
  );
}

/**
 * A version-1 replica larger than a block (written before version 2): its digest covers the whole
 * content, so it is read once to check it, then read again as it streams. Its file cannot change in
 * between: a replica is never written in place, and `access` holds the file open.
 */
async function openLegacyWhole(
  access: ReplicaAccess,
  head: Buffer,
  layout: BlobLayout,
  slice: { start: number; end: number },
  blobId: string,
  node: string,
): Promise<Readable> {
  const hash = createHash('sha256');
  for (let at = 0; at < layout.length; at += BLOB_BLOCK_SIZE) {
    hash.update(await access.read(BLOB_HEADER_SIZE + at, Math.min(BLOB_BLOCK_SIZE, layout.length - at)));
  }
  checkWholeDigest(head, hash.digest(), blobId, node);
  let at = slice.start;
  const readChunk = async () => {
    const bytes = await access.read(BLOB_HEADER_SIZE + at, Math.min(BLOB_BLOCK_SIZE, slice.end - at));
    at += bytes.length;
    return { bytes, done: at >= slice.end };
  };
  if (slice.end === slice.start) {
    await access.close();
    return Readable.from([], { objectMode: false });
  }
  const first = await readChunk();
  return streamOfBlocks(access, first.bytes, first.done ? undefined : readChunk);
}

/** A byte stream of `first`, then of what `more` reads until it says done; closes `access` at the end. */
function streamOfBlocks(
  access: ReplicaAccess,
  first: Buffer,
  more: (() => Promise<{ bytes: Buffer; done: boolean }>) | undefined,
): Readable {
  let pendingFirst: Buffer | undefined = first;
  let finished = more === undefined;
  return new Readable({
    read() {
      if (pendingFirst !== undefined) {
        const bytes = pendingFirst;
        pendingFirst = undefined;
        this.push(bytes);
        if (finished) this.push(null);
        return;
      }
      more!().then(
        ({ bytes, done }) => {
          finished = done;
          this.push(bytes);
          if (done) this.push(null);
        },
        (error: unknown) => this.destroy(error as Error),
      );
    },
    destroy(error, callback) {
      access.close().then(
        () => callback(error),
        () => callback(error),
      );
    },
  });
}
