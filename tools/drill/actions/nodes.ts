/**
 * `kill_node`, `stop_node`, `start_node` of stack mode: the storage-node worker's process, by its
 * pid file in the run dir (`node-N.pid`, as `scripts/stack.sh` writes it). Before it goes down, how
 * it was started is read from /proc, so `start_node` (and rollback) starts the same worker again
 * with the same command, environment and directory, the way the stack started it.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sendControl } from '../../cli/control-client.js';
import {
  commandLine,
  isAlive,
  type Launch,
  pidFromFile,
  pollUntil,
  readLaunch,
  relaunch,
  runCommand,
  waitForExit,
} from './processes.js';

const CHECKOUT = fileURLToPath(new URL('../../../', import.meta.url));
/** A worker that ignores SIGTERM this long is killed (stop_node is bounded). */
const STOP_TIMEOUT_MS = 15_000;
/** Starting, answering /health and registering in etcd (the lease) take seconds. */
const START_TIMEOUT_MS = 60_000;
const WORKER_COMMAND = 'workers/storage-node/main';

/**
 * The live worker `node` of the stack at `runDir`, with how it was started (read before it goes
 * down, so the leftovers registry holds it before the signal is sent).
 */
export async function inspectWorker(runDir: string, node: string): Promise<{ pid: number; launch: Launch }> {
  const pid = pidFromFile(runDir, node);
  if (pid === undefined || !isAlive(pid))
    throw new Error(`${node} is not running (no live pid in ${runDir}/${node}.pid)`);
  // A pid file can outlive its process and the pid be reused: only a storage-node worker is ours.
  if (!commandLine(pid).includes(WORKER_COMMAND)) {
    throw new Error(`${node}: pid ${pid} of ${runDir}/${node}.pid is not a storage-node worker`);
  }
  return { pid, launch: await readLaunch(pid) };
}

/** SIGKILL (`kill_node`) or SIGTERM with a bounded wait (`stop_node`); resolves once it is gone. */
export async function signalWorker(
  node: string,
  pid: number,
  signal: 'SIGKILL' | 'SIGTERM',
): Promise<string> {
  process.kill(pid, signal);
  if (await waitForExit(pid, signal === 'SIGKILL' ? 5_000 : STOP_TIMEOUT_MS))
    return `${node} ${signal} (pid ${pid})`;
  process.kill(pid, 'SIGKILL');
  await waitForExit(pid, 5_000);
  return `${node} ${signal} (pid ${pid}), SIGKILL after ${STOP_TIMEOUT_MS / 1000} s`;
}

async function healthy(address: string): Promise<boolean> {
  try {
    const response = await fetch(new URL('/health', address), { signal: AbortSignal.timeout(1_000) });
    await response.arrayBuffer();
    return response.ok;
  } catch {
    return false;
  }
}

async function registered(admin: string, node: string): Promise<boolean> {
  try {
    const answer = (await sendControl(
      admin,
      { method: 'GET', path: '/api/v1/storage/nodes' },
      AbortSignal.timeout(2_000),
    )) as { nodes?: { id: string; healthy?: boolean }[] };
    return answer.nodes?.some((entry) => entry.id === node && entry.healthy !== false) ?? false;
  } catch {
    return false;
  }
}

/**
 * Starts worker `node` again: as it was started (`launch`), else as `scripts/stack.sh up` starts
 * what is not running (with this process's environment: the stack's settings). Waits, bounded,
 * until it answers /health at `address` and the control plane lists it (registered in etcd).
 */
export async function startWorker(options: {
  runDir: string;
  node: string;
  launch?: Launch;
  address?: string;
  admin?: string;
}): Promise<string> {
  const { runDir, node } = options;
  const running = pidFromFile(runDir, node);
  let how: string;
  if (running !== undefined && isAlive(running) && commandLine(running).includes(WORKER_COMMAND)) {
    how = `already running (pid ${running})`;
  } else if (options.launch !== undefined) {
    how = `started (pid ${relaunch(options.launch, runDir, node)})`;
  } else {
    const result = await runCommand('bash', [join(CHECKOUT, 'scripts/stack.sh'), 'up'], {
      env: { ...process.env, MOCK_S3_RUN_DIR: runDir },
      timeoutMs: 240_000,
    });
    if (result.code !== 0)
      throw new Error(`scripts/stack.sh up exited ${result.code}: ${result.output.trim().slice(-300)}`);
    how = `started by scripts/stack.sh up (pid ${pidFromFile(runDir, node)})`;
  }
  const { address, admin } = options;
  if (address !== undefined && !(await pollUntil(() => healthy(address), START_TIMEOUT_MS))) {
    throw new Error(`${node} ${how} but does not answer ${address}/health`);
  }
  if (admin !== undefined && !(await pollUntil(() => registered(admin, node), START_TIMEOUT_MS, 500))) {
    throw new Error(`${node} ${how} but is not registered (GET /api/v1/storage/nodes)`);
  }
  return `${node} ${how}${admin === undefined ? '' : ', healthy and registered'}`;
}
