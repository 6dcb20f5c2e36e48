import {
  close as closeFd,
  closeSync,
  fdatasync as fdatasyncFd,
  constants as fsConstants,
  fstat as fstatFd,
  fsync as fsyncFd,
  ftruncate as ftruncateFd,
  ftruncateSync,
  futimes as futimesFd,
  futimesSync,
  mkdirSync,
  open as openFd,
  openSync,
  readdirSync,
  read as readFd,
  renameSync,
  rmSync,
  statSync,
  writeSync,
  writev as writevFd,
} from 'node:fs';
import {
  access,
  constants,
  mkdir,
  readdir,
  readFile,
  rename,
  rm,
  stat,
  truncate,
  unlink,
  utimes,
  writeFile,
} from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { promisify } from 'node:util';
import type { Clock } from '../../runtime/clock.js';
import {
  BLOB_HEADER_SIZE,
  contentSize,
  createBlobEncoder,
  damageReplica,
  decodeBlob,
  encodeBlobPrefix,
  headerContentLength,
  isBlockedSize,
  planDamage,
  readBlobLayout,
} from '../blob-format.js';
import { assertBlobId, isValidBlobId } from '../blob-id.js';
import { openBlobStream } from '../blob-reader.js';
import { readBlobSource } from '../blob-source.js';
import {
  BlobCorruptError,
  type BlobListing,
  BlobMissingError,
  type BlobRange,
  type BlobSource,
  BlobSourceSizeError,
  type BlobStat,
  type DamageableNode,
  type DamageMode,
  NodeFullError,
  type NodeHealth,
  StorageNodeUnavailableError,
} from '../ports.js';

export interface FsNodeOptions {
  id: string;
  /** The node's own directory; created when missing. */
  dir: string;
  /** When given, each replica's mtime (its `storedAt`) is set from it, so tests control orphan ages. */
  clock?: Clock;
  /**
   * Make the file and its directory entry durable before a put resolves (default true: the
   * storage-node worker; embedded mode passes STORAGE_FSYNC, see Config), so an acknowledged write
   * survives a power loss: a new file is written with O_DSYNC (fsync where the platform lacks it),
   * a spare is rewritten and fdatasynced, and the shard directory is fsynced after the rename.
   * Measured here, 16 concurrent 1 KiB puts x 2 replicas: O_DSYNC writes roughly doubled the rate
   * of write + fsync. Off, a put resolves once its bytes are in the page cache: a killed process
   * loses nothing, a power loss may.
   */
  fsync?: boolean;
  /**
   * Temp files older than this at open are leftovers of a crashed write and are removed; later
   * ones go in `sweepTempFiles` (the reconcile pass). Default 10 minutes.
   */
  staleTempMs?: number;
}

/** A node on a local directory: its replicas can be damaged, and its temp files swept. */
export interface FsNode extends DamageableNode {
  sweepTempFiles(olderThan: Date): Promise<number>;
}

/**
 * A read first asks for this many bytes (one more than a small replica can hold) into a reused
 * scratch buffer, so a small replica costs two thread-pool round trips (open, read; the close is
 * not waited for) and no fstat. Reads are asynchronous whatever the size: a replica that is not in
 * the page cache would otherwise hold the event loop for a disk access.
 */
const FIRST_READ_BYTES = 64 * 1024 + 1;
/** Scratch buffers kept for first reads: as many as reads commonly in flight at once. */
const MAX_SCRATCH_BUFFERS = 32;

/**
 * A streamed write collects the source's chunks up to this many bytes and writes them with one
 * `writev`: a socket delivers 16-64 KiB chunks, and a thread-pool hand-off per chunk would cost more
 * than the copy it saves. Memory per streamed write stays about this much.
 */
const STREAM_WRITE_BATCH_BYTES = 512 * 1024;

