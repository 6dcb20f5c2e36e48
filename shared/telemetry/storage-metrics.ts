import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { type Clock, systemClock } from '../runtime/clock.js';
import type { Discovery } from '../storage/discovery.js';
import type { BlobStore, NodeHealth, StorageNode } from '../storage/ports.js';
import { readWithin, SCRAPE_READ_TIMEOUT_MS } from './scrape-read.js';

/**
 * How long one round of node health answers serves the scrapes that follow: asking is a walk of
 * each node's directory (or a call to each worker), and a dashboard may scrape every second.
 */
export const NODE_CENSUS_MAX_AGE_MS = 2000;

export interface StorageMetricsOptions {
  /** The process registry (`/metrics`). */
  registry: Registry;
  /**
   * The nodes as they are, without fault points (`StorageDiscovery.viewNodes`): their health is
   * what `storage_node_up` and `storage_node_used_bytes` report, and looking spends no rule.
   */
  viewNodes: () => readonly StorageNode[];
  clock?: Clock;
  /** How long a scrape waits for a node's health, then counts it down; default {@link SCRAPE_READ_TIMEOUT_MS}. */
  healthTimeoutMs?: number;
}

export interface StorageMetrics {
  /**
   * The same discovery, each node timed (`storage_node_io_duration_seconds{node,operation}`, from
   * this side of the call: a worker's network and injected latency included) and its stored bytes
   * counted (`storage_bytes_written_total{node}`: replicas, repairs and failover writes alike).
   */
  measureNodes(discovery: Discovery): Discovery;
  /**
   * The same blob store, counting the bytes of each write it acknowledged, once stored on R
   * replicas (`s3_bytes_acknowledged_total`): the S3 writes' data (PutObject, UploadPart,
   * CopyObject), the only callers of `put` and `putStream`.
   */
  measureBlobWrites(blobs: BlobStore): BlobStore;
}

/** The node calls timed: those that move or look up one blob. */
type NodeOperation = 'put' | 'get' | 'delete' | 'stat';

/**
 * Registers the storage metrics of a process: node calls and bytes written, S3 bytes acknowledged
 * and their ratio `write_amplification_ratio`, and, read from the nodes' health at scrape,
 * `storage_node_up{node}` (1 healthy, 0 unhealthy, unreachable or gone from discovery) and
 * `storage_node_used_bytes{node}`.
 */
