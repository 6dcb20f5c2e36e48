import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findFreePort, spawnNode, waitForHealthy } from './child-server.js';
import { fakeSigV4Headers } from './s3-headers.js';
import type { TargetDefinition } from './target.js';

/** Embedded mode compiles TypeScript on the fly and opens PGlite, so its first start can be slow. */
const HEALTHY_TIMEOUT_MS = 90_000;

/** This project's server in embedded mode (`gateway/embedded/main.ts`) over a fresh data directory. */
export const mockS3Target: TargetDefinition = {
  name: 'mock-s3',
  async start() {
    const dataDir = await mkdtemp(join(tmpdir(), 'bench-mock-s3-'));
    const port = await findFreePort();
    let adminPort = await findFreePort();
    if (adminPort === port) adminPort = await findFreePort();
    const server = spawnNode(['--import', 'tsx', 'gateway/embedded/main.ts'], {
      PORT: String(port),
      ADMIN_PORT: String(adminPort),
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
    });
    const stop = async () => {
      await server.stop();
      await rm(dataDir, { recursive: true, force: true });
    };
    await waitForHealthy(`http://127.0.0.1:${adminPort}/health`, server, HEALTHY_TIMEOUT_MS).catch(
      async (error: unknown) => {
        await stop();
        throw error;
      },
    );
    return {
      name: 'mock-s3',
      baseUrl: `http://127.0.0.1:${port}`,
      headers: () => fakeSigV4Headers(),
      stop,
    };
  },
};
