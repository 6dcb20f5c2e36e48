import type { ObjectRecord, PartRecord, Segment } from '../metadata/ports.js';
import type { S3Services } from '../runtime/runtime.js';
import { rememberReplaced } from './consistency.js';

/**
 * Writes bytes as a new blob on R replicas and returns its segment. Nothing is visible yet: the
 * caller commits metadata next, and on failure calls `discardBlobs`.
 */
export async function writeBlob(services: S3Services, bytes: Buffer): Promise<Segment> {
  const blobId = services.newId();
  await services.blobs.put(blobId, bytes);
  return { blobId, size: bytes.length };
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
    if (options.discardOnFailure)
      await discardBlobs(
        services,
        object.segments.map((segment) => segment.blobId),
      );
    throw error;
  }
  rememberReplaced(outcome.replaced);
  await publish(services, {
    type: 'upload_completed',
    bucket: object.bucket,
    key: object.key,
    blobIds: object.segments.map((segment) => segment.blobId),
  });
  const obsolete = [
    ...(outcome.replaced?.segments.map((segment) => segment.blobId) ?? []),
    ...(outcome.unusedParts?.map((part) => part.blobId) ?? []),
  ];
  if (obsolete.length > 0) await publish(services, { type: 'delete_from_storage', blobIds: obsolete });
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
