/**
 * Stack mode (`scripts/stack.sh`) as benchmark targets, on ports of its own so it never meets a
 * stack someone else runs: `stack` is the whole chain a client sees (front -> nginx ->
 * serverless-offline -> handler -> storage-node HTTP); `stack-nginx` enters at nginx's S3 port
 * (no front) and `stack-offline` at the first serverless-offline instance (no front, no nginx), so
 * one run shows what each hop costs. `stack-embedded` is embedded mode's gateway over the stack's
 * own backends (PostgreSQL, Redis, the storage-node workers through etcd), so `stack-offline` minus
 * it is what hosting the handlers in serverless-offline costs, and it minus `mock-s3` is what the
 * stack's backends cost. All share one stack, started by the first of them and stopped with the
 * last, and one data set (prepared once).
 */
import { spawn } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { REPO_ROOT } from './child-server.js';
import { startMockS3 } from './mock-s3.js';
import { fakeSigV4Headers } from './s3-headers.js';
import type { RunningTarget, TargetDefinition } from './target.js';

/** The bench stack's ports and names (docs/stack.md lists the variables). */
export const BENCH_STACK_ENV = {
  HOST: '127.0.0.1',
  PORT: '28180',
  ADMIN_PORT: '29180',
  STACK_OFFLINE_PORTS: '3151 3152',
  STACK_NODE_PORTS: '7251 7252 7253',
  STACK_NGINX_PORT: '7590',
  ETCD_PORT: '2429',
  ETCD_PEER_PORT: '2430',
  REDIS_PORT: '6429',
  DB_NAME: 'mocks3_bench_test',
  STACK_DATA_DIR: '/tmp/mock-s3-bench-stack',
  LOG_LEVEL: 'warn',
} as const;

/** A first run installs packages and builds bundles: minutes. */
const UP_TIMEOUT_MS = 600_000;
const DOWN_TIMEOUT_MS = 120_000;

/** Variables of the caller that would change what the stack runs (the bench compares defaults). */
const NOT_PASSED = [
  'FAULTS_ENABLED',
  'FAULTS_HEADER_ENABLED',
  'DATABASE_URL',
  'REDIS_URL',
  'ETCD_URL',
  'MOCK_S3_RUN_DIR',
];

function stackScript(command: 'up' | 'stop', timeoutMs: number): Promise<void> {
  const env: Record<string, string | undefined> = { ...process.env, ...BENCH_STACK_ENV };
  for (const name of NOT_PASSED) delete env[name];
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['scripts/stack.sh', command], {
      cwd: REPO_ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString('utf8')).slice(-4000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const timer = setTimeout(() => child.kill('SIGTERM'), timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new Error(`scripts/stack.sh ${command} exited with ${code}\n${output}`));
    });
  });
}

let users = 0;
let starting: Promise<void> | undefined;

async function acquireStack(): Promise<() => Promise<void>> {
  users += 1;
  starting ??= stackScript('up', UP_TIMEOUT_MS).catch(async (error: unknown) => {
    await stackScript('stop', DOWN_TIMEOUT_MS).catch(() => undefined);
    starting = undefined;
    throw error;
  });
  try {
    await starting;
  } catch (error) {
    users -= 1;
    throw error;
  }
  let released = false;
  return async () => {
    if (released) return;
    released = true;
    users -= 1;
    if (users > 0) return;
    starting = undefined;
    await stackScript('stop', DOWN_TIMEOUT_MS);
    await rm(BENCH_STACK_ENV.STACK_DATA_DIR, { recursive: true, force: true });
  };
}

function stackHop(name: string, port: string): TargetDefinition {
  return {
    name,
    async start(): Promise<RunningTarget> {
      const release = await acquireStack();
      return {
        name,
        baseUrl: `http://127.0.0.1:${port}`,
        dataKey: 'stack',
        headers: () => fakeSigV4Headers(),
        stop: release,
      };
    },
  };
}

const [FIRST_OFFLINE_PORT] = BENCH_STACK_ENV.STACK_OFFLINE_PORTS.split(' ') as [string];

/** The whole chain, as a client sees stack mode. */
export const stackTarget = stackHop('stack', BENCH_STACK_ENV.PORT);
/** From nginx on: the front's cost is `stack` minus this. */
export const stackNginxTarget = stackHop('stack-nginx', BENCH_STACK_ENV.STACK_NGINX_PORT);
/** One serverless-offline instance alone: nginx's cost is `stack-nginx` minus this. */
export const stackOfflineTarget = stackHop('stack-offline', FIRST_OFFLINE_PORT);

/** The URLs of the stack's backends, as `scripts/stack.sh` wrote them to RUN_DIR/stack.env. */
async function stackBackends(): Promise<Record<string, string>> {
  const text = await readFile(join(BENCH_STACK_ENV.STACK_DATA_DIR, 'run', 'stack.env'), 'utf8');
  const env: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const match = /^([A-Z_]+)=(.*)$/.exec(line.trim());
    if (match) env[match[1]!] = match[2]!;
  }
  return env;
}

/** Embedded mode's gateway (no serverless-offline) over the stack's backends and storage nodes. */
export const stackEmbeddedTarget: TargetDefinition = {
  name: 'stack-embedded',
  async start(): Promise<RunningTarget> {
    const release = await acquireStack();
    try {
      const backends = await stackBackends();
      const server = await startMockS3('stack-embedded', {
        METADATA_BACKEND: 'postgres',
        CACHE_BACKEND: 'redis',
        QUEUE_BACKEND: 'redis',
        DISCOVERY_BACKEND: 'etcd',
        ...backends,
      });
      return {
        name: server.name,
        baseUrl: server.baseUrl,
        dataKey: 'stack',
        headers: server.headers,
        async stop() {
          await server.stop();
          await release();
        },
      };
    } catch (error) {
      await release();
      throw error;
    }
  },
};
