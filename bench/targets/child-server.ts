import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

/** Root of the repository, the working directory of every child server. */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

const STOP_GRACE_MS = 5_000;
const STDERR_TAIL_CHARS = 4_000;

/** A spawned server process, with the tail of its stderr kept for error messages. */
export interface ChildServer {
  readonly child: ChildProcess;
  stderrTail(): string;
  /** Resolves with the first stdout line that parses as JSON (how peers announce their port). */
  firstJsonLine(timeoutMs: number): Promise<Record<string, unknown>>;
  stop(): Promise<void>;
}

/** Spawns `node <args>` from the repository root; stdout and stderr are drained so the child never blocks. */
export function spawnNode(args: string[], env: Record<string, string> = {}): ChildServer {
  const child = spawn(process.execPath, args, {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  let stdoutBuffer = '';
  const jsonLineWaiters: Array<(line: Record<string, unknown>) => void> = [];
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-STDERR_TAIL_CHARS);
  });
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    if (jsonLineWaiters.length === 0) return;
    stdoutBuffer = (stdoutBuffer + chunk).slice(-STDERR_TAIL_CHARS);
    const lines = stdoutBuffer.split('\n');
    stdoutBuffer = lines.pop() ?? '';
    for (const line of lines) {
      const parsed = parseJsonObject(line);
      if (parsed) for (const resolve of jsonLineWaiters.splice(0)) resolve(parsed);
    }
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  return {
    child,
    stderrTail: () => stderr,
    firstJsonLine: (timeoutMs) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no ready line within ${timeoutMs} ms`)), timeoutMs);
        child.once('exit', (code) => {
          clearTimeout(timer);
          reject(new Error(`exited with code ${code} before it was ready\n${stderr}`));
        });
        jsonLineWaiters.push((line) => {
          clearTimeout(timer);
          resolve(line);
        });
      }),
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
      await exited;
      clearTimeout(timer);
    },
  };
}

function parseJsonObject(line: string): Record<string, unknown> | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Asks the kernel for a free TCP port on 127.0.0.1 (freed again at once, so a small race remains). */
export function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error('no port assigned'))));
    });
  });
}

/** Polls `url` until it answers 200, the child exits, or `timeoutMs` passes (bounded by attempts). */
export async function waitForHealthy(url: string, server: ChildServer, timeoutMs: number): Promise<void> {
  const intervalMs = 200;
  const attempts = Math.ceil(timeoutMs / intervalMs);
  for (let attempt = 0; attempt < attempts; attempt++) {
    if (server.child.exitCode !== null) {
      throw new Error(
        `exited with code ${server.child.exitCode} before it was healthy\n${server.stderrTail()}`,
      );
    }
    const healthy = await fetch(url, { signal: AbortSignal.timeout(2_000) }).then(
      (response) => response.status === 200,
      () => false,
    );
    if (healthy) return;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  throw new Error(`${url} not healthy within ${timeoutMs} ms\n${server.stderrTail()}`);
}
