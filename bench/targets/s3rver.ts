import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ChildServer, spawnNode } from './child-server.js';
import { fakeSigV4Headers } from './s3-headers.js';
import type { TargetDefinition } from './target.js';

const READY_TIMEOUT_MS = 30_000;

/** A ready s3rver child process and its origin. */
export interface SpawnedS3rver {
  readonly server: ChildServer;
  readonly baseUrl: string;
  /** Stops the process and removes its directory. */
  stop(): Promise<void>;
}

/**
 * Spawns s3rver (bench/peers/s3rver.mjs) over a fresh temporary directory named from `prefix` and
 * waits for the line that gives its port. It needs the legacy OpenSSL provider on Node 17+.
 */
export async function spawnS3rver(prefix: string): Promise<SpawnedS3rver> {
  const directory = await mkdtemp(join(tmpdir(), prefix));
  const server = spawnNode(['--openssl-legacy-provider', 'bench/peers/s3rver.mjs', directory]);
  const stop = async () => {
    await server.stop();
    await rm(directory, { recursive: true, force: true });
  };
  const ready = await server.firstJsonLine(READY_TIMEOUT_MS).catch(async (error: unknown) => {
    await stop();
    throw error;
  });
  return { server, baseUrl: `http://127.0.0.1:${Number(ready.port)}`, stop };
}

/** s3rver, the peer, in its own process; it accepts only the access key `S3RVER` (set by `fakeSigV4Headers`). */
export const s3rverTarget: TargetDefinition = {
  name: 's3rver',
  async start() {
    const { server, baseUrl, stop } = await spawnS3rver('bench-s3rver-');
    return { name: 's3rver', baseUrl, pid: server.child.pid, headers: () => fakeSigV4Headers(), stop };
  },
};
