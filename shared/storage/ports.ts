import type { Readable } from 'node:stream';

/**
 * Ports of the storage service. Object bytes live as immutable blobs, addressed by a random blob id
 * (never by the object key, so a key can never become a file path), replicated on R of N nodes.
 */

/**
 * Bytes that arrive as the client sends them: exactly `size` bytes from `stream` (S3 always knows
 * the length up front). A write that reads fewer or more bytes fails with BlobSourceSizeError.
 */
export interface BlobSource {
  readonly size: number;
  readonly stream: Readable;
  /**
   * Called by the node that stores the source once its last byte is in and before the blob becomes
   * visible, with the header (and block table) the node computed (blob-format.ts): it rejects, and
   * the write then stores nothing, when those are not the checksums of the bytes as they were sent.
   * The storage-node worker passes one that compares with the prefix its caller sent after the
   * content, so what travelled the network is checked before it is committed.
   */
  readonly verify?: (prefix: Buffer) => Promise<void>;
}

/** Inclusive byte range of a blob's content, as HTTP ranges are: `0 <= start <= end < size`. */
export interface BlobRange {
  readonly start: number;
  readonly end: number;
}

/** One replica holder: a storage node (a directory in embedded mode, a worker process in stack mode). */
export interface StorageNode {
  readonly id: string;
  /**
   * Writes the blob (temp file + rename) with its checksum, flushed to the disk when the node is
   * configured to (`STORAGE_FSYNC`). Overwrites an existing one.
   */
  put(blobId: string, bytes: Buffer): Promise<void>;
  /** Reads and verifies the blob; throws BlobMissingError or BlobCorruptError. */
  get(blobId: string): Promise<Buffer>;
  /**
   * Writes the blob as its bytes arrive; nothing is visible until the last byte is in and verified
   * (temp file + rename). Rejects, leaving nothing behind, when the source errors or ends short or
   * long (BlobSourceSizeError).
   */
  putStream(blobId: string, source: BlobSource): Promise<void>;
  /**
   * Opens a replica for reading: rejects with BlobMissingError (or BlobCorruptError when the header
   * or first block is bad) before any byte is handed out. The stream verifies what it emits and
   * errors with BlobCorruptError when a later block does not match. `range` reads only the blocks
   * it needs; a range outside the content rejects with RangeError.
   */
  getStream(blobId: string, range?: BlobRange): Promise<Readable>;
  /** Removes the blob; removing a missing blob succeeds. */
  delete(blobId: string): Promise<void>;
  /** Size and write time of a stored blob, or undefined when absent. */
  stat(blobId: string): Promise<BlobStat | undefined>;
  /** Every blob this node holds, with its size and write time (for reconcile and orphan collection). */
  list(): AsyncIterable<BlobListing>;
  health(): Promise<NodeHealth>;
  /**
   * Removes the temp files of writes that died (older than `olderThan`, owned by no write in
   * progress) and returns how many. Absent where there are none to find here: the memory node has
   * no temp files, and a storage-node worker sweeps its own disk.
   */
  sweepTempFiles?(olderThan: Date): Promise<number>;
}

/** How a stored replica is damaged by the `corrupt` fault (blob-format.ts `damageReplica`). */
export type DamageMode = 'bitflip' | 'zero' | 'truncate';

/**
 * A node whose stored replicas the `corrupt` fault can damage in place, below their checksum, as
 * bit rot would: the local nodes (a directory, or memory in tests). The storage-node worker damages
 * its own directory, so the HTTP node of stack mode needs no such method.
 */
export interface DamageableNode extends StorageNode {
  /** Damages the stored replica of `blobId` in `mode`; throws BlobMissingError when there is none. */
  damage(blobId: string, mode: DamageMode): Promise<void>;
}

export interface BlobStat {
  size: number;
  storedAt: Date;
}

/** One entry of a node's listing. */
export interface BlobListing extends BlobStat {
  blobId: string;
}

/** One replica found by `BlobStore.listAll`: the blob, the node holding it, and when it was written. */
export interface BlobReplicaListing extends BlobListing {
  node: string;
}

/** How hard `BlobStore.repair` looks at the replicas it finds. */
export interface RepairOptions {
  /**
   * Read and verify every replica (a scrub), not only the first good one. Replicas found corrupt
   * are overwritten. Costs one full read per replica; the periodic reconcile pass scrubs.
   */
  scrub?: boolean;
  /**
   * Only count the holders by stat (no read, no write) and report `underReplicated`. Used right
   * after an upload commits, when the R replicas were just written and verified by their writers:
   * a repair is then only worth its reads when a replica is already missing.
   */
  statOnly?: boolean;
}

export interface NodeHealth {
  id: string;
  healthy: boolean;
  blobs?: number;
  bytes?: number;
}

/** Where the replicas of a blob went. */
export interface BlobPlacement {
  blobId: string;
  size: number;
  nodes: string[];
}

