import type { Config } from '../config/env.js';
import { createFaultEngine, type FaultEngine } from '../faults/engine.js';
import type { Clock } from '../runtime/clock.js';
import type { Logger } from '../telemetry/logger.js';
import type { Metrics } from '../telemetry/metrics.js';
import { observeFirings } from './observe-firing.js';

/** The fault engine of this process, off unless FAULTS_ENABLED, with every firing observed. */
export function createProcessFaultEngine(
  config: Readonly<Config>,
  clock: Clock,
  logger: Logger,
  metrics: Metrics,
): FaultEngine {
  return createFaultEngine({
    clock,
    enabled: config.faultsEnabled,
    maxTtlMs: config.faults.maxTtlMs,
    onFire: observeFirings(metrics.registry, logger),
  });
}