/**
 * Deleted replicas up to this size (header included) are kept as spare files, up to MAX_SPARES per
 * node, and a later small put rewrites one instead of creating a file: PostgreSQL recycles its WAL
 * segments for the same reason. Creating a file means allocating an inode, and how long that takes
 * depends on the filesystem's state: on this project's VMs 5-20 µs in some directories and 400-600
 * µs in others (/tmp among them), against ~10 µs to reopen and rewrite an existing file. An
 * overwrite-heavy workload (a PUT replacing a key frees the old version's replicas) then allocates
 * no inodes at all. A spare's rewrite runs synchronously (open, write, rename: a few µs each for a
 * small file in the page cache); only the flushes that wait for the device go to the thread pool,
 * whose every hand-off costs the event loop 10-45 µs here. Measured under PUT 1 KiB load
 * (2026-11-28, alternating 6 s runs): server CPU per PUT ~2,950 -> ~1,350 µs, and with the shared
 * directory fsync (one per ~3.8 replicas, `strace -c`) ~1,235 -> ~1,290-1,410 PUT/s.
 */
const SPARE_MAX_BYTES = 64 * 1024;
const MAX_SPARES = 256;

/** A deleted replica's file kept for reuse, and its size then. */
interface Spare {
  path: string;
  size: number;
}

/** A leftover temp file may still belong to a live writer in another process sharing the directory. */
const DEFAULT_STALE_TEMP_MS = 10 * 60_000;

/**
 * A storage node backed by one directory: `<dir>/blobs/<first 2 chars>/<blobId>`, each file a
 * header (and, above 1 MiB, a block table: blob-format.ts) then the bytes; written to `<dir>/tmp/` and renamed into place,
 * so a reader never sees a half-written replica at its final path.
 */
