import { hostname } from 'node:os';
import { join } from 'node:path';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import { reconcile, startReconciler } from '../async/reconcile.js';
import { createTaskRunner } from '../async/tasks.js';
import { createMemoryCache } from '../cache/adapters/memory-cache.js';
import { createRedisCache } from '../cache/adapters/redis-cache.js';
import type { CacheClient } from '../cache/ports.js';
import type { Config } from '../config/env.js';
import { bindHttpClientSettings } from '../http/live-settings.js';
import { withStorageFaults } from '../injection/blob-store-faults.js';
import { withCacheFaults } from '../injection/cache-faults.js';
import { createProcessFaultEngine } from '../injection/create-fault-engine.js';
import { startFaultControlPlane } from '../injection/fault-control-plane.js';
import { createFiringRelay } from '../injection/firing-relay.js';
import { withMetadataFaults } from '../injection/metadata-faults.js';
import { withQueueFaults } from '../injection/queue-faults.js';
import { withNodeFaults } from '../injection/storage-node-faults.js';
import { createCachedMetadataStore } from '../metadata/cached-metadata-store.js';
import { openMetadataDatabase } from '../metadata/open-metadata-store.js';
import type { MetadataStore } from '../metadata/ports.js';
import { createBucket } from '../operations/buckets.js';
import { openFetchLease } from '../origin/open-fetch-lease.js';
import { createOriginFallback } from '../origin/origin-fallback.js';
import { createOriginRegistry } from '../origin/origin-registry.js';
import { createMemoryQueue } from '../queue/adapters/memory-queue.js';
import { createRedisStreamQueue } from '../queue/adapters/redis-stream-queue.js';
import { REDIS_TASK_STREAM, type TaskQueue } from '../queue/ports.js';
import { queueDestination, withTracePropagation } from '../queue/trace-propagation.js';
import { S3Error } from '../s3/errors.js';
import { createFsNode } from '../storage/adapters/fs-node.js';
import { newBlobId } from '../storage/blob-id.js';
import type { DamageableNode } from '../storage/ports.js';
import { createReplicatedBlobStore } from '../storage/replicated-blob-store.js';
import type { Logger } from '../telemetry/logger.js';
import { createProcessTelemetry } from '../telemetry/process-telemetry.js';
import { withQueueMetrics } from '../telemetry/queue-metrics.js';
import type { ServiceName } from '../telemetry/service-names.js';
import {
  blobStoreSpanAttributes,
  cacheSpanAttributes,
  metadataSpanAttributes,
  queueSpanAttributes,
  storageNodeSpanAttributes,
} from '../telemetry/span-attributes.js';
import { createStorageMetrics } from '../telemetry/storage-metrics.js';
import { tracePort } from '../telemetry/tracing.js';
import { type Clock, systemClock } from './clock.js';
import type { Runtime, S3Services } from './runtime.js';
import { openStorageDiscovery } from './storage-discovery.js';

/** While a `stale_read` or `cache_stale` rule exists, replaced versions stay readable this long. */
const STALE_READ_RETENTION_MS = 60_000;

/** Adapters a test (or another host) supplies instead of the ones the config names. */
export interface RuntimeOverrides {
  nodes?: DamageableNode[];
  metadata?: MetadataStore;
  cache?: CacheClient;
  queue?: TaskQueue;
  clock?: Clock;
  logger?: Logger;
  spanExporter?: SpanExporter;
  /** The process's main service (its logs' and metrics' resource); `s3-api` by default. */
  service?: ServiceName;
  /** Skip the periodic reconcile pass (unit tests drive it themselves). */
  reconcile?: boolean;
  /** Run PGlite on a worker thread started from this script (pglite-thread.ts or its bundle). */
  pgliteThread?: URL;
}

/**
 * Builds the process's runtime: storage nodes, replicated blob store, metadata (with its read
 * cache), task queue and its consumer, the reconcile pass, and telemetry. Every port is traced.
 */
