import { ConfigError } from '../../shared/config/env.js';

export interface StorageNodeConfig {
  nodeId: string;
  dir: string;
  host: string;
  port: number;
  /** etcd to register in (ETCD_URL); none: the worker serves without registering (tests, by hand). */
  etcdUrl: string | undefined;
  /** TTL of the registration lease (NODE_LEASE_TTL_SECONDS): how long a killed worker stays listed. */
  leaseTtlSeconds: number;
  /** The URL published in etcd (NODE_ADVERTISE_URL); default `http://HOST:port` (127.0.0.1 for 0.0.0.0). */
  advertiseUrl: string | undefined;
}

/** The worker's environment, parsed once; a bad value stops start-up naming the variable. */
export function loadStorageNodeConfig(
  env: Record<string, string | undefined> = process.env,
): Readonly<StorageNodeConfig> {
  const nodeId = env.NODE_ID;
  if (!nodeId || !/^[A-Za-z0-9_.-]{1,64}$/.test(nodeId)) {
    throw new ConfigError(`NODE_ID must be 1-64 characters of [A-Za-z0-9_.-], got "${nodeId ?? ''}"`);
  }
  const dir = env.NODE_DIR;
  if (!dir) throw new ConfigError('NODE_DIR must name the node data directory');
  const port = integer(env, 'NODE_PORT', 0, 0, 65535);
  const leaseTtlSeconds = integer(env, 'NODE_LEASE_TTL_SECONDS', 10, 1, 300);
  const advertiseUrl = env.NODE_ADVERTISE_URL || undefined;
  if (advertiseUrl !== undefined && !/^https?:\/\/[^/]+\/?$/.test(advertiseUrl)) {
    throw new ConfigError(`NODE_ADVERTISE_URL must be http(s)://host:port, got "${advertiseUrl}"`);
  }
  return Object.freeze({
    nodeId,
    dir,
    host: env.HOST || '127.0.0.1',
    port,
    etcdUrl: env.ETCD_URL || undefined,
    leaseTtlSeconds,
    advertiseUrl,
  });
}

function integer(
  env: Record<string, string | undefined>,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be an integer from ${min} to ${max}, got "${raw}"`);
  }
  return value;
}
