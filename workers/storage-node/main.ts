import type { AddressInfo } from 'node:net';
import { loadConfig } from '../../shared/config/env.js';
import { type NodeRegistration, registerNode } from '../../shared/discovery/adapters/etcd-registry.js';
import { followFaultRules } from '../../shared/injection/follow-fault-rules.js';
import { withNodeFaults } from '../../shared/injection/storage-node-faults.js';
import { runMain } from '../../shared/runtime/run-main.js';
import { createFsNode, type FsNode } from '../../shared/storage/adapters/fs-node.js';
import type { Logger } from '../../shared/telemetry/logger.js';
import { createProcessTelemetry } from '../../shared/telemetry/process-telemetry.js';
import { loadStorageNodeConfig } from './config.js';
import { createStorageNodeServer, NODE_ID_ATTRIBUTE } from './server.js';

/**
 * The storage-node worker: one process serving one directory over HTTP (stack mode). With
 * ETCD_URL it registers itself under a lease once listening; SIGTERM/SIGINT revoke the lease (the
 * node leaves discovery at once), a kill -9 leaves it to lapse after NODE_LEASE_TTL_SECONDS.
 * The disk faults (`node.read|write|delete`) happen here, on the worker's own directory: with
 * METADATA_BACKEND=postgres it follows the rules the control plane stores and announces.
 * Telemetry as every process of the stack (service `storage-node`): each request is a SERVER span,
 * a child of the caller's `traceparent`; `GET /metrics` on the node's port serves its registry.
 */
async function main(): Promise<void> {
  const config = loadStorageNodeConfig();
  const shared = loadConfig();
  const telemetry = createProcessTelemetry({
    service: 'storage-node',
    // Which worker a span, log record or metric comes from, also for signals outside a request.
    resourceAttributes: { [NODE_ID_ATTRIBUTE]: config.nodeId },
    logLevel: shared.logLevel,
    ...(shared.otlpEndpoint ? { otlpEndpoint: shared.otlpEndpoint } : {}),
    otlpExport: shared.otlpExport,
    metricExportIntervalMs: shared.otlpMetricExportIntervalMs,
  });
  const { tracing, metrics } = telemetry;
  const logger = telemetry.logger.child({ service: 'storage-node', node: config.nodeId });
  const faults = await followFaultRules(shared, logger, config.nodeId, metrics);
  const disk = createFsNode({ id: config.nodeId, dir: config.dir, staleTempMs: shared.orphanGraceMs });
  const node = withNodeFaults(disk, faults.engine);
  const server = createStorageNodeServer(node, logger, disk, { tracer: tracing.tracer, metrics });
  const sweeper = sweepTempFilesEvery(disk, shared.reconcileIntervalMs, shared.orphanGraceMs, logger);

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const baseUrl = config.advertiseUrl ?? `http://${advertisedHost(config.host)}:${port}`;
  logger.info('storage node listening', { baseUrl, dir: config.dir });

  let registration: NodeRegistration | undefined;
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info('storage node stopping', { signal });
    // Leave discovery first, so no new placement picks this node while it closes.
    await registration?.deregister().catch((error: unknown) => logger.warn('deregister failed', { error }));
    clearInterval(sweeper);
    await faults.close();
    await telemetry.shutdown();
    server.close(() => process.exit(0));
    server.closeAllConnections();
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void stop(signal));

  if (config.etcdUrl) {
    registration = await registerNode({
      etcdUrl: config.etcdUrl,
      id: config.nodeId,
      baseUrl,
      ttlSeconds: config.leaseTtlSeconds,
      logger,
    });
    // A signal that arrived while registering found nothing to revoke yet.
    if (stopping) await registration.deregister();
  }
}

/**
 * The worker's share of the reconcile pass: the storage service cannot reach this disk's temp
 * files, so the worker removes those of killed writes itself, at the pass's interval and grace.
 */
function sweepTempFilesEvery(
  disk: FsNode,
  intervalMs: number,
  graceMs: number,
  logger: Logger,
): NodeJS.Timeout {
  const timer = setInterval(() => {
    disk
      .sweepTempFiles(new Date(Date.now() - graceMs))
      .then((count) => {
        if (count > 0) logger.info('stale temp files removed', { count });
      })
      .catch((error: unknown) => logger.warn('temp file sweep failed', { error }));
  }, intervalMs);
  timer.unref();
  return timer;
}

/** A wildcard bind address cannot be dialled; publish the loopback address instead. */
function advertisedHost(host: string): string {
  if (host === '0.0.0.0' || host === '::' || host === '') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}

runMain('storage node', main);
