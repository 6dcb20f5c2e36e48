import { composeHandler, type LambdaHandler } from '../../layers/compose-handler.js';
import { lambdaEntry } from '../../layers/lambda-entry.js';
import type { Runtime } from '../../shared/runtime/runtime.js';
import type { NodeHealth } from '../../shared/storage/ports.js';
import { jsonResult } from '../injection/request.js';
import { originsInForce } from '../storage/origins.js';

/** Objects counted before the count is reported as a lower bound (`objectsExact: false`). */
const OBJECT_COUNT_LIMIT = 100_000;
const PAGE = 1000;

/**
 * GET /api/v1/admin/stats: one read-only view of the process — bucket and object counts, the
 * noncurrent versions and delete markers of versioned buckets with their bytes, the task
 * queue, the storage nodes, the fault engine and the buckets' origins with this process's breaker
 * and fetch counters — for dashboards and drills.
 */
export function createHandler(runtime: Runtime): LambdaHandler {
  return composeHandler(
    async () => {
      // Through the view ports: a dashboard never spends a rule or shows an injected failure.
      const { metadata, queue, nodes: viewNodes } = runtime.views;
      const [buckets, queueStats, nodes, origins] = await Promise.all([
        metadata.listBuckets(),
        queue.stats(),
        Promise.all(
          viewNodes().map((node) => node.health().catch((): NodeHealth => ({ id: node.id, healthy: false }))),
        ),
        originsInForce(runtime),
      ]);
      const [objects, versions] = await Promise.all([
        countObjects(
          runtime,
          buckets.map((bucket) => bucket.name),
        ),
        metadata.noncurrentVersionStats(OBJECT_COUNT_LIMIT),
      ]);
      const faults = runtime.faults.status();
      return jsonResult({
        status: 200,
        body: {
          buckets: buckets.length,
          objects: objects.count,
          objectsExact: objects.exact,
          versions: {
            noncurrent: versions.versions,
            deleteMarkers: versions.deleteMarkers,
            bytes: versions.bytes,
            exact: versions.exact,
          },
          queue: queueStats,
          nodes: nodes.map(({ id, healthy }) => ({ id, healthy })),
          faults: { enabled: faults.enabled, rules: faults.rules, activeRules: faults.activeRules },
          origins: origins.map(({ bucket, endpoint, kind, source }) => ({
            bucket,
            endpoint,
            kind,
            source,
            ...runtime.services.origin?.status(bucket),
          })),
        },
      });
    },
    { runtime, service: 'admin', name: 'Stats', errorFormat: 'json' },
  );
}

/** Counts objects page by page, stopping at {@link OBJECT_COUNT_LIMIT} so a huge store stays cheap. */
async function countObjects(runtime: Runtime, buckets: string[]): Promise<{ count: number; exact: boolean }> {
  let count = 0;
  for (const bucket of buckets) {
    let after = '';
    for (;;) {
      const page = await runtime.views.metadata.listObjects({ bucket, prefix: '', after, limit: PAGE });
      count += page.length;
      if (count >= OBJECT_COUNT_LIMIT) return { count, exact: false };
      if (page.length < PAGE) break;
      after = page[page.length - 1]!.key;
    }
  }
  return { count, exact: true };
}

export const handler = lambdaEntry(createHandler);
