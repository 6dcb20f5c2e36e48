import type { Tracer } from '@opentelemetry/api';
import type { ReconcileReport } from '../async/reconcile.js';
import type { Config } from '../config/env.js';
import type { FaultEngine } from '../faults/engine.js';
import type { SharedHitLog } from '../faults/hit-log.js';
import type { DynamicConfigHandle } from '../injection/fault-control-plane.js';
import type { MetadataStore } from '../metadata/ports.js';
import type { OriginDirectory, OriginFallback } from '../origin/ports.js';
import type { TaskQueue } from '../queue/ports.js';
import type { BlobStore, StorageNode } from '../storage/ports.js';
import type { Logger } from '../telemetry/logger.js';
import type { Metrics } from '../telemetry/metrics.js';
import type { ServiceName } from '../telemetry/service-names.js';
import type { Clock } from './clock.js';

/** The ports the S3 application functions work over. */
export interface S3Services {
  blobs: BlobStore;
  metadata: MetadataStore;
  queue: TaskQueue;
  clock: Clock;
  /** A fresh opaque id for blobs and multipart uploads. */
  newId(): string;
  /**
   * How long the bytes of a replaced version are kept before their delete task is published: 0
   * normally; while a `stale_read` or `cache_stale` rule exists, long enough for it to serve the old version.
   */
  replacedRetentionMs?(): number;
  /** Origin fallback: what a GET or HEAD of a key the bucket lacks reads through; absent on hosts without. */
  origin?: OriginFallback;
  logger: Logger;
}

/**
 * The ports as they are, wearing no fault point (and, for metadata, behind no read cache): what
 * the control plane's read-only views (`/api/v1/storage|metadata|async|admin/...`) read, so that
 * looking at the system never spends a rule, logs a hit or shows an injected failure as real.
 */
export interface ViewPorts {
  /** The nodes discovery lists now, without their `node.*` fault points. */
  nodes(): readonly StorageNode[];
  /** The metadata store itself: the committed records, not the cache. */
  metadata: MetadataStore;
  queue: TaskQueue;
}

/** What the internal storage API (`/api/v1/storage`) runs beyond the S3 ports. */
export interface StorageControl {
  /** Where a node keeps its blobs (a directory or a URL), when this process knows it. */
  address(nodeId: string): string | undefined;
  /** Runs a reconcile pass now (after the running one, if any) and resolves with its report. */
  reconcile(): Promise<ReconcileReport>;
}

/** Everything a handler needs, built once per process (per Lambda container) from the config. */
export interface Runtime {
  config: Readonly<Config>;
  logger: Logger;
  tracer: Tracer;
  /**
   * The tracer of one service hosted by this process (its resource's `service.name`): a handler's
   * spans go under its own service, as on Lambda, even when one process hosts them all.
   */
  tracerFor(service: ServiceName): Tracer;
  metrics: Metrics;
  services: S3Services;
  /** The same ports without fault points, for the control plane's views. */
  views: ViewPorts;
  /** The fault engine of this instance (rules can be managed while it is off). */
  faults: FaultEngine;
  /** Stack mode: the hit log every process appends to (`/events` reads it); absent in embedded mode. */
  sharedHitLog?: SharedHitLog;
  /** The dynamic settings (`/api/v1/config`) and their store; absent on hosts that have none. */
  dynamicConfig?: DynamicConfigHandle;
  /** The origins configured now (`/api/v1/origins`); absent on hosts without a config store. */
  origins?: OriginDirectory;
  /** Storage nodes and the reconcile pass, for the internal storage API; absent on hosts without. */
  storage?: StorageControl;
  /** True once every backend answered; /health is 200 only then. */
  isReady(): boolean;
  /** Empties and deletes every bucket (test suites call it between runs). */
  reset(): Promise<void>;
  close(): Promise<void>;
}
