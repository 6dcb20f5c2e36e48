import type { FaultEngine, FaultOutcome } from '../faults/engine.js';
import { InjectedFault } from '../faults/injected-fault.js';
import type { InjectionPoint } from '../faults/rule.js';
import { drainBlobSource } from '../storage/blob-source.js';
import {
  BlobMissingError,
  type BlobRange,
  type BlobSource,
  type DamageableNode,
  NodeFullError,
  type StorageNode,
  StorageNodeUnavailableError,
} from '../storage/ports.js';
import { faultAt, firingsAt, settle, type TerminalFault } from './fault-point.js';

/**
 * The disk faults of one storage node (`node.read|write|delete`): I/O errors and latency, the node
 * going down, partial writes and stale replicas (a write acknowledged but not stored), corruption
 * of the stored bytes (then detected by the node's own checksum) and a full disk. `corrupt` damages
 * the replica's bytes where they are stored: at `node.read` just before that read (which then fails
 * its checksum and the read fails over), at `node.write` just after the write, which is
 * acknowledged: bit rot of a stored replica, found by a later read or the scrub.
 */
export function withNodeFaults(node: DamageableNode, engine: FaultEngine): StorageNode {
  const at = (point: InjectionPoint, size?: number) =>
    faultAt(engine, {
      service: 'storage-node',
      point,
      node: node.id,
      ...(size === undefined ? {} : { size }),
    });

  // What a read (buffered or streamed: `read`) does once a rule at node.read fired.
  const faultedRead = async <T>(blobId: string, outcome: FaultOutcome, read: () => Promise<T>) => {
    const hit = await settle(outcome, 'node.read');
    if (!hit) return read();
    failIfDown(node.id, hit);
    const { fault, origin } = hit;
    switch (fault.type) {
      case 'stale_replica':
        throw new BlobMissingError(blobId, node.id, { cause: new InjectedFault(origin, fault) });
      case 'corrupt':
        await node.damage(blobId, fault.mode);
        return read();
      default:
        return read();
    }
  };

  // A write, buffered or streamed: `size` bytes stored by `write`, or taken and dropped by `drop`.
  const faultedWrite = async (
    blobId: string,
    size: number,
    write: () => Promise<void>,
    drop: () => Promise<void>,
  ): Promise<void> => {
    const hit = await at('node.write', size);
    if (!hit) return write();
    failIfDown(node.id, hit);
    const { fault } = hit;
    switch (fault.type) {
      case 'partial_write':
      case 'stale_replica':
        // Acknowledged, not stored: this replica stays missing until a repair finds it.
        return drop();
      case 'capacity': {
        const used = (await node.health()).bytes ?? 0;
        if (used + size > fault.maxBytes) {
          hit.pending?.confirm();
          throw new NodeFullError(node.id, { cause: new InjectedFault(hit.origin, fault) });
        }
        // The write still fits: no effect, so no firing, and `times` is not spent.
        hit.pending?.withdraw();
        return write();
      }
      case 'corrupt':
        await write();
        return node.damage(blobId, fault.mode);
      default:
        return write();
    }
  };

  return {
    id: node.id,
    put(blobId, bytes) {
      return faultedWrite(
        blobId,
        bytes.length,
        () => node.put(blobId, bytes),
        async () => undefined,
      );
    },
    putStream(blobId: string, source: BlobSource) {
      return faultedWrite(
        blobId,
        source.size,
        () => node.putStream(blobId, source),
        () => drainBlobSource(source),
      );
    },
    get(blobId) {
      // Every GET reads a replica: when nothing fires, no await is added to it.
      const outcome = firingsAt(engine, { service: 'storage-node', point: 'node.read', node: node.id });
      return outcome === undefined ? node.get(blobId) : faultedRead(blobId, outcome, () => node.get(blobId));
    },
    getStream(blobId: string, range?: BlobRange) {
      const outcome = firingsAt(engine, { service: 'storage-node', point: 'node.read', node: node.id });
      const read = () => node.getStream(blobId, range);
      return outcome === undefined ? read() : faultedRead(blobId, outcome, read);
    },
    async delete(blobId) {
      const hit = await at('node.delete');
      if (!hit) return node.delete(blobId);
      failIfDown(node.id, hit);
      return node.delete(blobId);
    },
    stat: (blobId) => node.stat(blobId),
    list: () => node.list(),
    health: () => node.health(),
    ...(node.sweepTempFiles === undefined
      ? {}
      : { sweepTempFiles: (olderThan: Date) => node.sweepTempFiles!(olderThan) }),
  };
}

/** Errnos of a disk with no room left, which the fs node reports as the node being full. */
const FULL_DISK_ERRNOS = new Set(['ENOSPC', 'EDQUOT']);

/**
 * The faults every disk operation can meet: an I/O error (a full disk's errno reads as a real full
 * disk does: the node is full), or the node not answering at all.
 */
function failIfDown(nodeId: string, hit: TerminalFault): void {
  const { fault, origin } = hit;
  if (fault.type === 'io_error' && FULL_DISK_ERRNOS.has(fault.errno)) {
    throw new NodeFullError(nodeId, { cause: new InjectedFault(origin, fault) });
  }
  if (fault.type === 'io_error') throw new InjectedFault(origin, fault);
  if (fault.type === 'node_down') {
    throw new StorageNodeUnavailableError(nodeId, { cause: new InjectedFault(origin, fault) });
  }
}
