import type { Readable } from 'node:stream';
import { type Logger, silentLogger } from '../telemetry/logger.js';
import { readBlobSource } from './blob-source.js';
import type { Discovery } from './discovery.js';
import { rankNodes } from './placement.js';
import {
  BlobCorruptError,
  type BlobDeletion,
  BlobMissingError,
  type BlobPlacement,
  type BlobRange,
  type BlobRepair,
  type BlobReplicaListing,
  type BlobSource,
  type BlobStat,
  type BlobStore,
  BlobUnavailableError,
  InsufficientNodesError,
  type NodeHealth,
  type RepairOptions,
  type StorageNode,
} from './ports.js';
import { createReplicaTee } from './replica-tee.js';
import { verifyReplica } from './verify-replica.js';

/**
 * Streamed writes up to this size are read whole and written with `put`: one write per replica,
 * retried on the next node like any put (the buffered path of small bodies).
 */
const BUFFERED_PUT_MAX_BYTES = 64 * 1024 - 48;

export interface ReplicatedBlobStoreOptions {
  discovery: Discovery;
  /**
   * R: replicas written per blob; a put resolves once R are stored. A function is read on every
   * put and repair, so a live setting (`storage.replicas`) applies to the next write at once.
   */
  replicas: number | (() => number);
  logger?: Logger;
}

/**
 * The storage service: blobs replicated on R of the live nodes, placed by rendezvous hashing.
 * Writes fail over to the next ranked node, reads fail over across every node, and `repair`
 * brings a blob back to R good replicas.
 */
