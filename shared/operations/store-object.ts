import type {
  ChecksumAlgorithm,
  ObjectRecord,
  PartRecord,
  Segment,
  StoredChecksum,
} from '../metadata/ports.js';
import type { S3Services } from '../runtime/runtime.js';
import { checksumBase64 } from '../s3/checksums.js';
import { S3Error } from '../s3/errors.js';
import { readUploadBody } from '../s3/upload-body.js';
import { openUploadStream } from '../s3/upload-stream.js';
import { type BlobSource, InsufficientNodesError, NodeFullError } from '../storage/ports.js';
import { rememberReplaced } from './consistency.js';

/**
 * Writes bytes as a new blob on R replicas and returns its segment. Nothing is visible yet: the
 * caller commits metadata next, and on failure calls `discardBlobs`.
 */
export async function writeBlob(services: S3Services, bytes: Buffer): Promise<Segment> {
  const blobId = services.newId();
  try {
    await services.blobs.put(blobId, bytes);
  } catch (error) {
    throw storageWriteError(error);
  }
  return { blobId, size: bytes.length };
}

/** An upload body written as a blob and verified: its segment, ETag (hex MD5) and checksum. */
export interface StoredUpload {
  segment: Segment;
  md5Hex: string;
  checksum?: StoredChecksum;
}

export interface UploadLimits {
  /** Larger payloads get EntityTooLarge (before any byte is written when streamed). */
  maxSize: number;
  /** A checksum to compute when the client sent none (an upload's algorithm, for its parts). */
  alsoCompute?: ChecksumAlgorithm;
}

/**
 * Decodes, verifies and writes the body of a PutObject or UploadPart as a new blob. A buffer goes
 * through `readUploadBody` and `blobs.put`; a stream (a large body in embedded mode) is decoded
 * and hashed as `blobs.putStream` writes it, and the checks run before its last byte is accepted,
 * so a body that fails them leaves no blob. Nothing is visible until the caller commits metadata.
 */
export async function writeUpload(
  services: S3Services,
  headers: Record<string, string>,
  body: Buffer | BlobSource,
  limits: UploadLimits,
): Promise<StoredUpload> {
  if (Buffer.isBuffer(body)) {
    const upload = readUploadBody(headers, body);
    if (upload.body.length > limits.maxSize) throw new S3Error('EntityTooLarge');
    const checksum =
      upload.checksum ?? (limits.alsoCompute && computedChecksum(limits.alsoCompute, upload.body));
    return {
      segment: await writeBlob(services, upload.body),
      md5Hex: upload.md5Hex,
      ...(checksum && { checksum }),
    };
  }
  const upload = openUploadStream(headers, body, limits.alsoCompute);
  if (upload.source.size > limits.maxSize) {
    body.stream.destroy();
    throw new S3Error('EntityTooLarge');
  }
  const blobId = services.newId();
  try {
    await services.blobs.putStream(blobId, upload.source);
  } catch (error) {
    throw upload.failure() ?? storageWriteError(error);
  }
  const { md5Hex, checksum: given } = upload.verified();
  const checksum =
    given ??
    (limits.alsoCompute && {
      algorithm: limits.alsoCompute,
      value: upload.checksumOf(limits.alsoCompute),
      type: 'FULL_OBJECT' as const,
    });
  return { segment: { blobId, size: upload.source.size }, md5Hex, ...(checksum && { checksum }) };
}

function computedChecksum(algorithm: ChecksumAlgorithm, bytes: Buffer): StoredChecksum {
  return { algorithm, value: checksumBase64(algorithm, bytes), type: 'FULL_OBJECT' };
}

/**
 * Too few nodes took the write: 507 StorageFull when they were full (MinIO's non-AWS code), else a
 * retryable 503. Anything else (an injected S3 error) goes through as it is.
 */
