import type { Config } from '../config/env.js';
import type { LiveConfig } from '../config/live-config.js';
import type { FaultEngine } from '../faults/engine.js';
import { openPgClient } from '../metadata/adapters/pg-client.js';
import { migrate } from '../metadata/migrations.js';
import type { SqlClient } from '../metadata/sql-client.js';
import { systemClock } from '../runtime/clock.js';
import type { Logger } from '../telemetry/logger.js';
import { createMetrics, type Metrics } from '../telemetry/metrics.js';
import { createProcessFaultEngine } from './create-fault-engine.js';
import { type FaultControlPlane, startFaultControlPlane } from './fault-control-plane.js';
import { createFiringRelay } from './firing-relay.js';

export interface FollowedFaultRules {
  engine: FaultEngine;
  /** Whether the engine follows the control plane's rules (false without a database). */
  following: boolean;
  /** The dynamic settings the control plane stores (etcd in stack mode); absent without a database. */
  live?: LiveConfig;
  close(): Promise<void>;
}

/**
 * The fault engine of a process outside serverless-offline (the socket-fault front, a storage-node
 * worker), kept in step with the rules the control plane stores in PostgreSQL and announces on
 * Redis; its firings reach the shared hit log under `processName`. Without a PostgreSQL database
 * the engine has only its own rules.
 *
 * `metrics`: the registry the process serves at /metrics (`createProcessTelemetry`), where the
 * engine's firings are counted (`fault_injections_total`, `fault_rule_hits_total`, coverage); the
 * default, a registry of its own, is served nowhere.
 */
export async function followFaultRules(
  config: Readonly<Config>,
  logger: Logger,
  processName: string,
  metrics: Metrics = createMetrics(),
): Promise<FollowedFaultRules> {
  const firings = createFiringRelay();
  const engine = createProcessFaultEngine(config, systemClock, logger, metrics, firings);
  const { databaseUrl } = config.metadata;
  let client: SqlClient | undefined;
  let controlPlane: FaultControlPlane | undefined;
  if (config.metadata.backend === 'postgres' && databaseUrl) {
    client = openPgClient(databaseUrl, { max: 2 });
    // These processes may start before any instance has created the schema.
    await migrate(client);
    controlPlane = await startFaultControlPlane({
      config,
      engine,
      clock: systemClock,
      logger,
      client,
      firings,
      processName,
    });
  }
  return {
    engine,
    following: controlPlane?.ruleSync !== undefined,
    ...(controlPlane === undefined ? {} : { live: controlPlane.dynamicConfig.live }),
    async close() {
      await controlPlane?.close();
      await client?.close();
    },
  };
}