export function createReplicatedBlobStore(options: ReplicatedBlobStoreOptions): BlobStore {
  const { discovery } = options;
  const logger = options.logger ?? silentLogger;
  const replicasSetting = options.replicas;
  /** R in force now. */
  function replicasNow(): number {
    const replicas = typeof replicasSetting === 'function' ? replicasSetting() : replicasSetting;
    if (!Number.isInteger(replicas) || replicas < 1)
      throw new RangeError(`replicas must be >= 1, got ${replicas}`);
    return replicas;
  }
  replicasNow();

  /** The live nodes, best first for this blob. */
  function ranked(blobId: string): StorageNode[] {
    const live = discovery.nodes();
    const byId = new Map(live.map((node) => [node.id, node]));
    return rankNodes(
      blobId,
      live.map((node) => node.id),
    ).map((id) => byId.get(id)!);
  }

  async function put(blobId: string, bytes: Buffer): Promise<BlobPlacement> {
    const replicas = replicasNow();
    const candidates = ranked(blobId);
    if (candidates.length < replicas) throw new InsufficientNodesError(replicas, candidates.length);
    let next = 0;
    const written: string[] = [];
    const failures: unknown[] = [];

    // R writers share one cursor over the ranked nodes: a writer whose node fails takes the next
    // untried node, so a dead node costs one extra write instead of failing the put.
    async function writer(): Promise<boolean> {
      while (next < candidates.length) {
        const node = candidates[next++]!;
        try {
          await node.put(blobId, bytes);
          written.push(node.id);
          return true;
        } catch (error) {
          failures.push(error);
          logger.warn('replica write failed, trying the next node', { blobId, node: node.id, error });
        }
      }
      return false;
    }

    const outcomes = await Promise.all(Array.from({ length: replicas }, writer));
    if (outcomes.every(Boolean)) {
      return { blobId, size: bytes.length, nodes: orderByRank(written, candidates) };
    }
    await removePartialReplicas(blobId, written, candidates);
    throw Object.assign(new InsufficientNodesError(replicas, written.length), {
      cause: new AggregateError(failures, `replica writes of ${blobId} failed`),
    });
  }

  async function removePartialReplicas(blobId: string, written: string[], candidates: StorageNode[]) {
    const holders = candidates.filter((node) => written.includes(node.id));
    const results = await Promise.allSettled(holders.map((node) => node.delete(blobId)));
    results.forEach((result, i) => {
      if (result.status === 'rejected') {
        // Left for the reconcile pass, which collects unreferenced blobs.
        logger.warn('could not remove a partial replica', {
          blobId,
          node: holders[i]!.id,
          error: result.reason,
        });
      }
    });
  }

  async function get(blobId: string): Promise<Buffer> {
    const failures: unknown[] = [];
    // Every live node, not only the first R: after a failover or a topology change the replica
    // may sit further down the ranking. With a good first replica this is exactly one read.
    for (const node of ranked(blobId)) {
      try {
        return await node.get(blobId);
      } catch (error) {
        failures.push(error);
        if (!(error instanceof BlobMissingError)) {
          logger.warn('replica read failed, failing over', { blobId, node: node.id, error });
        }
      }
    }
    throw new BlobUnavailableError(blobId, {
      cause: new AggregateError(failures, `no good replica of ${blobId}`),
    });
  }

  async function remove(blobId: string): Promise<BlobDeletion> {
    const nodes = ranked(blobId);
    const results = await Promise.allSettled(nodes.map((node) => node.delete(blobId)));
    const confirmed: string[] = [];
    const failed: string[] = [];
    results.forEach((result, i) => {
      const node = nodes[i]!.id;
      if (result.status === 'fulfilled') confirmed.push(node);
      else {
        failed.push(node);
        logger.warn('replica delete failed', { blobId, node, error: result.reason });
      }
    });
    return { blobId, confirmed, failed };
  }

  /**
   * Stats the R best-ranked nodes, where a put places the replicas; only when one of them lacks
   * the blob are the others asked (after a failover the replica sits further down).
   */
  async function countHolders(blobId: string): Promise<BlobRepair> {
    const replicas = replicasNow();
    const nodes = ranked(blobId);
    const first = nodes.slice(0, replicas);
    const firstStats = await Promise.allSettled(first.map((node) => node.stat(blobId)));
    const held = (result: PromiseSettledResult<unknown>) =>
      result.status === 'fulfilled' && result.value !== undefined;
    let holders = first.filter((_, i) => held(firstStats[i]!));
    if (holders.length < replicas && nodes.length > replicas) {
      const rest = nodes.slice(replicas);
      const restStats = await Promise.allSettled(rest.map((node) => node.stat(blobId)));
      holders = [...holders, ...rest.filter((_, i) => held(restStats[i]!))];
    }
    return {
      blobId,
      healthy: holders.map((node) => node.id),
      repaired: [],
      lost: holders.length === 0,
      underReplicated: holders.length < replicas,
    };
  }

  async function repair(blobId: string, repairOptions: RepairOptions = {}): Promise<BlobRepair> {
    if (repairOptions.statOnly) return countHolders(blobId);
    const replicas = replicasNow();
    const nodes = ranked(blobId);
    const stats = await Promise.allSettled(nodes.map((node) => node.stat(blobId)));
    const reachable = nodes.filter((_, i) => stats[i]!.status === 'fulfilled');
    const holders = nodes.filter((_, i) => {
      const result = stats[i]!;
      return result.status === 'fulfilled' && result.value !== undefined;
    });
    const good: StorageNode[] = [];
    const corrupt: StorageNode[] = [];
    /** The first verified holder: the replicas written by this repair are streamed from it. */
    let origin: { node: StorageNode; size: number } | undefined;
    for (const node of holders) {
      if (origin && !repairOptions.scrub) {
        // One verified copy is enough to repair from; the other holders are trusted on their stat.
        good.push(node);
        continue;
      }
      try {
        // Streamed, one block at a time: a scrub of a large blob holds no copy of it.
        await verifyReplica(node, blobId);
        const stat = stats[nodes.indexOf(node)] as PromiseFulfilledResult<BlobStat>;
        origin ??= { node, size: stat.value.size };
        good.push(node);
      } catch (error) {
        if (error instanceof BlobCorruptError) corrupt.push(node);
        else if (!(error instanceof BlobMissingError)) {
          logger.warn('replica unreadable during repair', { blobId, node: node.id, error });
        }
      }
    }
    const healthy = good.map((node) => node.id);
    if (!origin) return { blobId, healthy, repaired: [], lost: true };
    const from = origin;

    // Corrupt replicas are always overwritten; then the best-ranked reachable nodes without a good
    // copy receive one until R good copies exist.
    const repaired: string[] = [];
    let goodCount = good.length;
    const copyTo = async (node: StorageNode) => {
      try {
        await node.putStream(blobId, { size: from.size, stream: await from.node.getStream(blobId) });
        repaired.push(node.id);
        return true;
      } catch (error) {
        logger.warn('repair write failed', { blobId, node: node.id, error });
        return false;
      }
    };
    for (const node of corrupt) {
      if (await copyTo(node)) goodCount += 1;
    }
    for (const node of reachable) {
      if (goodCount >= replicas) break;
      if (good.includes(node) || corrupt.includes(node)) continue;
      if (await copyTo(node)) goodCount += 1;
    }
    if (repaired.length > 0) logger.info('blob repaired', { blobId, healthy, repaired });
    if (goodCount < replicas) {
      logger.warn('blob remains under-replicated', { blobId, replicas, good: goodCount });
    }
    return { blobId, healthy, repaired: orderByRank(repaired, nodes), lost: false };
  }

  async function* listAll(): AsyncIterable<BlobReplicaListing> {
    for (const node of discovery.nodes()) {
      try {
        for await (const entry of node.list()) yield { ...entry, node: node.id };
      } catch (error) {
        // An unreachable node is listed on a later pass; its blobs are neither lost nor orphaned.
        logger.warn('could not list a storage node', { node: node.id, error });
      }
    }
  }

  async function nodes(): Promise<NodeHealth[]> {
    const live = discovery.nodes();
    return Promise.all(
      live.map((node) => node.health().catch((): NodeHealth => ({ id: node.id, healthy: false }))),
    );
  }

  async function sweepTempFiles(olderThan: Date): Promise<number> {
    const swept = await Promise.all(
      discovery.nodes().map((node) =>
        (node.sweepTempFiles?.(olderThan) ?? Promise.resolve(0)).catch((error: unknown) => {
          logger.warn('could not sweep the temp files of a storage node', { node: node.id, error });
          return 0;
        }),
      ),
    );
    return swept.reduce((sum, count) => sum + count, 0);
  }

  /**
   * R writers as in `put`, each fed by a branch of one tee of the source (replica-tee.ts). A node
   * that fails before the first byte is read is replaced by the next ranked node; after it, any
   * failure fails the put, as the bytes passed cannot be sent again. Small blobs take `put`.
   */
  async function putStream(blobId: string, source: BlobSource): Promise<BlobPlacement> {
    if (source.size <= BUFFERED_PUT_MAX_BYTES) return put(blobId, await readBlobSource(source));
    const replicas = replicasNow();
    const candidates = ranked(blobId);
    if (candidates.length < replicas) throw new InsufficientNodesError(replicas, candidates.length);
    const tee = createReplicaTee(source, replicas);
    let next = 0;
    const written: string[] = [];
    const failures: unknown[] = [];

    async function writer(): Promise<boolean> {
      while (next < candidates.length && tee.sourceFailure === undefined) {
        const node = candidates[next++]!;
        const branch = tee.branch();
        try {
          await node.putStream(blobId, branch);
          written.push(node.id);
          return true;
        } catch (error) {
          failures.push(error);
          if (tee.started) {
            tee.abort(new Error(`replica write of ${blobId} to ${node.id} failed`, { cause: error }));
            return false;
          }
          tee.drop(branch);
          logger.warn('replica write failed, trying the next node', { blobId, node: node.id, error });
        }
      }
      // Out of nodes: the writers still waiting for the first byte would wait forever.
      tee.abort(new InsufficientNodesError(replicas, written.length));
      return false;
    }

    const outcomes = await Promise.all(Array.from({ length: replicas }, writer));
    if (outcomes.every(Boolean)) {
      return { blobId, size: source.size, nodes: orderByRank(written, candidates) };
    }
    await removePartialReplicas(blobId, written, candidates);
    if (tee.sourceFailure) throw tee.sourceFailure;
    throw Object.assign(new InsufficientNodesError(replicas, written.length), {
      cause: new AggregateError(failures, `replica writes of ${blobId} failed`),
    });
  }

  /** Opens the first replica that opens (verified up to its first block), failing over as `get`. */
  async function getStream(blobId: string, range?: BlobRange): Promise<Readable> {
    const failures: unknown[] = [];
    for (const node of ranked(blobId)) {
      try {
        return await node.getStream(blobId, range);
      } catch (error) {
        // A range outside the content is the caller's, not the replica's: every node would say so.
        if (error instanceof RangeError) throw error;
        failures.push(error);
        if (!(error instanceof BlobMissingError)) {
          logger.warn('replica open failed, failing over', { blobId, node: node.id, error });
        }
      }
    }
    throw new BlobUnavailableError(blobId, {
      cause: new AggregateError(failures, `no good replica of ${blobId}`),
    });
  }

  return { put, get, putStream, getStream, delete: remove, repair, listAll, nodes, sweepTempFiles };
}

function orderByRank(ids: string[], ranked: readonly StorageNode[]): string[] {
  return ranked.filter((node) => ids.includes(node.id)).map((node) => node.id);
}
