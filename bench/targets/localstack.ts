import { homedir } from 'node:os';
import { join } from 'node:path';
import { findFreePort } from './child-server.js';
import { fakeSigV4Headers } from './s3-headers.js';
import { readPidFile, runScript } from './script-server.js';
import type { TargetDefinition } from './target.js';

/** A first start installs localstack-core into a virtualenv: minutes. */
const UP_TIMEOUT_MS = 900_000;
const DOWN_TIMEOUT_MS = 30_000;
const SCRIPT = 'bench/peers/localstack-up.sh';
/** Where the script keeps its virtualenv, certificate and pid files (its MOCK_S3_BENCH_DIR default). */
const BENCH_DIR = process.env.MOCK_S3_BENCH_DIR ?? join(homedir(), '.cache', 'mock-s3-bench');

/**
 * LocalStack's S3 run on the host, without Docker (`bench/peers/localstack-up.sh` installs it into
 * a virtualenv outside the repository), a fresh in-memory instance on a free loopback port. A
 * machine where it cannot be installed fails this start, and the suite reports the peer as such.
 */
export const localstackTarget: TargetDefinition = {
  name: 'localstack',
  async start() {
    const port = String(await findFreePort());
    const env = { LOCALSTACK_PORT: port };
    const stop = async () => {
      await runScript(SCRIPT, ['stop'], env, DOWN_TIMEOUT_MS);
    };
    await runScript(SCRIPT, [], env, UP_TIMEOUT_MS).catch(async (error: unknown) => {
      await stop().catch(() => undefined);
      throw error;
    });
    return {
      name: 'localstack',
      baseUrl: `http://127.0.0.1:${port}`,
      pid: await readPidFile(join(BENCH_DIR, `localstack-${port}.pid`)),
      headers: () => fakeSigV4Headers(),
      stop,
    };
  },
};
