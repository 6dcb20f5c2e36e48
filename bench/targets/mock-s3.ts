import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ChildServer, findFreePort, spawnNode, waitForHealthy } from './child-server.js';
import { fakeSigV4Headers } from './s3-headers.js';
import type { RunningTarget, TargetDefinition } from './target.js';

/** Embedded mode bundles itself and opens PGlite (seconds on a cold start) before it is healthy. */
const HEALTHY_TIMEOUT_MS = 90_000;

/** A running embedded server, with the origin of its control plane as well. */
export interface RunningMockS3 extends RunningTarget {
  /** Origin of ADMIN_PORT (`/health`, `/api/v1/injection/...`), e.g. `http://127.0.0.1:41235`. */
  readonly adminUrl: string;
}

/** A healthy `scripts/start.mjs` child process and the origins it serves. */
export interface SpawnedMockS3 {
  readonly server: ChildServer;
  /** Origin of PORT, e.g. `http://127.0.0.1:41234`. */
  readonly baseUrl: string;
  /** Origin of ADMIN_PORT. */
  readonly adminUrl: string;
}

/** How to spawn the embedded server: node options, extra environment, and which checkout runs. */
export interface SpawnMockS3Options {
  /** Go before the script, e.g. `--cpu-prof --cpu-prof-dir=...`. */
  readonly nodeArgs?: string[];
  /** Added to the child's environment (e.g. `FAULTS_ENABLED`). */
  readonly env?: Record<string, string>;
  /** The checkout whose code runs (another one, e.g. the base commit, for an A/B comparison). */
  readonly tree?: string;
}

/**
 * Spawns `scripts/start.mjs` (the esbuild bundle of `gateway/embedded/main.ts`, as `npm start` runs
 * it) over `dataDir` on free ports and waits until it is healthy; if it never is, the child is
 * stopped and the error thrown. The data directory stays the caller's.
 */
export async function spawnMockS3(dataDir: string, options: SpawnMockS3Options = {}): Promise<SpawnedMockS3> {
  const port = await findFreePort();
  let adminPort = await findFreePort();
  if (adminPort === port) adminPort = await findFreePort();
  // start.mjs bundles the tree it lives in: another checkout's copy runs that checkout's code.
  const server = spawnNode([...(options.nodeArgs ?? []), join(options.tree ?? '.', 'scripts/start.mjs')], {
    PORT: String(port),
    ADMIN_PORT: String(adminPort),
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
    ...options.env,
  });
  const adminUrl = `http://127.0.0.1:${adminPort}`;
  await waitForHealthy(`${adminUrl}/health`, server, HEALTHY_TIMEOUT_MS).catch(async (error: unknown) => {
    await server.stop();
    throw error;
  });
  return { server, baseUrl: `http://127.0.0.1:${port}`, adminUrl };
}

/**
 * Starts this project's server in embedded mode as `npm start` runs it over a fresh data directory;
 * `env` is added to the child's environment (e.g. `FAULTS_ENABLED`).
 */
export async function startMockS3(name: string, env: Record<string, string> = {}): Promise<RunningMockS3> {
  const dataDir = await mkdtemp(join(tmpdir(), 'bench-mock-s3-'));
  const removeDataDir = () => rm(dataDir, { recursive: true, force: true });
  const { server, baseUrl, adminUrl } = await spawnMockS3(dataDir, { env }).catch(async (error: unknown) => {
    await removeDataDir();
    throw error;
  });
  return {
    name,
    baseUrl,
    adminUrl,
    pid: server.child.pid,
    headers: () => fakeSigV4Headers(),
    stop: async () => {
      await server.stop();
      await removeDataDir();
    },
  };
}

/** This project's server in embedded mode with its default settings. */
export const mockS3Target: TargetDefinition = {
  name: 'mock-s3',
  start: () => startMockS3('mock-s3'),
};

/**
 * This server flushing every replica to the disk before a PUT is answered (`STORAGE_FSYNC=true`,
 * the default with PostgreSQL metadata, as in stack mode). Embedded mode's default does not flush:
 * PGlite never flushes its commits, so flushed replicas would not make a write survive a power loss
 * (see `shared/config/env.ts`). Beside `mock-s3` it shows what the flushes cost.
 */
export const mockS3FsyncTarget: TargetDefinition = {
  name: 'mock-s3-fsync',
  start: () => startMockS3('mock-s3-fsync', { STORAGE_FSYNC: 'true' }),
};
