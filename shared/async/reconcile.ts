import type { MetadataStore } from '../metadata/ports.js';
import type { Clock } from '../runtime/clock.js';
import type { BlobStore } from '../storage/ports.js';
import type { Logger } from '../telemetry/logger.js';
import { chunks, mapWithConcurrency } from './concurrency.js';
import { REFERENCE_BATCH } from './tasks.js';

export interface ReconcileDeps {
  blobs: BlobStore;
  metadata: MetadataStore;
  clock: Clock;
  /** Unreferenced blobs younger than this are left alone: their upload may still be committing. */
  orphanGraceMs: number;
  logger: Logger;
  /** Blobs repaired or deleted at once. */
  concurrency?: number;
}

export interface ReconcileReport {
  /** Distinct blob ids found on the reachable nodes. */
  blobsScanned: number;
  /** Unreferenced blobs past the grace period removed from at least one node. */
  orphansRemoved: number;
  /** Replicas written by repair. */
  replicasRepaired: number;
  /** Referenced blobs with no good replica anywhere. */
  lost: number;
}

/**
 * One reconcile pass: (a) collects orphans — blobs on the nodes that metadata does not reference
 * and whose newest replica is older than the grace period (failed commits, lost delete tasks);
 * (b) scrubs every referenced blob: reads and verifies each replica, rewrites corrupt ones and brings
 * the blob back to R replicas (upload_completed only checks presence). Safe to run at any time and
 * repeatedly.
 */
export async function reconcile(deps: ReconcileDeps): Promise<ReconcileReport> {
  const { blobs, metadata, clock, logger } = deps;
  const concurrency = deps.concurrency ?? 4;
  const report: ReconcileReport = { blobsScanned: 0, orphansRemoved: 0, replicasRepaired: 0, lost: 0 };

  // (a) The newest replica decides a blob's age, so a copy written moments ago by an upload in
  // flight protects the whole blob.
  const newest = new Map<string, number>();
  for await (const replica of blobs.listAll()) {
    const at = replica.storedAt.getTime();
    if (at > (newest.get(replica.blobId) ?? Number.NEGATIVE_INFINITY)) newest.set(replica.blobId, at);
  }
  report.blobsScanned = newest.size;
  const cutoff = clock.now().getTime() - deps.orphanGraceMs;
  const oldEnough = [...newest].filter(([, at]) => at <= cutoff).map(([blobId]) => blobId);
  for (const batch of chunks(oldEnough, REFERENCE_BATCH)) {
    const referenced = await metadata.referencedBlobs(batch);
    const orphans = batch.filter((blobId) => !referenced.has(blobId));
    const deletions = await mapWithConcurrency(orphans, concurrency, (blobId) => blobs.delete(blobId));
    for (const deletion of deletions) {
      if (deletion.confirmed.length > 0) report.orphansRemoved += 1;
    }
  }
  if (report.orphansRemoved > 0) logger.info('orphan blobs removed', { count: report.orphansRemoved });

  // (b) Paged by blob id, so a pass over millions of objects holds one page at a time.
  let after = '';
  for (;;) {
    const page = await metadata.listReferencedBlobs(after, REFERENCE_BATCH);
    const repairs = await mapWithConcurrency(page, concurrency, (blobId) =>
      blobs.repair(blobId, { scrub: true }),
    );
    const missing: string[] = [];
    for (const repair of repairs) {
      report.replicasRepaired += repair.repaired.length;
      if (repair.lost) missing.push(repair.blobId);
    }
    // The page was read before the repairs: an object deleted meanwhile has had its blobs removed
    // by its delete task. Only a blob metadata still references is lost.
    const stillReferenced = missing.length > 0 ? await metadata.referencedBlobs(missing) : new Set<string>();
    for (const blobId of missing) {
      if (!stillReferenced.has(blobId)) continue;
      report.lost += 1;
      logger.error('referenced blob lost: no good replica on any node', { blobId });
    }
    if (page.length < REFERENCE_BATCH) break;
    after = page[page.length - 1]!;
  }
  logger.info('reconcile pass done', { ...report });
  return report;
}

export interface Reconciler {
  /** Stops the timer and waits for a running pass to finish. */
  stop(): Promise<void>;
  /** Runs a pass now (after the running one, if any) and resolves with its report. */
  runNow(): Promise<ReconcileReport>;
}

/**
 * Runs `reconcile` once at start and then `intervalMs` after each pass ends, never two at once.
 * The timer is unref'd so it never keeps a process alive; a failed pass is logged and retried on
 * the next tick.
 */
export function startReconciler(deps: ReconcileDeps & { intervalMs: number }): Reconciler {
  let running: Promise<ReconcileReport> | undefined;
  let queued: Promise<ReconcileReport> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  function startPass(): Promise<ReconcileReport> {
    const pass = reconcile(deps).finally(() => {
      if (running === pass) running = undefined;
    });
    running = pass;
    return pass;
  }

  function runNow(): Promise<ReconcileReport> {
    if (!running) return startPass();
    // Coalesce: every caller arriving during a pass shares the one pass queued after it.
    queued ??= running
      .catch(() => undefined)
      .then(() => {
        queued = undefined;
        return startPass();
      });
    return queued;
  }

  function tick(): void {
    runNow()
      .catch((error: unknown) => deps.logger.error('reconcile pass failed', { error }))
      .finally(() => {
        if (!stopped) {
          timer = setTimeout(tick, deps.intervalMs);
          timer.unref();
        }
      });
  }

  tick();
  return {
    runNow,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await Promise.allSettled([running, queued]);
    },
  };
}
