/**
 * `npm start`'s server in a child process, as users run it (`scripts/start.mjs`: the esbuild
 * bundle of gateway/embedded/main.ts loaded in that process) over a data directory of the caller's. The
 * child's pid is the whole server: PGlite runs on a worker thread and the storage nodes are
 * directories written from the same process, so its RSS counts every byte the server holds.
 */
import { readdir, readFile } from 'node:fs/promises';
import { findFreePort, spawnNode, waitForHealthy } from '../targets/child-server.js';

/** Bundling and a cold PGlite start (initdb) take seconds; on a busy machine, more. */
const HEALTHY_TIMEOUT_MS = 90_000;

/** A running embedded server and the process that holds it. */
export interface EmbeddedServer {
  readonly pid: number;
  /** Origin of PORT, e.g. `http://127.0.0.1:41234`. */
  readonly endpoint: string;
  /** Processes the server started (none in embedded mode; counted so a change would show). */
  childPids(): Promise<number[]>;
  stop(): Promise<void>;
}

/** Starts `scripts/start.mjs` on free ports over `dataDir`; `env` is added to its environment. */
export async function startEmbeddedServer(
  dataDir: string,
  env: Record<string, string> = {},
): Promise<EmbeddedServer> {
  const port = await findFreePort();
  let adminPort = await findFreePort();
  if (adminPort === port) adminPort = await findFreePort();
  const server = spawnNode(['scripts/start.mjs'], {
    PORT: String(port),
    ADMIN_PORT: String(adminPort),
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
    // The SDK's aws-chunked framing makes a 1 GiB object's body more than the default 1 GiB cap.
    MAX_BODY_BYTES: String(2 * 1024 ** 3),
    ...env,
  });
  const stop = () => server.stop();
  try {
    await waitForHealthy(`http://127.0.0.1:${adminPort}/health`, server, HEALTHY_TIMEOUT_MS);
  } catch (error) {
    await stop();
    throw error;
  }
  const pid = server.child.pid;
  if (pid === undefined) throw new Error('the server process has no pid');
  return { pid, endpoint: `http://127.0.0.1:${port}`, childPids: () => childPids(pid), stop };
}

/** Direct children of `pid`, from /proc/<pid>/task/<tid>/children of each of its threads. */
async function childPids(pid: number): Promise<number[]> {
  const tasks = await readdir(`/proc/${pid}/task`);
  const lists = await Promise.all(
    tasks.map((tid) => readFile(`/proc/${pid}/task/${tid}/children`, 'utf8').catch(() => '')),
  );
  return lists.flatMap((list) => list.split(/\s+/).filter(Boolean).map(Number));
}
