import type { FaultEngine, FaultOutcome } from '../faults/engine.js';
import { InjectedFault, s3ErrorFor } from '../faults/injected-fault.js';
import type { Discovery } from '../storage/discovery.js';
import type { BlobPlacement, BlobStore } from '../storage/ports.js';
import { faultAt, firingsAt, settle, type TerminalFault } from './fault-point.js';

/**
 * The storage service's points (`storage.put.before|after`, `storage.get`, `storage.delete`):
 * S3 errors and partial replication (k of R replicas kept: the write is still acknowledged). The
 * consistency faults act at `http.server` only: the version a read serves is chosen from metadata
 * before any blob is read.
 */
export function withStorageFaults(blobs: BlobStore, engine: FaultEngine, discovery: Discovery): BlobStore {
  const raise = (hit: TerminalFault): never => {
    throw s3ErrorFor(hit.origin, hit.fault) ?? new InjectedFault(hit.origin, hit.fault);
  };

  // What a read does once a rule at storage.get fired.
  const faultedGet = async <T>(outcome: FaultOutcome, read: () => Promise<T>) => {
    const hit = await settle(outcome, 'storage.get');
    if (hit) raise(hit);
    return read();
  };

  // A write, buffered or streamed, of `size` bytes that `write` stores on R replicas.
  const faultedPut = async (
    blobId: string,
    size: number,
    write: () => Promise<BlobPlacement>,
  ): Promise<BlobPlacement> => {
    const before = await faultAt(engine, { service: 'storage', point: 'storage.put.before', size });
    if (before && before.fault.type !== 'partial_write') raise(before);
    const placement = await write();
    const after = await faultAt(engine, { service: 'storage', point: 'storage.put.after', size });
    const partial = before ?? after;
    if (partial?.fault.type === 'partial_write') {
      // Replicas beyond the first `written` are removed again: acknowledged with fewer than R.
      const extra = placement.nodes.slice(Math.max(0, partial.fault.written));
      const nodes = discovery.nodes().filter((node) => extra.includes(node.id));
      await Promise.all(nodes.map((node) => node.delete(blobId)));
      return { ...placement, nodes: placement.nodes.slice(0, partial.fault.written) };
    }
    if (after) raise(after);
    return placement;
  };

  return {
    ...blobs,
    put: (blobId, bytes) => faultedPut(blobId, bytes.length, () => blobs.put(blobId, bytes)),
    putStream: (blobId, source) => faultedPut(blobId, source.size, () => blobs.putStream(blobId, source)),
    get(blobId) {
      // Every GET reads a blob: when nothing fires here, no extra await.
      const outcome = firingsAt(engine, { service: 'storage', point: 'storage.get' });
      return outcome === undefined ? blobs.get(blobId) : faultedGet(outcome, () => blobs.get(blobId));
    },
    getStream(blobId, range) {
      const outcome = firingsAt(engine, { service: 'storage', point: 'storage.get' });
      const read = () => blobs.getStream(blobId, range);
      return outcome === undefined ? read() : faultedGet(outcome, read);
    },
    async delete(blobId) {
      const hit = await faultAt(engine, { service: 'storage', point: 'storage.delete' });
      if (hit) raise(hit);
      return blobs.delete(blobId);
    },
    repair: (blobId, options) => blobs.repair(blobId, options),
    listAll: () => blobs.listAll(),
    nodes: () => blobs.nodes(),
    sweepTempFiles: (olderThan) => blobs.sweepTempFiles(olderThan),
  };
}
