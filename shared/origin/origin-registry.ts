import type { Config } from '../config/env.js';
import { followConfigSource } from '../config/follow-config-source.js';
import type { ConfigChange, ConfigSource } from '../config/ports.js';
import { type Logger, silentLogger } from '../telemetry/logger.js';
import { bucketOfOriginKey, ORIGIN_DEFAULTS, parseOriginConfig } from './origin-config.js';
import type { OriginConfig, OriginDirectory } from './ports.js';

export interface OriginRegistryOptions {
  /** The config store (etcd in stack mode, memory in embedded mode): origins are `origin.<bucket>` keys. */
  source: ConfigSource;
  /** The environment's origin (ORIGIN_ENDPOINT, ORIGIN_BUCKETS), below every stored one. */
  environment: Config['origin'];
  logger?: Logger;
}

/**
 * The origins in force in this process: the stored ones, kept current through the config store's
 * watch (so a `PUT /api/v1/origins/{bucket}` on any instance applies everywhere), over the
 * environment's. A stored value that fails validation (written around the API) is logged and
 * ignored. The watch starts before the first read (`followConfigSource`).
 */
export async function createOriginRegistry(options: OriginRegistryOptions): Promise<OriginDirectory> {
  const logger = (options.logger ?? silentLogger).child({ component: 'origin-registry' });
  const stored = new Map<string, OriginConfig>();
  const listeners = new Set<(bucket: string, config: OriginConfig | undefined) => void>();

  function apply(change: ConfigChange): void {
    const bucket = bucketOfOriginKey(change.key);
    if (bucket === undefined) return;
    let next: OriginConfig | undefined;
    if (change.value !== undefined) {
      const parsed = parseOriginConfig(bucket, change.value);
      if (!parsed.ok) {
        logger.warn('ignoring invalid stored origin', { bucket, field: parsed.field, error: parsed.error });
        return;
      }
      next = parsed.config;
    }
    if (next) stored.set(bucket, next);
    else if (!stored.delete(bucket)) return;
    logger.info(next ? 'origin set' : 'origin removed', {
      bucket,
      ...(next ? { endpoint: next.endpoint, kind: next.kind } : {}),
    });
    for (const listener of [...listeners]) {
      try {
        listener(bucket, next ?? environmentOrigin(options.environment, bucket));
      } catch (error) {
        logger.error('origin listener failed', { bucket, error });
      }
    }
  }

  const subscription = await followConfigSource(options.source, apply);

  return {
    originFor: (bucket) => stored.get(bucket) ?? environmentOrigin(options.environment, bucket),
    list() {
      const named = options.environment.buckets.filter((bucket) => bucket !== '*' && !stored.has(bucket));
      const fromEnvironment = named.map((bucket) => environmentOrigin(options.environment, bucket)!);
      return [...stored.values(), ...fromEnvironment].sort((a, b) => a.bucket.localeCompare(b.bucket));
    },
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    close: () => subscription.close(),
  };
}

/** The environment's origin for a bucket it names (or for every bucket, with `*`). */
export function environmentOrigin(environment: Config['origin'], bucket: string): OriginConfig | undefined {
  if (environment.endpoint === undefined) return undefined;
  if (!environment.buckets.includes('*') && !environment.buckets.includes(bucket)) return undefined;
  return {
    bucket,
    endpoint: environment.endpoint,
    remoteBucket: bucket,
    kind: environment.kind,
    region: ORIGIN_DEFAULTS.region,
    forcePathStyle: ORIGIN_DEFAULTS.forcePathStyle,
    ...(environment.credentials ? { credentials: { ...environment.credentials } } : {}),
    writeBack: ORIGIN_DEFAULTS.writeBack,
    negativeTtlMs: ORIGIN_DEFAULTS.negativeTtlMs,
    rps: ORIGIN_DEFAULTS.rps,
    timeoutMs: ORIGIN_DEFAULTS.timeoutMs,
    breaker: { ...ORIGIN_DEFAULTS.breaker },
    source: 'environment',
  };
}
