import type { StorageNode } from './ports.js';

/**
 * Reads the whole replica of `blobId` on `node` through its verified stream and keeps nothing:
 * resolves when every block passed its checksum, rejects with BlobMissingError, BlobCorruptError
 * or the node's failure. Memory stays at about one block, so a scrub of a large blob is cheap in
 * memory, and the reads are asynchronous: a scrub never holds the event loop.
 */
export async function verifyReplica(node: StorageNode, blobId: string): Promise<void> {
  const stream = await node.getStream(blobId);
  for await (const _ of stream) {
    // Each block is checked before the stream hands it out; nothing more to do with it.
  }
}
