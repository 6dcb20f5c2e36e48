import type { Tracer } from '@opentelemetry/api';
import type { Registry } from 'prom-client';
import type { Config } from '../config/env.js';
import { createEtcdDiscovery } from '../discovery/adapters/etcd-discovery.js';
import type { NodeEntry } from '../discovery/node-entry.js';
import type { FaultEngine } from '../faults/engine.js';
import type { HttpClient } from '../http/http-client.js';
import { createHttpClientMetrics } from '../http/metrics.js';
import { httpClientFaultHook } from '../injection/http-client-faults.js';
import {
  createHttpNode,
  createStorageNodeClient,
  STORAGE_NODE_CALLER,
} from '../storage/adapters/http-node.js';
import { type Discovery, staticDiscovery } from '../storage/discovery.js';
import type { StorageNode } from '../storage/ports.js';
import type { Logger } from '../telemetry/logger.js';

/** The storage discovery of a process and how to release it. */
export interface StorageDiscovery {
  discovery: Discovery;
  /**
   * The nodes as they are, for the control plane's views. Static discovery: the local nodes
   * without `wrapNode`. Etcd discovery: HTTP nodes of their own, through a client with no
   * `http.client` faults, whose reads ask each worker for its disk past its `node.*` faults
   * (`VIEW_HEADER`).
   */
  viewNodes(): readonly StorageNode[];
  /**
   * The HTTP client every node of etcd discovery is reached through (absent for static
   * discovery); its `http.retries`/`http.timeoutMs` follow the live config (`bindHttpClientSettings`).
   */
  httpClient?: HttpClient;
  /**
   * Where a worker of etcd discovery is reached (its registered `baseUrl`), so the control plane can
   * name it (`/api/v1/storage/nodes`; a drill partitions that port); undefined for static discovery.
   */
  address(nodeId: string): string | undefined;
  /** Stops the etcd watch and closes the client's sockets (a no-op for static discovery). */
  close(): Promise<void>;
}

/** What the calls to the storage-node workers report to and are shaped by. */
export interface NodeCallsTelemetry {
  /** The process registry (`/metrics`): `retry_attempts_total`, `circuit_breaker_open_total`. */
  registry: Registry;
  /** The engine asked at the `http.client` point before every attempt. */
  faults: FaultEngine;
  /** Each call gets a client span, which `traceparent` names. */
  tracer?: Tracer;
}

/** How long start-up waits for the first read of the registry before serving anyway. */
const FIRST_SYNC_WAIT_MS = 5000;

/**
 * Opens the storage discovery the config names. `static`: the given local nodes, fixed, each
 * wrapped by `wrapNode` (the fault decorators). `etcd` (stack mode): the storage-node workers
 * registered in etcd, each reached over HTTP through one shared client (`calls`: its metrics,
 * `http.client` faults and spans). Waits for the first read of the registry, so the first
 * request sees the nodes; if etcd does not answer within a few seconds it starts with no nodes
 * (writes fail with 503 until the watch catches up) rather than hang.
 */
export async function openStorageDiscovery<LocalNode extends StorageNode>(
  config: Readonly<Config>,
  wrapNode: (node: LocalNode) => StorageNode,
  logger: Logger,
  localNodes: () => readonly LocalNode[],
  calls: NodeCallsTelemetry,
): Promise<StorageDiscovery> {
  if (config.discovery.backend !== 'etcd') {
    const nodes = Object.freeze([...localNodes()]);
    return {
      discovery: staticDiscovery(nodes.map(wrapNode)),
      viewNodes: () => nodes,
      address: () => undefined,
      close: async () => undefined,
    };
  }
  // One client for every node: a breaker and metric labels per node inside it, one keep-alive
  // pool, and one object for the live settings to update, however often nodes come and go.
  const httpClient = createStorageNodeClient({
    metrics: createHttpClientMetrics(calls.registry),
    faultHook: httpClientFaultHook(calls.faults, STORAGE_NODE_CALLER),
    ...(calls.tracer ? { tracer: calls.tracer } : {}),
  });
  const etcd = createEtcdDiscovery({
    etcdUrl: config.discovery.etcdUrl,
    // Worker processes apply the `node.*` faults to their own disk: not wrapped again here.
    makeNode: (entry) => createHttpNode({ id: entry.id, baseUrl: entry.baseUrl, client: httpClient }),
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
  // The views' own client and nodes: no `http.client` hook, so looking never meets a rule.
  const viewClient = createStorageNodeClient();
  const viewNodes = new Map<string, { baseUrl: string; node: StorageNode }>();
  const viewNodeOf = (entry: NodeEntry): StorageNode => {
    const known = viewNodes.get(entry.id);
    if (known !== undefined && known.baseUrl === entry.baseUrl) return known.node;
    const node = createHttpNode({ id: entry.id, baseUrl: entry.baseUrl, client: viewClient, view: true });
    viewNodes.set(entry.id, { baseUrl: entry.baseUrl, node });
    return node;
  };
  return {
    discovery: etcd,
    viewNodes: () => etcd.entries().map(viewNodeOf),
    address: (nodeId) => etcd.entries().find((entry) => entry.id === nodeId)?.baseUrl,
    httpClient,
    async close() {
      try {
        await etcd.close();
      } finally {
        httpClient.close();
        viewClient.close();
      }
    },
  };
}
