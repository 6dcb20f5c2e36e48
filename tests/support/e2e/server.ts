import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectsCommand,
  ListObjectVersionsCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { s3Client } from './clients.js';
import { uniqueBucketName } from './payload.js';

export { awsCli, type CliResult, s3Client } from './clients.js';

const HOST = '127.0.0.1';
const READY_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 15_000;
/** Keep only the tail of the server's output: enough to explain a failure, bounded for 100 MiB runs. */
const LOG_TAIL_BYTES = 64 * 1024;

/** One embedded server process started by the suite. */
export interface EmbeddedServer {
  readonly endpoint: string;
  readonly adminEndpoint: string;
  readonly port: number;
  readonly adminPort: number;
  readonly dataDir: string;
  /**
   * The server's process id: PGlite's thread and the storage nodes are in it, so its resident
   * memory (/proc) is the whole server's.
   */
  readonly pid: number;
  /** The tail of the server's stdout and stderr, for failure messages. */
  logs(): string;
  /** Sends `signal` and resolves with how the process ended (SIGKILL after a bounded wait). */
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** The S3 service a test file drives: its own embedded server, or the one named by S3_ENDPOINT. */
export interface Target {
  readonly endpoint: string;
  readonly adminEndpoint: string;
  /** True when the suite runs against a server it did not start (S3_ENDPOINT). */
  readonly external: boolean;
  readonly client: S3Client;
  logs(): string;
  /** Creates a bucket with a unique name; emptied and deleted on `close()` for external targets. */
  createBucket(prefix?: string): Promise<string>;
  close(): Promise<void>;
}

/** Finds a free TCP port by binding port 0 and releasing it. */
export async function freePort(host = HOST): Promise<number> {
  const server = createServer();
  server.listen(0, host);
  await once(server, 'listening');
  const address = server.address();
  server.close();
  await once(server, 'close');
  if (address === null || typeof address === 'string') throw new Error('no port assigned');
  return address.port;
}

async function healthy(adminEndpoint: string): Promise<boolean> {
  try {
    const response = await fetch(`${adminEndpoint}/health`, { signal: AbortSignal.timeout(2_000) });
    await response.arrayBuffer();
    return response.status === 200;
  } catch {
    return false;
  }
}

/**
 * Starts embedded mode as `npm start` does (`scripts/start.mjs`: the esbuild bundle of
 * `gateway/embedded/main.ts`) on free ports and resolves once `/health` answers 200.
 * Rejects with the server's output when it exits or is not ready in time.
 */
export async function startEmbeddedServer(
  options: { dataDir?: string; env?: Record<string, string> } = {},
): Promise<EmbeddedServer> {
  // A port found free can be taken by another process before the server binds it: retry then.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(options);
    } catch (error) {
      if (attempt >= 3 || !String(error).includes('EADDRINUSE')) throw error;
    }
  }
}

async function startOnce(options: {
  dataDir?: string;
  env?: Record<string, string>;
}): Promise<EmbeddedServer> {
  const ownsDataDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'mock-s3-e2e-')));
  const port = await freePort();
  let adminPort = await freePort();
  while (adminPort === port) adminPort = await freePort();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(port),
    ADMIN_PORT: String(adminPort),
    HOST,
    DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
    ...options.env,
  };
  delete env.S3_ENDPOINT;
  delete env.S3_ADMIN_ENDPOINT;
  const child = spawn(process.execPath, ['scripts/start.mjs'], {
    cwd: process.cwd(),
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const collect = (chunk: Buffer): void => {
    output = (output + chunk.toString('utf8')).slice(-LOG_TAIL_BYTES);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  let hasExited = false;
  void exited.then(() => {
    hasExited = true;
  });
  const endpoint = `http://${HOST}:${port}`;
  const adminEndpoint = `http://${HOST}:${adminPort}`;
  const server: EmbeddedServer = {
    endpoint,
    adminEndpoint,
    port,
    adminPort,
    dataDir,
    pid: child.pid ?? -1,
    logs: () => output,
    stop: async (signal = 'SIGTERM') => {
      if (!hasExited) child.kill(signal);
      const killer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
      const [code, endSignal] = await exited;
      clearTimeout(killer);
      if (ownsDataDir) await rm(dataDir, { recursive: true, force: true });
      return { code, signal: endSignal };
    },
  };
  await waitForHealth(
    child,
    adminEndpoint,
    () => hasExited,
    () => output,
    server,
  );
  return server;
}

async function waitForHealth(
  child: ChildProcess,
  adminEndpoint: string,
  hasExited: () => boolean,
  logs: () => string,
  server: EmbeddedServer,
): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  // No readiness event crosses the process boundary, so poll /health (the contract's readiness signal).
  while (Date.now() < deadline) {
    if (hasExited()) {
      await server.stop();
      throw new Error(
        `embedded server exited with ${child.exitCode ?? child.signalCode} before ready:\n${logs()}`,
      );
    }
    if (await healthy(adminEndpoint)) return;
    await delay(100);
  }
  await server.stop('SIGKILL');
  throw new Error(`embedded server not healthy after ${READY_TIMEOUT_MS} ms:\n${logs()}`);
}

/** Pages of versions deleted before giving up on a bucket that keeps refilling. */
const MAX_CLEANUP_PAGES = 100;

/**
 * Deletes every version and delete marker, then the bucket. Each round lists from the start: the
 * previous page's entries are gone, so a version-id marker would name a version no longer there.
 */
async function emptyAndDelete(client: S3Client, bucket: string): Promise<void> {
  for (let round = 0; round < MAX_CLEANUP_PAGES; round++) {
    const page = await client.send(new ListObjectVersionsCommand({ Bucket: bucket }));
    const objects = [...(page.Versions ?? []), ...(page.DeleteMarkers ?? [])].map((v) => ({
      Key: v.Key ?? '',
      VersionId: v.VersionId,
    }));
    if (objects.length === 0) break;
    await client.send(
      new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: objects, Quiet: true } }),
    );
  }
  await client.send(new DeleteBucketCommand({ Bucket: bucket }));
}

/**
 * The target of one test file: call in `beforeAll`, `close()` in `afterAll`. Starts one embedded
 * server per file unless `S3_ENDPOINT` (and `S3_ADMIN_ENDPOINT`) name a running one.
 */
export async function useTarget(): Promise<Target> {
  // An empty S3_ENDPOINT means "none", as for a shell that clears it with `S3_ENDPOINT=`.
  const externalEndpoint = process.env.S3_ENDPOINT || undefined;
  const server = externalEndpoint ? undefined : await startEmbeddedServer();
  const endpoint = externalEndpoint ?? (server as EmbeddedServer).endpoint;
  const adminEndpoint = externalEndpoint
    ? (process.env.S3_ADMIN_ENDPOINT ?? '')
    : (server as EmbeddedServer).adminEndpoint;
  const client = s3Client(endpoint);
  const buckets: string[] = [];
  return {
    endpoint,
    adminEndpoint,
    external: server === undefined,
    client,
    logs: () => server?.logs() ?? '(external server: no logs)',
    createBucket: async (prefix = 'e2e') => {
      const bucket = uniqueBucketName(prefix);
      await client.send(new CreateBucketCommand({ Bucket: bucket }));
      buckets.push(bucket);
      return bucket;
    },
    close: async () => {
      if (server === undefined) {
        // A shared server: remove only what this file made, leave other files' buckets alone.
        for (const bucket of buckets) await emptyAndDelete(client, bucket).catch(() => undefined);
      }
      client.destroy();
      if (server !== undefined) await server.stop('SIGTERM');
    },
  };
}
