import type { Redis } from 'ioredis';
import { closeRedis, openRedis, whenReady } from '../../cache/adapters/redis-connection.js';
import { type Logger, silentLogger } from '../../telemetry/logger.js';
import { parseRuleChangeNotice, type RuleBus, type RuleChangeNotice } from '../rule-bus.js';

/** Where stack-mode instances announce rule changes. */
export const RULE_CHANNEL = 'mock-s3:faults:rules';

export interface RedisRuleBusOptions {
  url: string;
  /** Default {@link RULE_CHANNEL}; tests use a channel of their own. */
  channel?: string;
  logger?: Logger;
  /** Bound on a publish and on waiting for the connections (default 2000 ms). */
  commandTimeoutMs?: number;
}

/**
 * Rule-change notices over Redis pub/sub: one connection publishes, one is in subscriber mode
 * (Redis allows nothing else on it). ioredis subscribes again after a reconnect; notices sent
 * while the connection was down are lost, which the version check heals.
 */
export function createRedisRuleBus(options: RedisRuleBusOptions): RuleBus {
  const channel = options.channel ?? RULE_CHANNEL;
  const logger = options.logger ?? silentLogger;
  const commandTimeoutMs = options.commandTimeoutMs ?? 2000;
  const publisher = openRedis({
    url: options.url,
    connectionName: 'mock-s3-rules-pub',
    commandTimeoutMs,
    logger,
  });
  let subscriber: Redis | undefined;

  return {
    async publish(notice: RuleChangeNotice) {
      await whenReady(publisher, commandTimeoutMs);
      await publisher.publish(channel, JSON.stringify(notice));
    },
    async subscribe(listener) {
      subscriber ??= openRedis({
        url: options.url,
        connectionName: 'mock-s3-rules-sub',
        commandTimeoutMs,
        logger,
      });
      const connection = subscriber;
      connection.on('message', (from: string, text: string) => {
        if (from !== channel) return;
        const notice = parseRuleChangeNotice(text);
        if (notice === undefined) logger.warn('ignoring a malformed rule-change notice', { channel });
        else listener(notice);
      });
      await whenReady(connection, commandTimeoutMs);
      await connection.subscribe(channel);
    },
    async close() {
      await Promise.all([
        closeRedis(publisher),
        subscriber === undefined ? undefined : closeRedis(subscriber),
      ]);
    },
  };
}
