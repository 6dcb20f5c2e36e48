/**
 * The shared state of the fault control plane in one process: the rules, kept in the metadata
 * database and in step with the other instances, and the dynamic config with its `faults.enabled`
 * switch. `createRuntime` starts it; the config and injection functions use what it returns.
 */
import { createEtcdConfigSource } from '../config/adapters/etcd-config-source.js';
import { createMemoryConfigSource } from '../config/adapters/memory-config-source.js';
import { defaultDynamicSettings } from '../config/dynamic-config.js';
import type { Config } from '../config/env.js';
import { createLiveConfig, type LiveConfig } from '../config/live-config.js';
import type { ConfigSource } from '../config/ports.js';
import { createSqlRuleStore } from '../faults/adapters/sql-rule-store.js';
import type { FaultEngine } from '../faults/engine.js';
import type { SharedHitLog } from '../faults/hit-log.js';
import type { SqlClient } from '../metadata/sql-client.js';
import type { Clock } from '../runtime/clock.js';
import type { Logger } from '../telemetry/logger.js';
import { createRedisHitLog } from './adapters/redis-hit-log.js';
import { createRedisRuleBus } from './adapters/redis-rule-bus.js';
import { bindFaultsConfigSwitch } from './faults-config-switch.js';
import type { FiringRelay } from './firing-relay.js';
import { type RuleSync, startRuleSync } from './rule-sync.js';

/** The dynamic settings of this process and the store they come from. */
export interface DynamicConfigHandle {
  source: ConfigSource;
  live: LiveConfig;
}

export interface FaultControlPlaneOptions {
  config: Readonly<Config>;
  engine: FaultEngine;
  clock: Clock;
  logger: Logger;
  /** The metadata database; without it (a test's in-memory metadata) rules live only in memory. */
  client?: SqlClient | undefined;
  /** Overrides the config store the config names (etcd in stack mode, memory otherwise). */
  configSource?: ConfigSource;
  /**
   * The engine's firings (`createProcessFaultEngine`'s relay): in stack mode they are appended to
   * the hit log shared by every process, under `processName`.
   */
  firings?: FiringRelay;
  /** Names this process in the shared hit log (default: the rule sync's instance id). */
  processName?: string;
}

export interface FaultControlPlane {
  dynamicConfig: DynamicConfigHandle;
  ruleSync?: RuleSync;
  /** Stack mode: the firings of every process (what `/events` shows); absent in embedded mode. */
  sharedHitLog?: SharedHitLog;
  /** Stops the sync and the watches and closes the config store (not the SQL client). */
  close(): Promise<void>;
}

/**
 * Starts rule persistence and propagation (Redis pub/sub when the config has `REDIS_URL` and a
 * Redis backend, i.e. stack mode) and the live config with the `faults.enabled` switch.
 */
export async function startFaultControlPlane(options: FaultControlPlaneOptions): Promise<FaultControlPlane> {
  const { config, engine, clock, logger, client } = options;
  const source =
    options.configSource ??
    (config.discovery.backend === 'etcd'
      ? createEtcdConfigSource({ etcdUrl: config.discovery.etcdUrl, logger })
      : createMemoryConfigSource());
  const stack =
    config.redisUrl !== undefined && (config.cache.backend === 'redis' || config.queue.backend === 'redis');
  let ruleSync: RuleSync | undefined;
  let unbind: (() => Promise<void>) | undefined;
  let live: LiveConfig | undefined;
  let sharedHitLog: SharedHitLog | undefined;
  let detach: (() => void) | undefined;
  try {
    if (client !== undefined) {
      ruleSync = await startRuleSync({
        engine,
        store: createSqlRuleStore(client),
        ...(stack ? { bus: createRedisRuleBus({ url: config.redisUrl!, logger }) } : {}),
        clock,
        logger,
      });
    }
    live = await createLiveConfig(source, defaultDynamicSettings(config), {
      logger,
      bounds: { maxReplicas: config.storage.nodes },
    });
    unbind = await bindFaultsConfigSwitch(engine, source, live);
    if (stack && options.firings !== undefined) {
      const log = createRedisHitLog({
        url: config.redisUrl!,
        processName: options.processName ?? ruleSync?.instanceId ?? 'unnamed',
        logger,
      });
      sharedHitLog = log;
      detach = options.firings.attach((firing) => log.append(firing));
    }
  } catch (error) {
    await Promise.allSettled([ruleSync?.close(), live?.close(), source.close()]);
    throw error;
  }
  const started = live;
  return {
    dynamicConfig: { source, live: started },
    ...(ruleSync === undefined ? {} : { ruleSync }),
    ...(sharedHitLog === undefined ? {} : { sharedHitLog }),
    async close() {
      detach?.();
      await Promise.allSettled([unbind?.(), ruleSync?.close(), started.close(), sharedHitLog?.close()]);
      await source.close();
    },
  };
}
