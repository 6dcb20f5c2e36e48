import type { Config } from '../config/env.js';
import { createFaultEngine, type FaultEngine } from '../faults/engine.js';
import type { Firing } from '../faults/hit-log.js';
import type { Clock } from '../runtime/clock.js';
import { createFaultMetrics } from '../telemetry/fault-metrics.js';
import type { Logger } from '../telemetry/logger.js';
import type { Metrics } from '../telemetry/metrics.js';
import type { FiringRelay } from './firing-relay.js';
import { observeFirings } from './observe-firing.js';

/**
 * The fault engine of this process, off unless FAULTS_ENABLED, with every firing observed and,
 * with `relay`, also handed to the sinks attached to it (stack mode's shared hit log).
 */
export function createProcessFaultEngine(
  config: Readonly<Config>,
  clock: Clock,
  logger: Logger,
  metrics: Metrics,
  relay?: FiringRelay,
): FaultEngine {
  const counted = createFaultMetrics(metrics.registry);
  const observeOnly = observeFirings(metrics.registry, logger);
  const observe = (firing: Firing) => {
    observeOnly(firing);
    counted.record(firing);
  };
  const engine = createFaultEngine({
    clock,
    enabled: config.faultsEnabled,
    maxTtlMs: config.faults.maxTtlMs,
    maxRules: config.faults.maxRules,
    onFire:
      relay === undefined
        ? observe
        : (firing) => {
            observe(firing);
            relay.emit(firing);
          },
  });
  counted.follow(engine);
  return engine;
}