export function storageWriteError(error: unknown): unknown {
  if (!(error instanceof InsufficientNodesError)) return error;
  const causes = error.cause instanceof AggregateError ? error.cause.errors : [];
  if (causes.length > 0 && causes.every((cause) => cause instanceof NodeFullError)) {
    return new S3Error('StorageFull', { cause: error });
  }
  return new S3Error('ServiceUnavailable', {
    message: 'Not enough storage nodes could take the write.',
    cause: error,
  });
}

/**
 * The commit step shared by PutObject, CopyObject and CompleteMultipartUpload: metadata commit,
 * then `upload_completed`, then `delete_from_storage` for what the new version replaced. If the
 * commit fails, the new blobs are removed so no orphan is left (the reconcile pass is the backstop).
 */
export async function commitObject(
  services: S3Services,
  object: ObjectRecord,
  commit: () => Promise<{ replaced: ObjectRecord | undefined; unusedParts?: PartRecord[] }>,
  options: { discardOnFailure: boolean } = { discardOnFailure: true },
): Promise<void> {
  let outcome: Awaited<ReturnType<typeof commit>>;
  try {
    outcome = await commit();
  } catch (error) {
    // A failed commit may still have happened (its acknowledgement was lost): discard the new
    // blobs only once metadata shows they are not the object's. When that cannot be read either,
    // they stay for the reconcile pass, which removes them only if nothing references them.
    if (options.discardOnFailure && (await notCommitted(services, object))) {
      await discardBlobs(
        services,
        object.segments.map((segment) => segment.blobId),
      );
    }
    throw error;
  }
  rememberReplaced(outcome.replaced);
  await publish(services, {
    type: 'upload_completed',
    bucket: object.bucket,
    key: object.key,
    blobIds: object.segments.map((segment) => segment.blobId),
  });
  const unused = outcome.unusedParts?.map((part) => part.blobId) ?? [];
  if (unused.length > 0) await publish(services, { type: 'delete_from_storage', blobIds: unused });
  await releaseReplaced(services, outcome.replaced?.segments.map((segment) => segment.blobId) ?? []);
}

/**
 * Removes the blobs of a version that was replaced or deleted: at once, or after
 * `replacedRetentionMs` while a rule may still serve that version (`stale_read`, `cache_stale`).
 */
export async function releaseReplaced(services: S3Services, blobIds: string[]): Promise<void> {
  if (blobIds.length === 0) return;
  const retentionMs = services.replacedRetentionMs?.() ?? 0;
  if (retentionMs === 0) return publish(services, { type: 'delete_from_storage', blobIds });
  // Kept for stale reads; if the process stops first, the reconcile pass collects them.
  setTimeout(() => void publish(services, { type: 'delete_from_storage', blobIds }), retentionMs).unref();
}

async function notCommitted(services: S3Services, object: ObjectRecord): Promise<boolean> {
  try {
    const current = await services.metadata.getObject(object.bucket, object.key);
    return current?.segments[0]?.blobId !== object.segments[0]?.blobId;
  } catch {
    return false;
  }
}

/** Removes blobs nothing references any more: through the queue, so deletes are retried. */
export async function releaseBlobs(services: S3Services, blobIds: string[]): Promise<void> {
  if (blobIds.length > 0) await publish(services, { type: 'delete_from_storage', blobIds });
}

/** Best effort, right now: the blobs of a write whose commit failed. */
export async function discardBlobs(services: S3Services, blobIds: string[]): Promise<void> {
  await Promise.all(
    blobIds.map((blobId) =>
      services.blobs.delete(blobId).catch((error: unknown) => {
        services.logger.warn('could not discard uncommitted blob; reconcile will collect it', {
          blob_id: blobId,
          error,
        });
      }),
    ),
  );
}

/**
 * The request has succeeded once metadata is committed: a task that cannot be published is logged,
 * not failed, because the periodic reconcile pass repairs replicas and collects orphans anyway.
 */
async function publish(
  services: S3Services,
  task: Parameters<S3Services['queue']['publish']>[0],
): Promise<void> {
  try {
    await services.queue.publish(task);
  } catch (error) {
    services.logger.warn('could not publish task; reconcile will heal', { task: task.type, error });
  }
}
