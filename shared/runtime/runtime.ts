import type { Tracer } from '@opentelemetry/api';
import type { Config } from '../config/env.js';
import type { FaultEngine } from '../faults/engine.js';
import type { DynamicConfigHandle } from '../injection/fault-control-plane.js';
import type { MetadataStore } from '../metadata/ports.js';
import type { TaskQueue } from '../queue/ports.js';
import type { BlobStore } from '../storage/ports.js';
import type { Logger } from '../telemetry/logger.js';
import type { Metrics } from '../telemetry/metrics.js';
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
   * normally; while a `stale_read` rule exists, long enough for it to serve the old version.
   */
  replacedRetentionMs?(): number;
  logger: Logger;
}

/** Everything a handler needs, built once per process (per Lambda container) from the config. */
export interface Runtime {
  config: Readonly<Config>;
  logger: Logger;
  tracer: Tracer;
  metrics: Metrics;
  services: S3Services;
  /** The fault engine of this instance (rules can be managed while it is off). */
  faults: FaultEngine;
  /** The dynamic settings (`/api/v1/config`) and their store; absent on hosts that have none. */
  dynamicConfig?: DynamicConfigHandle;
  /** True once every backend answered; /health is 200 only then. */
  isReady(): boolean;
  /** Empties and deletes every bucket (test suites call it between runs). */
  reset(): Promise<void>;
  close(): Promise<void>;
}
