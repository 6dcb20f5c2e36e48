import { type Clock, systemClock } from '../../runtime/clock.js';
import {
  contentSize,
  damageReplica,
  decodeBlob,
  encodeBlob,
  headerContentLength,
  isBlockedSize,
} from '../blob-format.js';
import { assertBlobId } from '../blob-id.js';
import { bufferAccess, openBlobStream } from '../blob-reader.js';
import { readBlobSource } from '../blob-source.js';
import {
  type BlobListing,
  BlobMissingError,
  type BlobStat,
  type DamageableNode,
  type NodeHealth,
  StorageNodeUnavailableError,
} from '../ports.js';

/** An in-memory node for unit tests, with the two faults tests need most. */
export interface MemoryNode extends DamageableNode {
  /** Flips one bit of the stored replica, so the next `get` fails its checksum. */
  corrupt(blobId: string): void;
  /** A node that is down throws StorageNodeUnavailableError on every call and reports unhealthy. */
  setDown(down: boolean): void;
}

/**
 * A storage node held in a Map. Replicas are stored in the same header + bytes layout as on disk,
 * so corruption is detected by the same checksum code as the fs node.
 */
export function createMemoryNode(id: string, clock: Clock = systemClock): MemoryNode {
  const replicas = new Map<string, { stored: Buffer; storedAt: Date }>();
  let down = false;

  const ensureUp = () => {
    if (down) throw new StorageNodeUnavailableError(id);
  };

  return {
    id,
    async put(blobId, bytes) {
      ensureUp();
      assertBlobId(blobId);
      replicas.set(blobId, { stored: encodeBlob(bytes), storedAt: clock.now() });
    },
    async putStream(blobId, source) {
      ensureUp();
      assertBlobId(blobId);
      const bytes = await readBlobSource(source);
      const stored = encodeBlob(bytes);
      await source.verify?.(stored.subarray(0, stored.length - bytes.length));
      ensureUp();
      replicas.set(blobId, { stored, storedAt: clock.now() });
    },
    async getStream(blobId, range) {
      ensureUp();
      assertBlobId(blobId);
      const replica = replicas.get(blobId);
      if (!replica) throw new BlobMissingError(blobId, id);
      // Verified block by block as it streams, as from a disk (copies: the replica stays as stored).
      return openBlobStream(bufferAccess(replica.stored), blobId, id, range);
    },
    async get(blobId) {
      ensureUp();
      assertBlobId(blobId);
      const replica = replicas.get(blobId);
      if (!replica) throw new BlobMissingError(blobId, id);
      // A copy, so a caller that mutates the buffer cannot change the stored replica.
      return Buffer.from(decodeBlob(replica.stored, blobId, id));
    },
    async delete(blobId) {
      ensureUp();
      assertBlobId(blobId);
      replicas.delete(blobId);
    },
    async stat(blobId): Promise<BlobStat | undefined> {
      ensureUp();
      assertBlobId(blobId);
      const replica = replicas.get(blobId);
      return replica && { size: storedContentSize(replica.stored), storedAt: replica.storedAt };
    },
    async *list(): AsyncIterable<BlobListing> {
      ensureUp();
      for (const [blobId, replica] of [...replicas]) {
        yield { blobId, size: storedContentSize(replica.stored), storedAt: replica.storedAt };
      }
    },
    async health(): Promise<NodeHealth> {
      if (down) return { id, healthy: false };
      let bytes = 0;
      for (const replica of replicas.values()) bytes += storedContentSize(replica.stored);
      return { id, healthy: true, blobs: replicas.size, bytes };
    },
    async damage(blobId, mode) {
      ensureUp();
      assertBlobId(blobId);
      const replica = replicas.get(blobId);
      if (!replica) throw new BlobMissingError(blobId, id);
      replica.stored = damageReplica(replica.stored, mode);
    },
    corrupt(blobId) {
      const replica = replicas.get(blobId);
      if (!replica) throw new BlobMissingError(blobId, id);
      replica.stored = damageReplica(replica.stored, 'bitflip');
    },
    setDown(value) {
      down = value;
    },
  };
}

/** Content bytes of a stored replica (a large one's from its header; a damaged one's may be off). */
function storedContentSize(stored: Buffer): number {
  return isBlockedSize(stored.length) ? headerContentLength(stored) : contentSize(stored.length);
}