export function createFsNode(options: FsNodeOptions): FsNode {
  const { id, dir, clock } = options;
  const durable = options.fsync ?? true;
  const blobsDir = join(dir, 'blobs');
  const tmpDir = join(dir, 'tmp');
  mkdirSync(blobsDir, { recursive: true });
  mkdirSync(tmpDir, { recursive: true });
  removeStaleTempFiles(
    tmpDir,
    (clock?.now() ?? new Date()).getTime() - (options.staleTempMs ?? DEFAULT_STALE_TEMP_MS),
  );

  const knownShards = new Set<string>();
  /** Deleted small replicas in the temp directory, ready to be rewritten (see SPARE_MAX_BYTES). */
  const spares: Spare[] = [];
  /** Directory fsyncs not started yet, by shard directory (see syncShardDirectory). */
  const pendingShardSyncs = new Map<string, Promise<void>>();
  /** Temp files of the puts in progress: never swept, however long a write takes. */
  const writing = new Set<string>();
  let tempSequence = 0;

  // Concatenated, not join()ed: blob ids are validated and this runs on every read.
  const blobPath = (blobId: string) => `${blobsDir}/${blobId.slice(0, 2)}/${blobId}`;

  async function ensureShard(blobId: string): Promise<string> {
    const shard = join(blobsDir, blobId.slice(0, 2));
    if (!knownShards.has(shard)) {
      await mkdir(shard, { recursive: true });
      knownShards.add(shard);
    }
    return shard;
  }

  async function put(blobId: string, bytes: Buffer): Promise<void> {
    assertBlobId(blobId);
    const spare = bytes.length + BLOB_HEADER_SIZE <= SPARE_MAX_BYTES ? spares.pop() : undefined;
    if (spare !== undefined) return putIntoSpare(spare, blobId, bytes);
    if (!durable && bytes.length + BLOB_HEADER_SIZE <= SPARE_MAX_BYTES) return putNewSync(blobId, bytes);
    const shard = await ensureShard(blobId);
    const tempPath = join(tmpDir, `${blobId}.${process.pid}.${++tempSequence}.tmp`);
    writing.add(tempPath);
    try {
      await writeReplica(tempPath, shard, blobId, bytes);
    } finally {
      writing.delete(tempPath);
    }
  }

  /** Writes a new replica file at `tempPath` and renames it into `shard`. */
  async function writeReplica(tempPath: string, shard: string, blobId: string, bytes: Buffer): Promise<void> {
    // With O_DSYNC each write returns once its bytes (and the file size) are on stable storage, as
    // write + fdatasync would: one thread-pool round trip fewer than a separate fsync per replica.
    const fd = await openFile(tempPath, durable && O_DSYNC_FLAGS !== undefined ? O_DSYNC_FLAGS : 'w');
    let closed: Promise<void> | undefined;
    try {
      await writeAll(fd, [encodeBlobPrefix(bytes), bytes]);
      if (clock) {
        const now = clock.now();
        await setTimes(fd, now, now);
      }
      if (durable && O_DSYNC_FLAGS === undefined) await syncFile(fd);
      await renameIntoShard(tempPath, shard, blobId);
      // The bytes are durable and in place; closing need not delay the directory sync.
      closed = closeFile(fd);
      // The rename is only durable once the directory entry is on disk too.
      if (durable) await syncShardDirectory(shard);
    } catch (error) {
      await (closed ?? closeFile(fd)).catch(() => undefined);
      await rm(tempPath, { force: true });
      throw error;
    }
    await closed;
  }

  /**
   * A small replica written over a spare file (see SPARE_MAX_BYTES) and renamed into place
   * synchronously; then its bytes (fdatasync) and its directory entry (fsync, shared with the other
   * renames of this turn into the same shard) are made durable on the thread pool, at once. The put
   * resolves only when both are on disk, as on the path above.
   */
  async function putIntoSpare(spare: Spare, blobId: string, bytes: Buffer): Promise<void> {
    const shard = ensureShardSync(blobId);
    // Written over in place, not truncated first: the file keeps its blocks, so a rewrite of the
    // same size allocates and frees nothing. Had the spare gone (another process's stale-file
    // sweep), O_CREAT makes it afresh.
    const fd = openSync(spare.path, fsConstants.O_WRONLY | fsConstants.O_CREAT);
    let renamed = false;
    try {
      const size = writeAllSync(fd, [encodeBlobPrefix(bytes), bytes]);
      if (spare.size > size) ftruncateSync(fd, size);
      if (clock) {
        const now = clock.now();
        futimesSync(fd, now, now);
      }
      renameIntoShardSync(spare.path, shard, blobId);
      renamed = true;
      // Until both flushes complete the put is not acknowledged and no metadata names the blob: a
      // crash in between leaves at worst a torn, unreferenced file that its checksum exposes and
      // the reconcile pass removes. So the two run at once, and the directory's is shared.
      if (durable) await Promise.all([syncData(fd), syncShardDirectory(shard)]);
    } finally {
      closeSync(fd);
      if (!renamed) rmSync(spare.path, { force: true });
    }
  }

  /**
   * A small new replica on a node that does not flush, written and renamed synchronously as a
   * spare's rewrite is. Off the loop, each of the four steps (open, write, rename, close) costs a
   * thread-pool hand-off, and the pool's threads allocate inodes concurrently in the same
   * directory, where they contend in the kernel (16 files in flight on the pool: 125-345 µs of CPU per
   * file against 45-60 µs one at a time). Measured under PUT 1 KiB of new keys in alternating rounds
   * (bench/profile/distinct-keys.ts --only put --compare, 2026-12-07, load 12-15): server CPU per
   * PUT 1,417 -> 1,031 µs (median of 4 rounds), ops/s 481 -> 514. A durable node keeps the
   * thread pool: its flushes wait for the device.
   */
  function putNewSync(blobId: string, bytes: Buffer): void {
    const shard = ensureShardSync(blobId);
    const tempPath = join(tmpDir, `${blobId}.${process.pid}.${++tempSequence}.tmp`);
    const fd = openSync(tempPath, 'w');
    let renamed = false;
    try {
      writeAllSync(fd, [encodeBlobPrefix(bytes), bytes]);
      if (clock) {
        const now = clock.now();
        futimesSync(fd, now, now);
      }
      renameIntoShardSync(tempPath, shard, blobId);
      renamed = true;
    } finally {
      closeSync(fd);
      if (!renamed) rmSync(tempPath, { force: true });
    }
  }

  /**
   * An fsync of `shard` that starts at the end of this turn, shared by every rename into it made
   * before it starts: blob ids minted in one turn share their shard (newBlobId), so the replicas of
   * PUTs that arrive together need one directory flush, not one each.
   */
  function syncShardDirectory(shard: string): Promise<void> {
    let pending = pendingShardSyncs.get(shard);
    if (!pending) {
      pending = new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
        pendingShardSyncs.delete(shard);
        return syncDirectory(shard);
      });
      pendingShardSyncs.set(shard, pending);
    }
    return pending;
  }

  function ensureShardSync(blobId: string): string {
    const shard = join(blobsDir, blobId.slice(0, 2));
    if (!knownShards.has(shard)) {
      mkdirSync(shard, { recursive: true });
      knownShards.add(shard);
    }
    return shard;
  }

  function renameIntoShardSync(tempPath: string, shard: string, blobId: string): void {
    try {
      renameSync(tempPath, join(shard, blobId));
    } catch (error) {
      if (!isNotFound(error)) throw error;
      // The shard directory vanished under us (a wiped disk in a drill): recreate it once.
      knownShards.delete(shard);
      ensureShardSync(blobId);
      renameSync(tempPath, join(shard, blobId));
    }
  }

  async function renameIntoShard(tempPath: string, shard: string, blobId: string): Promise<void> {
    try {
      await rename(tempPath, join(shard, blobId));
    } catch (error) {
      if (!isNotFound(error)) throw error;
      // The shard directory vanished under us (a wiped disk in a drill): recreate it once.
      knownShards.delete(shard);
      await ensureShard(blobId);
      await rename(tempPath, join(shard, blobId));
    }
  }

  async function get(blobId: string): Promise<Buffer> {
    assertBlobId(blobId);
    let stored: Buffer;
    try {
      stored = await readReplica(blobPath(blobId));
    } catch (error) {
      if (isNotFound(error)) throw new BlobMissingError(blobId, id, { cause: error });
      throw error;
    }
    return decodeBlob(stored, blobId, id);
  }

  /** Scratch buffers of FIRST_READ_BYTES not in use by a read. */
  const scratchBuffers: Buffer[] = [];

  /** The whole replica file, read asynchronously (see FIRST_READ_BYTES). */
  async function readReplica(path: string): Promise<Buffer> {
    const fd = await openFile(path, 'r');
    try {
      const scratch = scratchBuffers.pop() ?? Buffer.allocUnsafe(FIRST_READ_BYTES);
      try {
        const { bytesRead } = await readAt(fd, scratch, 0, FIRST_READ_BYTES, 0);
        // A regular file reads short only at its end: this is all of it. Copied out, so the
        // scratch buffer serves the next read and the caller holds only the replica's bytes.
        if (bytesRead < FIRST_READ_BYTES) return Buffer.from(scratch.subarray(0, bytesRead));
      } finally {
        if (scratchBuffers.length < MAX_SCRATCH_BUFFERS) scratchBuffers.push(scratch);
      }
      const { size } = await fstatFile(fd);
      const stored = Buffer.allocUnsafe(size);
      let length = 0;
      while (length < size) {
        const { bytesRead } = await readAt(fd, stored, length, size - length, length);
        if (bytesRead === 0) break;
        length += bytesRead;
      }
      return stored.subarray(0, length);
    } finally {
      closeFile(fd).catch(() => undefined);
    }
  }

  /**
   * Writes a blob of `source.size` bytes as they arrive: into a temp file at the content's offset,
   * checksums computed on the way, the header (and block table) written last at offset 0, then
   * flushed (when durable) and renamed into place. Backpressure: the next chunk is read only once
   * the last batch is written. A source that fails or ends short or long leaves no file.
   */
  async function putStream(blobId: string, source: BlobSource): Promise<void> {
    assertBlobId(blobId);
    // Small blobs take the buffered path: one write, and the spare files it may reuse.
    if (source.size + BLOB_HEADER_SIZE <= SPARE_MAX_BYTES) {
      const bytes = await readBlobSource(source);
      await source.verify?.(encodeBlobPrefix(bytes));
      return put(blobId, bytes);
    }
    const shard = await ensureShard(blobId);
    const tempPath = join(tmpDir, `${blobId}.${process.pid}.${++tempSequence}.tmp`);
    writing.add(tempPath);
    let fd: number | undefined;
    let closed: Promise<void> | undefined;
    try {
      fd = await openFile(tempPath, 'w');
      const encoder = createBlobEncoder(source.size);
      let position = encoder.prefixSize;
      let batch: Buffer[] = [];
      let batchBytes = 0;
      let received = 0;
      for await (const chunk of source.stream) {
        const bytes = chunk as Buffer;
        received += bytes.length;
        if (received > source.size) throw new BlobSourceSizeError(source.size, received);
        encoder.update(bytes);
        batch.push(bytes);
        batchBytes += bytes.length;
        if (batchBytes >= STREAM_WRITE_BATCH_BYTES) {
          await writeAllAt(fd, batch, position);
          position += batchBytes;
          batch = [];
          batchBytes = 0;
        }
      }
      if (received < source.size) throw new BlobSourceSizeError(source.size, received);
      await writeAllAt(fd, batch, position);
      const prefix = encoder.finish();
      await source.verify?.(prefix);
      await writeAllAt(fd, [prefix], 0);
      if (clock) {
        const now = clock.now();
        await setTimes(fd, now, now);
      }
      if (durable) await syncData(fd);
      await renameIntoShard(tempPath, shard, blobId);
      closed = closeFile(fd);
      if (durable) await syncShardDirectory(shard);
    } catch (error) {
      if (fd !== undefined) await (closed ?? closeFile(fd)).catch(() => undefined);
      await rm(tempPath, { force: true });
      throw error;
    } finally {
      writing.delete(tempPath);
    }
    await closed;
  }

  /** Opens the replica for a verified stream of its content (see StorageNode.getStream). */
  async function getStream(blobId: string, range?: BlobRange): Promise<Readable> {
    assertBlobId(blobId);
    let fd: number;
    try {
      fd = await openFile(blobPath(blobId), 'r');
    } catch (error) {
      if (isNotFound(error)) throw new BlobMissingError(blobId, id, { cause: error });
      throw error;
    }
    let size: number;
    try {
      size = (await fstatFile(fd)).size;
    } catch (error) {
      await closeFile(fd).catch(() => undefined);
      throw error;
    }
    return openBlobStream(
      {
        size,
        async read(position, length) {
          const buffer = Buffer.allocUnsafe(length);
          let filled = 0;
          while (filled < length) {
            const { bytesRead } = await readAt(fd, buffer, filled, length - filled, position + filled);
            if (bytesRead === 0) break;
            filled += bytesRead;
          }
          return buffer.subarray(0, filled);
        },
        close: () => closeFile(fd),
      },
      blobId,
      id,
      range,
    );
  }

  /** The content size of a replica file of `storedSize` bytes (a large one's from its header). */
  async function contentSizeOf(path: string, storedSize: number): Promise<number> {
    if (!isBlockedSize(storedSize)) return contentSize(storedSize);
    const fd = await openFile(path, 'r');
    try {
      const head = Buffer.alloc(16);
      const { bytesRead } = await readAt(fd, head, 0, 16, 0);
      return bytesRead === 16 ? headerContentLength(head) : contentSize(storedSize);
    } finally {
      await closeFile(fd);
    }
  }

  async function remove(blobId: string): Promise<void> {
    assertBlobId(blobId);
    const path = blobPath(blobId);
    try {
      const info = statSync(path, { throwIfNoEntry: false });
      if (info === undefined) return;
      if (info.size <= SPARE_MAX_BYTES && spares.length < MAX_SPARES) {
        // Out of the blob directory at once, as an unlink would be; its inode serves a later put.
        const spare = `${tmpDir}/spare.${process.pid}.${++tempSequence}.tmp`;
        renameSync(path, spare);
        spares.push({ path: spare, size: info.size });
      } else {
        await unlink(path);
      }
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  }

  /**
   * Removes the temp files older than `olderThan` that no put in progress owns and that are not
   * this node's spares: what writes killed with their process left behind. Returns how many.
   */
  async function sweepTempFiles(olderThan: Date): Promise<number> {
    let removed = 0;
    for (const name of await readdirOrEmpty(tmpDir)) {
      const path = join(tmpDir, name);
      let modified: number;
      try {
        modified = (await stat(path)).mtimeMs;
      } catch {
        continue; // Renamed into place or removed meanwhile.
      }
      // Checked after the stat's await, then removed in the same turn: no put or delete can claim
      // the file in between.
      if (
        modified >= olderThan.getTime() ||
        writing.has(path) ||
        spares.some((spare) => spare.path === path)
      ) {
        continue;
      }
      rmSync(path, { force: true });
      removed += 1;
    }
    return removed;
  }

  /**
   * Bit rot (the `corrupt` fault): the replica's file is damaged where it lies, not replaced, and
   * keeps its times, so only a read that checks the checksum can tell.
   */
  async function damage(blobId: string, mode: DamageMode): Promise<void> {
    assertBlobId(blobId);
    const path = blobPath(blobId);
    try {
      const info = await stat(path);
      if (isBlockedSize(info.size)) await damageInPlace(blobId, path, mode);
      else {
        const stored = await readFile(path);
        const damaged = damageReplica(stored, mode);
        if (damaged.length < stored.length) await truncate(path, damaged.length);
        else await writeFile(path, damaged, { flag: 'r+' });
      }
      await utimes(path, info.atime, info.mtime);
    } catch (error) {
      if (isNotFound(error)) throw new BlobMissingError(blobId, id, { cause: error });
      throw error;
    }
  }

  /**
   * Damages a large replica where it lies, reading and writing only the bytes `mode` touches (see
   * `planDamage`), so a fault on a 1 GiB replica does not load it. A replica already damaged (its
   * header, table or the block the damage lands in fails its check) is left as it is, as
   * `damageReplica` does: a second bit flip would heal the first.
   */
  async function damageInPlace(blobId: string, path: string, mode: DamageMode): Promise<void> {
    const fd = await openFile(path, 'r+');
    try {
      const head = Buffer.alloc(BLOB_HEADER_SIZE);
      await readAt(fd, head, 0, BLOB_HEADER_SIZE, 0);
      let plan: ReturnType<typeof planDamage>;
      try {
        const layout = readBlobLayout(head, (await fstatFile(fd)).size, blobId, id);
        plan = planDamage(layout.prefixSize, layout.length, mode);
        // Every mode lands in the middle block: when it verifies, the replica is intact there.
        const middle = Math.floor(layout.length / 2);
        await drain(await getStream(blobId, { start: middle, end: middle }));
      } catch (error) {
        if (error instanceof BlobCorruptError) return;
        throw error;
      }
      if (plan.kind === 'truncate') return await truncateFile(fd, plan.size);
      if (plan.kind === 'flip') return await flipByte(fd, plan.at);
      const range = Buffer.alloc(plan.end - plan.at);
      await readAt(fd, range, 0, range.length, plan.at);
      if (range.some((byte) => byte !== 0)) await writeAllAt(fd, [Buffer.alloc(range.length)], plan.at);
      else await flipByte(fd, plan.checksumAt);
    } finally {
      await closeFile(fd);
    }
  }

  async function statBlob(blobId: string): Promise<BlobStat | undefined> {
    assertBlobId(blobId);
    // Asynchronous: an inode that is not cached is a disk read, which must not hold the event loop.
    try {
      const info = await stat(blobPath(blobId));
      return { size: await contentSizeOf(blobPath(blobId), info.size), storedAt: info.mtime };
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  async function* list(): AsyncIterable<BlobListing> {
    for (const shard of await readdir(blobsDir, { withFileTypes: true })) {
      if (!shard.isDirectory()) continue;
      const shardDir = join(blobsDir, shard.name);
      for (const entry of await readdirOrEmpty(shardDir)) {
        if (!isValidBlobId(entry) || entry.slice(0, 2) !== shard.name) continue;
        try {
          const path = join(shardDir, entry);
          const info = await stat(path);
          yield { blobId: entry, size: await contentSizeOf(path, info.size), storedAt: info.mtime };
        } catch (error) {
          // Deleted between readdir and stat: simply no longer held.
          if (!isNotFound(error)) throw error;
        }
      }
    }
  }

  async function health(): Promise<NodeHealth> {
    try {
      await access(blobsDir, constants.W_OK);
      await access(tmpDir, constants.W_OK);
      let blobs = 0;
      let bytes = 0;
      for await (const entry of list()) {
        blobs += 1;
        bytes += entry.size;
      }
      return { id, healthy: true, blobs, bytes };
    } catch {
      return { id, healthy: false };
    }
  }

  return {
    id,
    put: (blobId, bytes) => wrapUnavailable(id, put(blobId, bytes)),
    get,
    putStream: (blobId, source) => wrapUnavailable(id, putStream(blobId, source)),
    getStream,
    delete: remove,
    stat: statBlob,
    list,
    health,
    damage,
    sweepTempFiles,
  };
}

/** Errors of a filesystem with no room left: the disk (ENOSPC) or the user's quota (EDQUOT). */
const FULL_DISK_CODES = new Set(['ENOSPC', 'EDQUOT']);

/**
 * A put that fails for lack of the node directory itself reads as the node being unavailable; one
 * that fails for lack of space, as the node being full (the write goes to another node, and with
 * none left the client sees 507 StorageFull, as for the `capacity` fault).
 */
async function wrapUnavailable<T>(node: string, work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    if (isNotFound(error)) throw new StorageNodeUnavailableError(node, { cause: error });
    if (FULL_DISK_CODES.has((error as NodeJS.ErrnoException | undefined)?.code ?? '')) {
      throw new NodeFullError(node, { cause: error });
    }
    throw error;
  }
}

/*
 * The write path of large replicas uses plain file descriptors through the callback API: per call
 * this costs less than `fs/promises` FileHandle objects (their creation, close bookkeeping and
 * finalization), and such a write makes five of them.
 */
const openFile = promisify(openFd);
/** Open flags of a durable replica write, where the platform has O_DSYNC (Linux, macOS). */
const O_DSYNC_FLAGS =
  fsConstants.O_DSYNC === undefined
    ? undefined
    : fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_TRUNC | fsConstants.O_DSYNC;
const closeFile = promisify(closeFd);
const syncFile = promisify(fsyncFd);
const setTimes = promisify(futimesFd);
const writevAsync = promisify(writevFd);
const readAt = promisify(readFd);
const fstatFile = promisify(fstatFd);
const truncateFile = promisify(ftruncateFd);

/** Reads a stream to its end, keeping nothing; rejects with its error. */
async function drain(stream: Readable): Promise<void> {
  for await (const _ of stream) {
    // Only the verification matters.
  }
}

/** Flips the lowest bit of the byte at `position` (bit rot of one bit). */
async function flipByte(fd: number, position: number): Promise<void> {
  const byte = Buffer.alloc(1);
  await readAt(fd, byte, 0, 1, position);
  byte[0] = byte[0]! ^ 0x01;
  await writeAllAt(fd, [byte], position);
}

/** Writes every buffer from `position` on, continuing after a short write. */
async function writeAllAt(fd: number, buffers: Buffer[], position: number): Promise<void> {
  let pending = buffers.filter((buffer) => buffer.length > 0);
  let at = position;
  while (pending.length > 0) {
    let written = (await writevAsync(fd, pending, at)).bytesWritten;
    at += written;
    const rest: Buffer[] = [];
    for (const buffer of pending) {
      if (written >= buffer.length) written -= buffer.length;
      else {
        rest.push(buffer.subarray(written));
        written = 0;
      }
    }
    pending = rest;
  }
}

/** Writes every buffer, continuing after a short write. */
async function writeAll(fd: number, buffers: Buffer[]): Promise<void> {
  let pending = buffers.filter((buffer) => buffer.length > 0);
  while (pending.length > 0) {
    let written = (await writevAsync(fd, pending)).bytesWritten;
    const rest: Buffer[] = [];
    for (const buffer of pending) {
      if (written >= buffer.length) written -= buffer.length;
      else {
        rest.push(buffer.subarray(written));
        written = 0;
      }
    }
    pending = rest;
  }
}

/** Writes every buffer synchronously from offset 0, continuing after a short write; returns the size. */
function writeAllSync(fd: number, buffers: Buffer[]): number {
  let position = 0;
  for (const buffer of buffers) {
    for (let written = 0; written < buffer.length; ) {
      const count = writeSync(fd, buffer, written, buffer.length - written, position);
      written += count;
      position += count;
    }
  }
  return position;
}

/** fdatasync where the platform has it (Linux): the bytes and the size, not the timestamps. */
const syncData = promisify(fdatasyncFd);

/** fsync of a directory whose descriptor is opened and closed synchronously: one pool hand-off. */
async function syncDirectory(path: string): Promise<void> {
  const fd = openSync(path, 'r');
  try {
    await syncFile(fd);
  } finally {
    closeSync(fd);
  }
}

async function readdirOrEmpty(path: string): Promise<string[]> {
  try {
    return await readdir(path);
  } catch (error) {
    if (isNotFound(error)) return [];
    throw error;
  }
}

function removeStaleTempFiles(tmpDir: string, olderThanMs: number): void {
  for (const name of readdirSync(tmpDir)) {
    const path = join(tmpDir, name);
    try {
      if (statSync(path).mtimeMs < olderThanMs) rmSync(path, { force: true });
    } catch {
      // Gone already (another process cleaned it): nothing to do.
    }
  }
}

function isNotFound(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
}
