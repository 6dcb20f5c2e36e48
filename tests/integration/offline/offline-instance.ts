import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** One running serverless-offline instance started by scripts/offline.sh. */
export interface OfflineInstance {
  endpoint: string;
  /** Everything the instance printed, for failure messages. */
  output(): string;
  stop(): Promise<void>;
}

/** A port on 127.0.0.1 nobody listens on (bound by the OS, then released). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  return address.port;
}

/** Runs scripts/build.mjs once (the instances then start with SKIP_BUILD=1). */
export async function buildBundles(): Promise<void> {
  const child = spawn(process.execPath, ['scripts/build.mjs'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`scripts/build.mjs failed (${code}):\n${output}`);
}

/**
 * Starts `scripts/offline.sh PORT` with `env` on top of this process's environment and resolves once
 * its HTTP server answers; rejects with its output if it exits or takes too long.
 */
export async function startOffline(
  env: Record<string, string>,
  readyTimeoutMs = 60_000,
): Promise<OfflineInstance> {
  const port = await freePort();
  const lambdaPort = await freePort();
  const child: ChildProcess = spawn('bash', ['scripts/offline.sh', String(port)], {
    cwd: ROOT,
    env: { ...process.env, SKIP_BUILD: '1', HOST: '127.0.0.1', LAMBDA_PORT: String(lambdaPort), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group, so stop() ends the instance and nothing else.
    detached: true,
  });
  let output = '';
  const exited = once(child, 'exit');

  const collect = (chunk: Buffer) => {
    output += chunk.toString();
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  let exitCode: number | null | undefined;
  void exited.then(([code]) => {
    exitCode = code as number | null;
  });
  // Ready once its HTTP server answers (its own "Server ready" line is a notice, hidden at the
  // log level scripts/offline.sh sets).
  const deadline = Date.now() + readyTimeoutMs;
  for (;;) {
    if (exitCode !== undefined) {
      throw new Error(`serverless-offline exited (${exitCode}) before it was ready:\n${output}`);
    }
    if (Date.now() > deadline) {
      process.kill(-(child.pid as number), 'SIGKILL');
      throw new Error(`serverless-offline not ready after ${readyTimeoutMs} ms:\n${output}`);
    }
    const answered = await fetch(`http://127.0.0.1:${port}/health`, {
      signal: AbortSignal.timeout(2000),
    }).then(
      (response) => response.status > 0,
      () => false,
    );
    if (answered) break;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }

  return {
    endpoint: `http://127.0.0.1:${port}`,
    output: () => output,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const group = -(child.pid as number);
      process.kill(group, 'SIGTERM');
      // serverless-offline waits for open keep-alive sockets on SIGTERM; do not let it hang a run.
      const timer = setTimeout(() => process.kill(group, 'SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}
