import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { findFreePort } from './child-server.js';
import { fakeSigV4Headers } from './s3-headers.js';
import { readPidFile, runScript } from './script-server.js';
import type { TargetDefinition } from './target.js';

/** A first start creates the virtualenv (pip install of moto[server]): up to minutes. */
const UP_TIMEOUT_MS = 300_000;
const DOWN_TIMEOUT_MS = 30_000;
/** Where scripts/moto-up.sh keeps its virtualenv and pid files (its MOCK_S3_RUN_DIR default). */
const RUN_DIR = process.env.MOCK_S3_RUN_DIR ?? '/tmp/mock-s3-services';

/**
 * moto's server (the peer the SQS tests already use), a fresh instance of its own on a free port
 * started by `scripts/moto-up.sh` with the tests' virtualenv, so the shared instance on 5055 is
 * never touched. moto keeps every object in memory and checks no signature by default.
 */
export const motoTarget: TargetDefinition = {
  name: 'moto',
  async start() {
    const port = String(await findFreePort());
    const env = { MOTO_PORT: port };
    const stop = async () => {
      await runScript('scripts/moto-down.sh', [], env, DOWN_TIMEOUT_MS);
      // moto-down keeps the log of a port; a bench instance's port is never used again.
      await rm(join(RUN_DIR, `moto-${port}.log`), { force: true });
    };
    await runScript('scripts/moto-up.sh', [], env, UP_TIMEOUT_MS).catch(async (error: unknown) => {
      await stop().catch(() => undefined);
      throw error;
    });
    return {
      name: 'moto',
      baseUrl: `http://127.0.0.1:${port}`,
      pid: await readPidFile(join(RUN_DIR, `moto-${port}.pid`)),
      headers: () => fakeSigV4Headers(),
      stop,
    };
  },
};