export async function createRuntime(
  config: Readonly<Config>,
  overrides: RuntimeOverrides = {},
): Promise<Runtime> {
  const clock = overrides.clock ?? systemClock;
  const telemetry = createProcessTelemetry({
    service: overrides.service ?? 's3-api',
    logLevel: config.logLevel,
    ...(config.otlpEndpoint ? { otlpEndpoint: config.otlpEndpoint } : {}),
    otlpExport: config.otlpExport,
    metricExportIntervalMs: config.otlpMetricExportIntervalMs,
    ...(overrides.spanExporter ? { spanExporter: overrides.spanExporter } : {}),
    ...(overrides.logger ? { logger: overrides.logger } : {}),
  });
  const { tracing, logger, metrics } = telemetry;
  // Every port wears its injection points (FAULTS.md, "Points"); they cost one call when off.
  const firings = createFiringRelay();
  const faults = createProcessFaultEngine(config, clock, logger, metrics, firings);
  const rawNodes = () =>
    overrides.nodes ??
    Array.from({ length: config.storage.nodes }, (_, index) =>
      createFsNode({
        id: `node-${index + 1}`,
        dir: join(config.dataDir, 'nodes', `node-${index + 1}`),
        fsync: config.storage.fsync,
        staleTempMs: config.orphanGraceMs,
      }),
    );
  // Static: the nodes above; etcd (stack mode): the storage-node workers registered there.
  const storageDiscovery = await openStorageDiscovery(
    config,
    (node) =>
      tracePort(
        tracing.tracerFor('storage'),
        'node',
        withNodeFaults(node, faults),
        storageNodeSpanAttributes(node.id),
      ),
    logger,
    rawNodes,
    { registry: metrics.registry, faults, tracer: tracing.tracerFor('storage') },
  );
  const storageMetrics = createStorageMetrics({
    registry: metrics.registry,
    viewNodes: storageDiscovery.viewNodes,
    clock,
  });
  const discovery = storageMetrics.measureNodes(storageDiscovery.discovery);
  // R follows the live `storage.replicas` once the config store is open (below); until then, and
  // when no control plane runs, the environment's REPLICATION_FACTOR.
  let replicasInForce = () => config.storage.replicas;
  const blobs = storageMetrics.measureBlobWrites(
    withStorageFaults(
      createReplicatedBlobStore({ discovery, replicas: () => replicasInForce(), logger }),
      faults,
      discovery,
    ),
  );
  // The fault rules share the metadata database (PGlite allows one connection).
  const database =
    overrides.metadata === undefined
      ? await openMetadataDatabase({
          backend: config.metadata.backend,
          dataDir: config.dataDir,
          ...(config.metadata.databaseUrl ? { databaseUrl: config.metadata.databaseUrl } : {}),
          ...(overrides.pgliteThread ? { pgliteThread: overrides.pgliteThread } : {}),
          onPgliteThreadLost: (error) =>
            logger.error('PGlite thread lost; the next metadata call starts a new one', {
              error: error.message,
            }),
        })
      : undefined;
  const rawStore = overrides.metadata ?? database!.store;
  const store = withMetadataFaults(rawStore, faults);
  const controlPlane = await startFaultControlPlane({
    config,
    engine: faults,
    clock,
    logger,
    client: database?.client,
    firings,
  });
  const live = controlPlane.dynamicConfig.live;
  replicasInForce = () => live.get('storage.replicas');
  // The calls to the storage-node workers follow `http.retries` and `http.timeoutMs` live.
  const unbindHttpSettings = storageDiscovery.httpClient
    ? bindHttpClientSettings(storageDiscovery.httpClient, live)
    : undefined;
  // While a rule may serve replaced versions, their bytes are kept for it (see commitObject).
  // Asked on every object commit: the rules are looked at once per engine version, not per commit
  // (a rule that expired without a change keeps versions a little longer, which is harmless).
  let retentionVersion = -1;
  let retentionMs = 0;
  const replacedRetentionMs = () => {
    if (faults.version !== retentionVersion) {
      retentionVersion = faults.version;
      retentionMs = faults
        .listRules({ enabled: true })
        .some((rule) => rule.fault.type === 'stale_read' || rule.fault.type === 'cache_stale')
        ? STALE_READ_RETENTION_MS
        : 0;
    }
    return retentionMs;
  };
  const cache = tracePort(
    tracing.tracerFor('metadata'),
    'cache',
    withCacheFaults(overrides.cache ?? openCache(config, logger), faults, {
      clock,
      staleRetentionMs: replacedRetentionMs,
    }),
    cacheSpanAttributes,
  );
  const metadata = createCachedMetadataStore(store, cache, { ttlSeconds: config.cache.ttlSeconds, logger });
  const rawQueue = overrides.queue ?? (await openQueue(config, logger));
  // Counted as the queue sees them, published with the request's trace context, faults outermost.
  const measuredQueue = withQueueMetrics(rawQueue, {
    registry: metrics.registry,
    maxAttempts: config.queue.maxAttempts,
  });
  const tracedQueue = withTracePropagation(
    measuredQueue,
    tracing.tracerFor('async'),
    queueDestination(config.queue),
  );
  const queue = withQueueFaults(tracedQueue, faults, { logger });
  queue.consume(createTaskRunner({ blobs, metadata, logger }));
  // One cursor for the periodic passes and those asked for through the API: the deep scrub goes on
  // where the last pass of either kind stopped.
  const reconcileDeps = {
    blobs,
    metadata,
    clock,
    orphanGraceMs: config.orphanGraceMs,
    scrubPerPass: config.scrubPerPass,
    scrubCursor: { after: '' },
    logger,
  };
  const reconciler =
    overrides.reconcile === false
      ? undefined
      : startReconciler({ ...reconcileDeps, intervalMs: config.reconcileIntervalMs });

  // Node directories are known only for the local nodes of embedded mode.
  const localDirs =
    overrides.nodes === undefined && config.discovery.backend !== 'etcd'
      ? new Map(discovery.nodes().map((node) => [node.id, join(config.dataDir, 'nodes', node.id)]))
      : new Map<string, string>();

  const services: S3Services = {
    // Port calls are spans of the component they reach (FAULTS.md's `service`), as in a deployment.
    blobs: tracePort(tracing.tracerFor('storage'), 'storage', blobs, blobStoreSpanAttributes),
    metadata: tracePort(
      tracing.tracerFor('metadata'),
      'metadata',
      metadata,
      metadataSpanAttributes(metadataBackend(config)),
    ),
    queue: tracePort(
      tracing.tracerFor('async'),
      'queue',
      queue,
      queueSpanAttributes(queueDestination(config.queue)),
    ),
    clock,
    newId: () => newBlobId(),
    replacedRetentionMs,
    logger,
  };
  // Origin fallback: the origins in force (stored ones live through the config store, over the
  // environment's), read through on a local miss; the fallback writes back through the ports above.
  const origins = await createOriginRegistry({
    source: controlPlane.dynamicConfig.source,
    environment: config.origin,
    logger,
  });
  const fetchLease = openFetchLease(config, logger);
  services.origin = createOriginFallback({
    directory: origins,
    services: { ...services },
    faults,
    lease: fetchLease,
    clock,
    metrics,
    tracer: tracing.tracerFor('storage'),
    logger,
  });
  await createOriginBuckets(config, services, logger);
  let closed = false;
  return {
    config,
    logger,
    tracer: tracing.tracer,
    tracerFor: tracing.tracerFor,
    metrics,
    services,
    views: { nodes: storageDiscovery.viewNodes, metadata: rawStore, queue: rawQueue },
    faults,
    dynamicConfig: controlPlane.dynamicConfig,
    origins,
    ...(controlPlane.sharedHitLog === undefined ? {} : { sharedHitLog: controlPlane.sharedHitLog }),
    storage: {
      address: (nodeId) => localDirs.get(nodeId) ?? storageDiscovery.address(nodeId),
      reconcile: () => reconciler?.runNow() ?? reconcile(reconcileDeps),
    },
    isReady: () => !closed,
    async reset() {
      await queue.drain();
      await metadata.reset();
      const blobIds = new Set<string>();
      for await (const { blobId } of blobs.listAll()) blobIds.add(blobId);
      await Promise.all([...blobIds].map((blobId) => blobs.delete(blobId)));
    },
    async close() {
      closed = true;
      await reconciler?.stop();
      unbindHttpSettings?.();
      await services.origin?.close();
      await Promise.allSettled([origins.close(), fetchLease.close()]);
      await queue.close();
      await controlPlane.close();
      await Promise.allSettled([metadata.close(), cache.close(), storageDiscovery.close()]);
      await telemetry.shutdown();
    },
  };
}

