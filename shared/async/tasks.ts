import type { MetadataStore } from '../metadata/ports.js';
import type { Delivery, TaskHandler } from '../queue/ports.js';
import type { BlobStore } from '../storage/ports.js';
import type { Logger } from '../telemetry/logger.js';
import { chunks, mapWithConcurrency } from './concurrency.js';

export interface TaskRunnerDeps {
  blobs: BlobStore;
  metadata: MetadataStore;
  logger: Logger;
  /** Blobs worked on at once within one task (a multipart object can have 10,000). */
  concurrency?: number;
  /**
   * How long a reference look-up waits for look-ups of other tasks to share its query (ms).
   * Default 5: tasks run after the response, so a few ms cost nobody, and under load one query then
   * serves many tasks instead of each queueing its own behind the metadata connection.
   */
  lookupGatherMs?: number;
}

/** Blob ids per `referencedBlobs` call, so one look-up stays one short query. */
export const REFERENCE_BATCH = 500;

/** Raised when some blobs of a delete task could not be removed from any node; the queue redelivers. */
export class StorageDeleteIncompleteError extends Error {
  override readonly name = 'StorageDeleteIncompleteError';
  constructor(readonly blobIds: string[]) {
    super(
      `no storage node confirmed the delete of ${blobIds.length} blob(s): ${blobIds.slice(0, 5).join(', ')}`,
    );
  }
}

/**
 * The async service's handler for queued tasks. Every task is idempotent: a duplicate or late
 * delivery leaves the state as one delivery would, because both tasks re-check metadata first and
 * repair/delete converge instead of accumulating.
 */
export function createTaskRunner(deps: TaskRunnerDeps): TaskHandler {
  const { blobs, metadata } = deps;
  const concurrency = deps.concurrency ?? 8;

  const lookUp = createReferenceLookup(metadata, { gatherMs: deps.lookupGatherMs ?? 5 });

  async function referenced(blobIds: readonly string[]): Promise<Set<string>> {
    const found = new Set<string>();
    const batches = await Promise.all(chunks([...new Set(blobIds)], REFERENCE_BATCH).map(lookUp));
    for (const batch of batches) for (const id of batch) found.add(id);
    return found;
  }

  /**
   * Checks that R nodes hold each blob of the committed object and repairs those that fall short.
   * The writers verified the replicas moments ago, so presence is checked by stat alone; reading
   * every replica back (a scrub) is the periodic reconcile pass's job.
   */
  async function uploadCompleted(delivery: Delivery, bucket: string, key: string, blobIds: string[]) {
    const logger = deps.logger.child({ task: 'upload_completed', deliveryId: delivery.id, bucket, key });
    const checks = await mapWithConcurrency([...new Set(blobIds)], concurrency, (id) =>
      blobs.repair(id, { statOnly: true }),
    );
    const short = checks.filter((check) => check.underReplicated).map((check) => check.blobId);
    if (short.length === 0) {
      logger.debug('upload verified', { blobs: checks.length });
      return;
    }
    const live = await referenced(short);
    // A blob no longer referenced belongs to an object replaced or deleted since: repairing it
    // would only recreate an orphan that delete_from_storage has just removed.
    const toRepair = short.filter((id) => live.has(id));
    const repairs = await mapWithConcurrency(toRepair, concurrency, (id) => blobs.repair(id));
    for (const repair of repairs) {
      if (repair.lost) {
        // Logged, not thrown: redelivery cannot bring back bytes that no node holds.
        logger.error('blob lost: no good replica on any node', { blobId: repair.blobId });
      } else if (repair.repaired.length > 0) {
        logger.info('replicas repaired', {
          blobId: repair.blobId,
          healthy: repair.healthy,
          repaired: repair.repaired,
        });
      }
    }
    logger.debug('upload verified', { blobs: checks.length, repaired: toRepair.length });
  }

  /** Removes blobs no longer referenced; a referenced blob is never deleted, whatever the task says. */
  async function deleteFromStorage(delivery: Delivery, blobIds: string[]) {
    const logger = deps.logger.child({ task: 'delete_from_storage', deliveryId: delivery.id });
    const live = await referenced(blobIds);
    if (live.size > 0) logger.warn('kept blobs still referenced by metadata', { blobIds: [...live] });
    const doomed = [...new Set(blobIds)].filter((id) => !live.has(id));
    const deletions = await mapWithConcurrency(doomed, concurrency, (id) => blobs.delete(id));
    const unconfirmed: string[] = [];
    for (const deletion of deletions) {
      // Nodes that failed keep a replica for the reconcile pass to collect as an orphan.
      if (deletion.confirmed.length === 0) unconfirmed.push(deletion.blobId);
      else if (deletion.failed.length > 0) {
        logger.warn('blob deleted on some nodes only', { blobId: deletion.blobId, failed: deletion.failed });
      }
    }
    if (unconfirmed.length > 0) throw new StorageDeleteIncompleteError(unconfirmed);
    logger.debug('blobs deleted', { blobs: doomed.length });
  }

  return async function runTask(delivery: Delivery): Promise<void> {
    const { task } = delivery;
    switch (task.type) {
      case 'upload_completed':
        return uploadCompleted(delivery, task.bucket, task.key, task.blobIds);
      case 'delete_from_storage':
        return deleteFromStorage(delivery, task.blobIds);
      default: {
        const unknown: never = task;
        throw new Error(`unknown task type ${JSON.stringify((unknown as { type?: unknown }).type)}`);
      }
    }
  };
}

/**
 * `referencedBlobs` with coalescing: batches asked for while a look-up runs (or within `gatherMs` of
 * the first one) are merged (up to REFERENCE_BATCH ids) into one query, so concurrent tasks share one query instead of queueing
 * one each behind the single metadata connection. Every merged look-up starts after each of its
 * callers asked, so none sees older metadata than a look-up of its own would have.
 */
export function createReferenceLookup(
  metadata: Pick<MetadataStore, 'referencedBlobs'>,
  options: { gatherMs?: number } = {},
): (blobIds: string[]) => Promise<Set<string>> {
  const gatherMs = options.gatherMs ?? 0;
  interface Waiter {
    blobIds: string[];
    resolve: (found: Set<string>) => void;
    reject: (error: unknown) => void;
  }
  const waiting: Waiter[] = [];
  let running = false;

  async function runNext(): Promise<void> {
    running = true;
    while (waiting.length > 0) {
      const group: Waiter[] = [];
      const ids = new Set<string>();
      while (waiting.length > 0) {
        const next = waiting[0]!;
        const merged = new Set([...ids, ...next.blobIds]);
        if (group.length > 0 && merged.size > REFERENCE_BATCH) break;
        waiting.shift();
        group.push(next);
        for (const id of next.blobIds) ids.add(id);
      }
      try {
        const found = await metadata.referencedBlobs([...ids]);
        for (const waiter of group) {
          waiter.resolve(new Set(waiter.blobIds.filter((id) => found.has(id))));
        }
      } catch (error) {
        for (const waiter of group) waiter.reject(error);
      }
    }
    running = false;
  }

  return (blobIds) => {
    if (blobIds.length === 0) return Promise.resolve(new Set<string>());
    return new Promise<Set<string>>((resolve, reject) => {
      waiting.push({ blobIds, resolve, reject });
      if (running) return;
      running = true;
      if (gatherMs > 0) setTimeout(() => void runNext(), gatherMs);
      else void runNext();
    });
  };
}
