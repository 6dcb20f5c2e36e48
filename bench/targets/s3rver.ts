import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnNode } from './child-server.js';
import { fakeSigV4Headers } from './s3-headers.js';
import type { TargetDefinition } from './target.js';

const READY_TIMEOUT_MS = 30_000;

/**
 * s3rver, the peer, in its own process over a fresh temporary directory. It needs the legacy OpenSSL
 * provider on Node 17+, and it accepts only the access key `S3RVER` (set by `fakeSigV4Headers`).
 */
export const s3rverTarget: TargetDefinition = {
  name: 's3rver',
  async start() {
    const directory = await mkdtemp(join(tmpdir(), 'bench-s3rver-'));
    const server = spawnNode(['--openssl-legacy-provider', 'bench/peers/s3rver.mjs', directory]);
    const stop = async () => {
      await server.stop();
      await rm(directory, { recursive: true, force: true });
    };
    const ready = await server.firstJsonLine(READY_TIMEOUT_MS).catch(async (error: unknown) => {
      await stop();
      throw error;
    });
    return {
      name: 's3rver',
      baseUrl: `http://127.0.0.1:${Number(ready.port)}`,
      pid: server.child.pid,
      headers: () => fakeSigV4Headers(),
      stop,
    };
  },
};