/**
 * The buckets ORIGIN_BUCKETS names (not `*`), created when missing so their keys read through from
 * the first request. A name S3 would refuse is logged and skipped: the server still starts.
 */
async function createOriginBuckets(
  config: Readonly<Config>,
  services: S3Services,
  logger: Logger,
): Promise<void> {
  for (const bucket of config.origin.buckets) {
    if (bucket === '*' || (await services.metadata.getBucket(bucket))) continue;
    try {
      await createBucket(services, bucket);
      logger.info('created the bucket of an environment origin', { bucket });
    } catch (error) {
      if (error instanceof S3Error && error.code === 'BucketAlreadyOwnedByYou') continue;
      logger.error('could not create the bucket of an environment origin', { bucket, error });
    }
  }
}

function openCache(config: Readonly<Config>, logger: Logger): CacheClient {
  if (config.cache.backend === 'redis')
    return createRedisCache({ url: config.redisUrl!, keyPrefix: 'mock-s3:cache:', logger });
  return createMemoryCache({ maxBytes: config.cache.maxBytes });
}

async function openQueue(config: Readonly<Config>, logger: Logger): Promise<TaskQueue> {
  if (config.queue.backend === 'redis') {
    return createRedisStreamQueue({
      url: config.redisUrl!,
      stream: REDIS_TASK_STREAM,
      group: 'async',
      consumer: `${hostname()}-${process.pid}`,
      maxAttempts: config.queue.maxAttempts,
      concurrency: config.queue.concurrency,
      claimIdleMs: 30_000,
      logger,
    });
  }
  if (config.queue.backend === 'sqs') {
    // Loaded only here: the AWS SDK's SQS client is ~20 MB resident that other backends never use.
    const { createSqsQueue } = await import('../queue/adapters/sqs-queue.js');
    const { endpoint, queueName, region, credentials } = config.queue.sqs;
    return createSqsQueue({
      ...(endpoint ? { endpoint } : {}),
      ...(credentials ? { credentials } : {}),
      region,
      queueName,
      maxAttempts: config.queue.maxAttempts,
      concurrency: config.queue.concurrency,
      // Same recovery time after a consumer crash as the Redis stream's claimIdleMs.
      visibilityTimeoutSeconds: 30,
      retryDelaySeconds: 5,
      logger,
    });
  }
  return createMemoryQueue({
    maxAttempts: config.queue.maxAttempts,
    concurrency: config.queue.concurrency,
    logger,
  });
}

/** The metadata backend as its spans name it. */
function metadataBackend(config: Readonly<Config>): 'postgresql' | 'pglite' {
  return config.metadata.backend === 'postgres' ? 'postgresql' : 'pglite';
}