export function createStorageMetrics(options: StorageMetricsOptions): StorageMetrics {
  const { registry, viewNodes } = options;
  const clock = options.clock ?? systemClock;
  const ioDuration = new Histogram({
    name: 'storage_node_io_duration_seconds',
    help: 'Time of a call to a storage node as its caller sees it, by node and operation',
    labelNames: ['node', 'operation'] as const,
    buckets: [0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const bytesWritten = new Counter({
    name: 'storage_bytes_written_total',
    help: 'Blob bytes written to storage nodes (every replica, repair and failover write), by node',
    labelNames: ['node'] as const,
    registers: [registry],
  });
  const bytesAcknowledged = new Counter({
    name: 's3_bytes_acknowledged_total',
    help: 'Bytes of S3 writes the storage service acknowledged (stored on R replicas)',
    registers: [registry],
  });
  new Gauge({
    name: 'write_amplification_ratio',
    help: 'storage_bytes_written_total over s3_bytes_acknowledged_total since the process started (0 before any write)',
    registers: [registry],
    async collect() {
      const written = (await bytesWritten.get()).values.reduce((sum, sample) => sum + sample.value, 0);
      const acknowledged = (await bytesAcknowledged.get()).values[0]?.value ?? 0;
      this.set(acknowledged > 0 ? written / acknowledged : 0);
    },
  });
  serveNodeCensus(registry, viewNodes, clock, options.healthTimeoutMs ?? SCRAPE_READ_TIMEOUT_MS);

  const measured = new WeakMap<StorageNode, StorageNode>();
  const measure = (node: StorageNode): StorageNode => {
    let wrapped = measured.get(node);
    if (wrapped === undefined) {
      wrapped = measureNode(node, ioDuration, bytesWritten);
      measured.set(node, wrapped);
    }
    return wrapped;
  };

  return {
    measureNodes(discovery) {
      // `nodes()` is read on every operation: the wrapped list is rebuilt only when it changes.
      let source: readonly StorageNode[] | undefined;
      let wrapped: readonly StorageNode[] = [];
      return {
        nodes() {
          const now = discovery.nodes();
          if (now !== source) {
            source = now;
            wrapped = Object.freeze(now.map(measure));
          }
          return wrapped;
        },
      };
    },
    measureBlobWrites(blobs) {
      return {
        ...blobs,
        async put(blobId, bytes) {
          const placement = await blobs.put(blobId, bytes);
          bytesAcknowledged.inc(bytes.length);
          return placement;
        },
        async putStream(blobId, source) {
          const placement = await blobs.putStream(blobId, source);
          bytesAcknowledged.inc(source.size);
          return placement;
        },
      };
    },
  };
}

function measureNode(
  node: StorageNode,
  ioDuration: Histogram<'node' | 'operation'>,
  bytesWritten: Counter<'node'>,
): StorageNode {
  const timers = {
    put: ioDuration.labels({ node: node.id, operation: 'put' }),
    get: ioDuration.labels({ node: node.id, operation: 'get' }),
    delete: ioDuration.labels({ node: node.id, operation: 'delete' }),
    stat: ioDuration.labels({ node: node.id, operation: 'stat' }),
  } satisfies Record<NodeOperation, unknown>;
  const written = bytesWritten.labels({ node: node.id });
  const timed = async <T>(operation: NodeOperation, call: () => Promise<T>): Promise<T> => {
    const end = timers[operation].startTimer();
    try {
      return await call();
    } finally {
      end();
    }
  };
  return {
    id: node.id,
    async put(blobId, bytes) {
      await timed('put', () => node.put(blobId, bytes));
      written.inc(bytes.length);
    },
    get: (blobId) => timed('get', () => node.get(blobId)),
    async putStream(blobId, source) {
      await timed('put', () => node.putStream(blobId, source));
      written.inc(source.size);
    },
    // Timed until the stream is open (first block read and verified), not until its last byte:
    // how long the rest takes is the client's pace as much as the node's.
    getStream: (blobId, range) => timed('get', () => node.getStream(blobId, range)),
    delete: (blobId) => timed('delete', () => node.delete(blobId)),
    stat: (blobId) => timed('stat', () => node.stat(blobId)),
    list: () => node.list(),
    health: () => node.health(),
    ...(node.sweepTempFiles === undefined
      ? {}
      : { sweepTempFiles: (olderThan: Date) => node.sweepTempFiles!(olderThan) }),
  };
}

/**
 * `storage_node_up` and `storage_node_used_bytes` from one round of health answers, shared by the
 * scrapes of {@link NODE_CENSUS_MAX_AGE_MS}. A node that does not answer within `timeoutMs` counts
 * as down. A node once seen and now gone from discovery (its lease lapsed: killed, partitioned)
 * stays listed as down, so a lost node reads 0 rather than vanishing.
 */
function serveNodeCensus(
  registry: Registry,
  viewNodes: () => readonly StorageNode[],
  clock: Clock,
  timeoutMs: number,
): void {
  const seen = new Set<string>();
  let census: { atMs: number; health: Promise<NodeHealth[]> } | undefined;
  const current = () => {
    const nowMs = clock.now().getTime();
    if (census === undefined || nowMs - census.atMs >= NODE_CENSUS_MAX_AGE_MS) {
      const health = Promise.all(
        viewNodes().map(
          async (node): Promise<NodeHealth> =>
            (await readWithin(node.health(), timeoutMs)) ?? { id: node.id, healthy: false },
        ),
      );
      census = { atMs: nowMs, health };
    }
    return census.health;
  };
  const up: Gauge<'node'> = new Gauge({
    name: 'storage_node_up',
    help: 'Whether a storage node answers healthy (1) or not: unhealthy, unreachable or gone from discovery (0)',
    labelNames: ['node'] as const,
    registers: [registry],
    async collect() {
      const answers = await current();
      const listed = new Set(answers.map((answer) => answer.id));
      for (const answer of answers) {
        seen.add(answer.id);
        up.set({ node: answer.id }, answer.healthy ? 1 : 0);
      }
      for (const id of seen) if (!listed.has(id)) up.set({ node: id }, 0);
    },
  });
  const used: Gauge<'node'> = new Gauge({
    name: 'storage_node_used_bytes',
    help: 'Blob bytes a storage node holds, as it reports them (absent while it does not answer)',
    labelNames: ['node'] as const,
    registers: [registry],
    async collect() {
      used.reset();
      for (const answer of await current()) {
        if (answer.bytes !== undefined) used.set({ node: answer.id }, answer.bytes);
      }
    },
  });
}
