import type { Config } from '../config/env.js';
import { createEtcdDiscovery } from '../discovery/adapters/etcd-discovery.js';
import { createHttpNode } from '../storage/adapters/http-node.js';
import { type Discovery, staticDiscovery } from '../storage/discovery.js';
import type { StorageNode } from '../storage/ports.js';
import type { Logger } from '../telemetry/logger.js';

/** The storage discovery of a process and how to release it. */
export interface StorageDiscovery {
  discovery: Discovery;
  /** Stops the etcd watch (a no-op for static discovery). */
  close(): Promise<void>;
}

/** How long start-up waits for the first read of the registry before serving anyway. */
const FIRST_SYNC_WAIT_MS = 5000;

/**
 * Opens the storage discovery the config names. `static`: the given local nodes, fixed.
 * `etcd` (stack mode): the storage-node workers registered in etcd, each reached over HTTP and
 * wrapped by `wrapNode` (the fault decorators) when it joins. Waits for the first read of the
 * registry, so the first request sees the nodes; if etcd does not answer within a few seconds
 * it starts with no nodes (writes fail with 503 until the watch catches up) rather than hang.
 */
export async function openStorageDiscovery(
  config: Readonly<Config>,
  wrapNode: (node: StorageNode) => StorageNode,
  logger: Logger,
  localNodes: () => readonly StorageNode[],
): Promise<StorageDiscovery> {
  if (config.discovery.backend !== 'etcd') {
    return { discovery: staticDiscovery(localNodes().map(wrapNode)), close: async () => undefined };
  }
  const etcd = createEtcdDiscovery({
    etcdUrl: config.discovery.etcdUrl,
    // Worker processes apply the `node.*` faults to their own disk: not wrapped again here.
    makeNode: (entry) => createHttpNode({ id: entry.id, baseUrl: entry.baseUrl }),
    logger,
  });
  let timer: NodeJS.Timeout | undefined;
  const waited = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), FIRST_SYNC_WAIT_MS);
  });
  const synced = await Promise.race([etcd.ready().then(() => true), waited]);
  clearTimeout(timer);
  if (!synced) {
    logger.warn('etcd discovery not synced yet; serving with no storage nodes until it is', {
      etcdUrl: config.discovery.etcdUrl,
    });
  }
  return { discovery: etcd, close: () => etcd.close() };
}
