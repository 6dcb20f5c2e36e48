import type { Lease } from 'etcd3';
import { type Clock, systemClock } from '../../runtime/clock.js';
import { type Logger, silentLogger } from '../../telemetry/logger.js';
import { NODES_PREFIX, type NodeEntry, nodeKey } from '../node-entry.js';
import { connectEtcd, type EtcdTarget } from './etcd-connection.js';

export type RegisterNodeOptions = EtcdTarget & {
  id: string;
  baseUrl: string;
  /** Lease TTL: how long a killed worker stays listed. Default 10 s. */
  ttlSeconds?: number;
  prefix?: string;
  logger?: Logger;
  clock?: Clock;
  /** Wait before granting a new lease after one was lost (etcd restarted, partition). Default 1 s. */
  regrantDelayMs?: number;
};

/** A live registration of one storage node. */
export interface NodeRegistration {
  readonly entry: NodeEntry;
  readonly key: string;
  /** Clean stop: revokes the lease, so the node leaves discovery at once. */
  deregister(): Promise<void>;
  /**
   * Stops the keep-alives and drops the connection without revoking, as a crash would: the key
   * stays until the TTL lapses. For chaos drills and tests of lease expiry.
   */
  abandon(): Promise<void>;
}

/**
 * Registers a storage-node worker in etcd: puts `<prefix><id>` = JSON {id, baseUrl, startedAt}
 * under a lease with a TTL and keeps the lease alive. If the lease is lost (etcd restarted or
 * unreachable for longer than the TTL), a new one is granted and the key put again, so a node
 * that is alive comes back into discovery by itself. Resolves once the key is written.
 */
export async function registerNode(options: RegisterNodeOptions): Promise<NodeRegistration> {
  const prefix = options.prefix ?? NODES_PREFIX;
  const ttlSeconds = options.ttlSeconds ?? 10;
  if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1) {
    throw new RangeError(`ttlSeconds must be a positive integer, got ${ttlSeconds}`);
  }
  const regrantDelayMs = options.regrantDelayMs ?? 1000;
  const logger = (options.logger ?? silentLogger).child({ component: 'etcd-registry', node: options.id });
  const key = nodeKey(prefix, options.id);
  const entry: NodeEntry = Object.freeze({
    id: options.id,
    baseUrl: options.baseUrl,
    startedAt: (options.clock ?? systemClock).now().toISOString(),
  });
  const value = JSON.stringify(entry);
  const connection = connectEtcd(options);
  let stopped = false;
  let lease: Lease;
  let regrantTimer: NodeJS.Timeout | undefined;

  async function grant(): Promise<void> {
    const next = connection.client.lease(ttlSeconds);
    // Attached before the first await: a lease can be lost while the put is in flight.
    next.on('lost', (error) => {
      if (stopped || next !== lease) return;
      logger.warn('node lease lost; registering again', { error });
      scheduleRegrant();
    });
    lease = next;
    try {
      await next.put(key).value(value).exec();
    } catch (error) {
      next.release();
      throw error;
    }
  }

  function scheduleRegrant(): void {
    if (stopped || regrantTimer) return;
    regrantTimer = setTimeout(() => {
      regrantTimer = undefined;
      grant().then(
        () => logger.info('node registered again', { key }),
        (error: unknown) => {
          logger.warn('registering again failed; will retry', { error });
          scheduleRegrant();
        },
      );
    }, regrantDelayMs);
    regrantTimer.unref();
  }

  function stop(): void {
    stopped = true;
    clearTimeout(regrantTimer);
  }

  try {
    await grant();
  } catch (error) {
    stop();
    connection.release();
    throw error;
  }
  logger.info('node registered', { key, ttlSeconds, baseUrl: entry.baseUrl });

  return {
    entry,
    key,
    async deregister() {
      if (stopped) return;
      stop();
      try {
        await lease.revoke();
        logger.info('node deregistered', { key });
      } finally {
        connection.release();
      }
    },
    async abandon() {
      if (stopped) return;
      stop();
      lease.release();
      connection.release();
    },
  };
}
