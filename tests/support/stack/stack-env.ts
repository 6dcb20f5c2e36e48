import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The test stack as the environment describes it (scripts/test-stack.env, contract in
 * jest.config.js). Read once per file; a missing variable fails the file with its name.
 */
export interface StackEnv {
  readonly endpoint: string;
  readonly adminEndpoint: string;
  readonly runDir: string;
  readonly dataDir: string;
  readonly offlinePorts: readonly number[];
  readonly nodePorts: readonly number[];
  /** `node-1`, `node-2`, ...: the pid-file names and data directories of the workers. */
  readonly nodeIds: readonly string[];
  readonly pgVersion: string;
  readonly pgCluster: string;
  readonly pgPort: number;
  readonly redisPort: number;
  readonly replicas: number;
  readonly reconcileIntervalMs: number;
  readonly orphanGraceMs: number;
  readonly leaseTtlSeconds: number;
  /** DATABASE_URL of the stack's own PostgreSQL, from RUN_DIR/stack.env. */
  readonly databaseUrl: string;
}

function required(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') {
    throw new Error(
      `${name} is not set: run tests/stack through scripts/test.sh or with scripts/test-stack.env`,
    );
  }
  return value;
}

function ports(name: string): number[] {
  return required(name)
    .split(/\s+/)
    .filter(Boolean)
    .map((port) => Number(port));
}

/** The stack's settings, with the backend URLs `stack.sh up` wrote to RUN_DIR/stack.env. */
export function stackEnv(): StackEnv {
  const runDir = required('MOCK_S3_RUN_DIR');
  const written = readFileSync(join(runDir, 'stack.env'), 'utf8');
  const databaseUrl = /^DATABASE_URL=(.*)$/m.exec(written)?.[1];
  if (databaseUrl === undefined) throw new Error(`no DATABASE_URL in ${runDir}/stack.env`);
  const nodePorts = ports('STACK_NODE_PORTS');
  return {
    endpoint: required('S3_ENDPOINT'),
    adminEndpoint: required('S3_ADMIN_ENDPOINT'),
    runDir,
    dataDir: required('STACK_DATA_DIR'),
    offlinePorts: ports('STACK_OFFLINE_PORTS'),
    nodePorts,
    nodeIds: nodePorts.map((_, index) => `node-${index + 1}`),
    pgVersion: process.env.PG_VERSION || '15',
    pgCluster: required('PG_CLUSTER'),
    pgPort: Number(required('PG_PORT')),
    redisPort: Number(required('REDIS_PORT')),
    replicas: Number(process.env.REPLICATION_FACTOR || '2'),
    reconcileIntervalMs: Number(required('RECONCILE_INTERVAL_MS')),
    orphanGraceMs: Number(required('ORPHAN_GRACE_MS')),
    leaseTtlSeconds: Number(process.env.NODE_LEASE_TTL_SECONDS || '10'),
    databaseUrl,
  };
}
