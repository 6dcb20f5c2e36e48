#!/usr/bin/env node
// Quick host comparison: GET of a 1 KiB object at concurrency 16 against
//   1. the embedded gateway (node --import tsx gateway/embedded/main.ts), embedded backends;
//   2. one serverless-offline instance (scripts/offline.sh), the same embedded backends, so the
//      difference is the host alone;
//   3. one serverless-offline instance with the stack backends (PostgreSQL, Redis cache and queue),
//      when DATABASE_URL and REDIS_URL are set (scripts/services-up.sh prints them).
// One host at a time, so they do not share the CPU. The proper benchmark is bench/ (npm run bench).
//
//   node infrastructure/serverless/bench-get.mjs [--seconds 10] [--concurrency 16]
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = fileURLToPath(new URL('../../', import.meta.url));
const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    concurrency: { type: 'string', default: '16' },
  },
});
const seconds = Number(values.seconds);
const concurrency = Number(values.concurrency);

async function freePort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Spawns a host in its own process group; resolves once `/health` answers 200 on `healthUrl`. */
async function startHost(command, args, env, healthUrl) {
  const child = spawn(command, args, {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${command} exited:\n${output}`);
    const status = await fetch(healthUrl).then(
      (r) => r.status,
      () => 0,
    );
    if (status === 200) break;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return {
    async stop() {
      if (child.exitCode !== null) return;
      process.kill(-child.pid, 'SIGTERM');
      const timer = setTimeout(() => process.kill(-child.pid, 'SIGKILL'), 5000);
      await once(child, 'exit');
      clearTimeout(timer);
    },
  };
}

function send(agent, port, method, path, body) {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, agent }, (res) => {
      const chunks = [];
      res.on('data', (chunk) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function measure(port) {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const payload = Buffer.alloc(1024, 0x61);
  await send(agent, port, 'PUT', '/bench-bucket');
  const put = await send(agent, port, 'PUT', '/bench-bucket/object-1k', payload);
  if (put.status !== 200) throw new Error(`PUT answered ${put.status}: ${put.body}`);

  const run = async (ms, latencies) => {
    const end = performance.now() + ms;
    let count = 0;
    let errors = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (performance.now() < end) {
          const started = performance.now();
          const res = await send(agent, port, 'GET', '/bench-bucket/object-1k');
          if (res.status !== 200 || res.body.length !== 1024) errors += 1;
          latencies?.push(performance.now() - started);
          count += 1;
        }
      }),
    );
    return { count, errors };
  };
  await run(2000); // warm-up: JIT, pools, cache
  const latencies = [];
  const started = performance.now();
  const { count, errors } = await run(seconds * 1000, latencies);
  const elapsed = (performance.now() - started) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const pct = (p) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))].toFixed(2);
  return { rps: count / elapsed, p50: pct(0.5), p99: pct(0.99), errors };
}

const hosts = [
  {
    name: 'embedded gateway (pglite, memory)',
    start: async (dataDir, port, adminPort) =>
      startHost(
        process.execPath,
        ['--import', 'tsx', 'gateway/embedded/main.ts'],
        { PORT: String(port), ADMIN_PORT: String(adminPort), DATA_DIR: dataDir, LOG_LEVEL: 'warn' },
        `http://127.0.0.1:${adminPort}/health`,
      ),
  },
  {
    name: 'serverless-offline (pglite, memory)',
    start: async (dataDir, port) =>
      startHost(
        'bash',
        ['scripts/offline.sh', String(port)],
        {
          DATA_DIR: dataDir,
          LOG_LEVEL: 'warn',
          LAMBDA_PORT: String(await freePort()),
          METADATA_BACKEND: 'pglite',
          CACHE_BACKEND: 'memory',
          QUEUE_BACKEND: 'memory',
        },
        `http://127.0.0.1:${port}/health`,
      ),
  },
];
if (process.env.DATABASE_URL && process.env.REDIS_URL) {
  hosts.push({
    name: 'serverless-offline (postgres, redis)',
    start: async (dataDir, port) =>
      startHost(
        'bash',
        ['scripts/offline.sh', String(port)],
        {
          DATA_DIR: dataDir,
          LOG_LEVEL: 'warn',
          LAMBDA_PORT: String(await freePort()),
          SKIP_BUILD: '1',
          METADATA_BACKEND: 'postgres',
          CACHE_BACKEND: 'redis',
          QUEUE_BACKEND: 'redis',
        },
        `http://127.0.0.1:${port}/health`,
      ),
  });
}

const results = [];
for (const host of hosts) {
  const dataDir = await mkdtemp(join(tmpdir(), 'mock-s3-bench-'));
  const port = await freePort();
  const instance = await host.start(dataDir, port, await freePort());
  try {
    const result = await measure(port);
    results.push({ host: host.name, ...result });
    process.stdout.write(
      `${host.name}: ${result.rps.toFixed(0)} req/s, p50 ${result.p50} ms, p99 ${result.p99} ms, errors ${result.errors}\n`,
    );
  } finally {
    await instance.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}
const base = results[0].rps;
for (const result of results.slice(1)) {
  process.stdout.write(`${result.host} / embedded: ${(result.rps / base).toFixed(2)}x\n`);
}
