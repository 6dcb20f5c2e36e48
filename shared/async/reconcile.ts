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
  /**
   * Referenced blobs read back and verified on every replica per pass (the deep scrub); every other
   * referenced blob is checked by stat only. Default {@link DEFAULT_SCRUB_PER_PASS}; 0 turns the
   * deep scrub off.
   */
  scrubPerPass?: number;
  /** Where the deep scrub resumes; pass the same object to every pass so they cover all blobs in turn. */
  scrubCursor?: ScrubCursor;
}

/** The blob id the deep scrub stopped after ('' = start from the first). */
export interface ScrubCursor {
  after: string;
}

/**
 * Reading back every replica on every pass made a pass cost a full read of the store: at the
 * default 3-minute interval, a 50 GB data directory would be read end to end 20 times an hour. A
 * window per pass keeps a pass's cost flat while the scrub still reaches every blob: 1,000 blobs
 * every 3 minutes is 20,000 an hour.
 */
export const DEFAULT_SCRUB_PER_PASS = 1000;

/** Blobs repaired or deleted at once when `concurrency` is not given. */
const DEFAULT_CONCURRENCY = 4;

export interface ReconcileReport {
  /** Distinct blob ids found on the reachable nodes. */
  blobsScanned: number;
  /** Unreferenced blobs past the grace period removed from at least one node. */
  orphansRemoved: number;
  /** Blobs read back and verified on every replica (the deep scrub's window this pass). */
  blobsScrubbed: number;
  /** Replicas written by repair. */
  replicasRepaired: number;
  /** Referenced blobs with no good replica anywhere. */
  lost: number;
  /** Temp files of killed writes (older than the grace period, owned by no write) removed. */
  tempFilesRemoved: number;
}

/**
 * One reconcile pass: (a) collects orphans — blobs on the nodes that metadata does not reference
 * and whose newest replica is older than the grace period (failed commits, lost delete tasks);
 * (b) checks that R nodes hold every referenced blob (by stat) and repairs those that fall short;
 * (c) deep-scrubs a window of referenced blobs, resuming where the last pass stopped: reads and
 * verifies each replica and rewrites corrupt ones (bit rot that no stat can see); (d) removes the
 * temp files of killed writes older than the grace period. Safe to run at any time and repeatedly.
 */
export async function reconcile(deps: ReconcileDeps): Promise<ReconcileReport> {
  const { blobs, metadata, clock, logger } = deps;
  const concurrency = deps.concurrency ?? DEFAULT_CONCURRENCY;
  const report: ReconcileReport = {
    blobsScanned: 0,
    orphansRemoved: 0,
    blobsScrubbed: 0,
    replicasRepaired: 0,
    lost: 0,
    tempFilesRemoved: 0,
  };

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

  // (b) Paged by blob id, so a pass over millions of objects holds one page at a time. A blob lost
  // in (b) is met again in (c): counted once.
  const lostIds = new Set<string>();
  let after = '';
  for (;;) {
    const page = await metadata.listReferencedBlobs(after, REFERENCE_BATCH);
    const checks = await mapWithConcurrency(page, concurrency, (blobId) =>
      blobs.repair(blobId, { statOnly: true }),
    );
    const short = checks.filter((check) => check.underReplicated).map((check) => check.blobId);
    await countRepairs(deps, report, short, {}, lostIds);
    if (page.length < REFERENCE_BATCH) break;
    after = page[page.length - 1]!;
  }

  // (c) This pass's window of the deep scrub.
  await scrubWindow(deps, report, lostIds);

  // (d) A write killed with its process leaves its temp file behind; the same grace as for orphans
  // keeps the file of a write still running in another process sharing the node's directory.
  report.tempFilesRemoved = await blobs.sweepTempFiles(new Date(cutoff));
  if (report.tempFilesRemoved > 0)
    logger.info('stale temp files removed', { count: report.tempFilesRemoved });
  logger.info('reconcile pass done', { ...report });
  return report;
}

/** Deep-scrubs up to `scrubPerPass` referenced blobs from the cursor on, wrapping around once. */
async function scrubWindow(
  deps: ReconcileDeps,
  report: ReconcileReport,
  lostIds: Set<string>,
): Promise<void> {
  const budget = deps.scrubPerPass ?? DEFAULT_SCRUB_PER_PASS;
  const cursor = deps.scrubCursor ?? { after: '' };
  const startedAfter = cursor.after;
  let wrapped = startedAfter === '';
  while (report.blobsScrubbed < budget) {
    const limit = Math.min(REFERENCE_BATCH, budget - report.blobsScrubbed);
    const page = await deps.metadata.listReferencedBlobs(cursor.after, limit);
    // After wrapping, stop where this pass began: no blob is scrubbed twice in one pass.
    const window = wrapped && startedAfter !== '' ? page.filter((blobId) => blobId <= startedAfter) : page;
    await countRepairs(deps, report, window, { scrub: true }, lostIds);
    report.blobsScrubbed += window.length;
    if (window.length < page.length) {
      cursor.after = startedAfter;
      return;
    }
    if (page.length < limit) {
      // The end of the blob ids: the next window starts from the first again.
      cursor.after = '';
      if (wrapped) return;
      wrapped = true;
      continue;
    }
    cursor.after = page[page.length - 1]!;
  }
}

/**
 * Repairs `blobIds` and adds the outcome to the report; `lostIds` holds the pass's lost blobs. The
 * blobs were listed before the repairs: an object deleted meanwhile has had its blobs removed by its
 * delete task, so only a blob metadata still references counts as lost.
 */
async function countRepairs(
  deps: ReconcileDeps,
  report: ReconcileReport,
  blobIds: readonly string[],
  options: { scrub?: boolean },
  lostIds: Set<string>,
): Promise<void> {
  const repairs = await mapWithConcurrency(blobIds, deps.concurrency ?? DEFAULT_CONCURRENCY, (blobId) =>
    deps.blobs.repair(blobId, options),
  );
  const missing: string[] = [];
  for (const repair of repairs) {
    report.replicasRepaired += repair.repaired.length;
    if (repair.lost) missing.push(repair.blobId);
  }
  if (missing.length === 0) return;
  const stillReferenced = await deps.metadata.referencedBlobs(missing);
  for (const blobId of missing) {
    if (!stillReferenced.has(blobId) || lostIds.has(blobId)) continue;
    lostIds.add(blobId);
    deps.logger.error('referenced blob lost: no good replica on any node', { blobId });
  }
  report.lost = lostIds.size;
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
