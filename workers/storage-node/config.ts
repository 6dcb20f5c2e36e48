import { ConfigError } from '../../shared/config/env.js';

export interface StorageNodeConfig {
  nodeId: string;
  dir: string;
  host: string;
  port: number;
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
  const rawPort = env.NODE_PORT ?? '0';
  const port = Number(rawPort);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ConfigError(`NODE_PORT must be an integer from 0 to 65535, got "${rawPort}"`);
  }
  return Object.freeze({ nodeId, dir, host: env.HOST || '127.0.0.1', port });
}