/** The outcome of removing a blob from every node that may hold it. */
export interface BlobDeletion {
  blobId: string;
  confirmed: string[];
  failed: string[];
}

/** The replication factor and the outcome of a repair pass for one blob. */
export interface BlobRepair {
  blobId: string;
  /** Nodes that held a good replica before the repair. */
  healthy: string[];
  /** Nodes that received a new replica. */
  repaired: string[];
  /** True when no good replica could be found anywhere. */
  lost: boolean;
  /** With `statOnly`: fewer than R nodes hold the blob, so a real repair is due. */
  underReplicated?: boolean;
}

/** The storage service as the S3 layer sees it. */
export interface BlobStore {
  /** Writes R replicas; resolves only once all R are stored (see `StorageNode.put`). */
  put(blobId: string, bytes: Buffer): Promise<BlobPlacement>;
  /** Reads a verified copy, failing over across replicas. */
  get(blobId: string): Promise<Buffer>;
  /**
   * R replicas written as the bytes arrive (the slowest replica paces the source: backpressure,
   * never unbounded buffering). Same failures as `put` (InsufficientNodesError, partial replicas
   * removed); a source that errors or ends short or long rejects with its error.
   */
  putStream(blobId: string, source: BlobSource): Promise<BlobPlacement>;
  /** Fails over across replicas until the first byte is handed out; after that an error ends the stream. */
  getStream(blobId: string, range?: BlobRange): Promise<Readable>;
  /** Removes every replica it can reach. */
  delete(blobId: string): Promise<BlobDeletion>;
  /** Brings the blob back to R good replicas. */
  repair(blobId: string, options?: RepairOptions): Promise<BlobRepair>;
  /**
   * Every replica found on any reachable node, with the time it was stored (for orphan
   * collection). A blob held by several nodes appears once per node; unreachable nodes are skipped.
   */
  listAll(): AsyncIterable<BlobReplicaListing>;
  nodes(): Promise<NodeHealth[]>;
  /** Sweeps the temp files older than `olderThan` on every node that has some; returns how many went. */
  sweepTempFiles(olderThan: Date): Promise<number>;
}

export class BlobMissingError extends Error {
  override readonly name = 'BlobMissingError';
  constructor(
    readonly blobId: string,
    readonly node: string,
    options?: ErrorOptions,
  ) {
    super(`blob ${blobId} is missing on ${node}`, options);
  }
}

export class BlobCorruptError extends Error {
  override readonly name = 'BlobCorruptError';
  constructor(
    readonly blobId: string,
    readonly node: string,
    options?: ErrorOptions,
  ) {
    super(`blob ${blobId} on ${node} failed its checksum`, options);
  }
}

/**
 * Raised when a blob source ends before or after its announced `size`: the write stores nothing
 * (a truncated upload, or a body longer than its Content-Length).
 */
export class BlobSourceSizeError extends Error {
  override readonly name = 'BlobSourceSizeError';
  constructor(
    readonly expected: number,
    readonly received: number,
  ) {
    super(
      `blob source announced ${expected} bytes, ${received > expected ? 'sent more' : `ended after ${received}`}`,
    );
  }
}

/** Raised by a node that cannot serve at all (process down, connection refused, node marked down). */
export class StorageNodeUnavailableError extends Error {
  override readonly name = 'StorageNodeUnavailableError';
  constructor(
    readonly node: string,
    options?: ErrorOptions,
  ) {
    super(`storage node ${node} is unavailable`, options);
  }
}

/**
 * Raised by a node that has no room for a write: its disk is full (ENOSPC, or EDQUOT for a quota)
 * or a `capacity` fault says so. When no node can take a write, the client sees 507 StorageFull.
 */
export class NodeFullError extends Error {
  override readonly name = 'NodeFullError';
  constructor(
    readonly node: string,
    options?: ErrorOptions,
  ) {
    super(`storage node ${node} is full`, options);
  }
}

/** Raised for a blob id that is not one we generate; nothing with such an id reaches a disk. */
export class InvalidBlobIdError extends Error {
  override readonly name = 'InvalidBlobIdError';
  constructor(readonly blobId: string) {
    super(`invalid blob id ${JSON.stringify(blobId.slice(0, 200))}`);
  }
}

/** Raised when a blob cannot be read from any replica. */
export class BlobUnavailableError extends Error {
  override readonly name = 'BlobUnavailableError';
  constructor(
    readonly blobId: string,
    options?: ErrorOptions,
  ) {
    super(`no good replica of blob ${blobId}`, options);
  }
}

/** Raised when fewer than R healthy nodes are available for a write. */
export class InsufficientNodesError extends Error {
  override readonly name = 'InsufficientNodesError';
  constructor(
    readonly wanted: number,
    readonly available: number,
  ) {
    super(`need ${wanted} healthy storage nodes, have ${available}`);
  }
}
