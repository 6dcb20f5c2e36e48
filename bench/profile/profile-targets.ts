import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findFreePort, spawnNode, waitForHealthy } from '../targets/child-server.js';

const READY_TIMEOUT_MS = 90_000;
/** Clock ticks per second of /proc/<pid>/stat (USER_HZ, 100 on Linux). */
const TICKS_PER_SECOND = 100;

/** A server under profile, with its process id so its CPU time can be read. */
export interface ProfiledServer {
  readonly name: string;
  readonly baseUrl: string;
  readonly pid: number;
  stop(): Promise<void>;
}

/** CPU seconds (user + system, every thread) the process has used so far. */
export async function cpuSeconds(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces) start at `state`; utime and stime are 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

/**
 * This server in embedded mode as `npm start` runs it, over a fresh data directory. `nodeArgs` go
 * before the script (e.g. `--cpu-prof --cpu-prof-dir=...`), `env` into its environment; `tree` is
 * the checkout whose code runs (another one, e.g. the base commit, for an A/B comparison).
 */
export async function startMockS3Profiled(
  nodeArgs: string[],
  env: Record<string, string>,
  name = 'mock-s3',
  tree = '.',
): Promise<ProfiledServer> {
  const dataDir = await mkdtemp(join(tmpdir(), 'profile-mock-s3-'));
  const port = await findFreePort();
  let adminPort = await findFreePort();
  if (adminPort === port) adminPort = await findFreePort();
  // start.mjs bundles the tree it lives in: another checkout's copy runs that checkout's code.
  const server = spawnNode([...nodeArgs, join(tree, 'scripts/start.mjs')], {
    PORT: String(port),
    ADMIN_PORT: String(adminPort),
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
    ...env,
  });
  const stop = async () => {
    await server.stop();
    await rm(dataDir, { recursive: true, force: true });
  };
  await waitForHealthy(`http://127.0.0.1:${adminPort}/health`, server, READY_TIMEOUT_MS).catch(
    async (error: unknown) => {
      await stop();
      throw error;
    },
  );
  return { name, baseUrl: `http://127.0.0.1:${port}`, pid: server.child.pid ?? 0, stop };
}

/** s3rver (bench/peers/s3rver.mjs) over a fresh directory. */
export async function startS3rverProfiled(): Promise<ProfiledServer> {
  const directory = await mkdtemp(join(tmpdir(), 'profile-s3rver-'));
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
    pid: server.child.pid ?? 0,
    stop,
  };
}
