import { setTimeout as delay } from 'node:timers/promises';
import { run, runOrThrow } from './processes.js';
import type { StackEnv } from './stack-env.js';

async function until(probe: () => Promise<boolean>, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`${what} not reached after ${timeoutMs} ms`);
    await delay(200);
  }
}

const postgresReady = (env: StackEnv) => async () =>
  (await run('pg_isready', ['-q', '-h', '127.0.0.1', '-p', String(env.pgPort)], 10_000)).code === 0;

const redisAnswers = (env: StackEnv) => async () =>
  (await run('redis-cli', ['-h', '127.0.0.1', '-p', String(env.redisPort), 'ping'], 10_000)).output.includes(
    'PONG',
  );

/** Stops the test stack's own PostgreSQL cluster (fast shutdown: sessions are cut). */
export async function stopPostgres(env: StackEnv): Promise<void> {
  await runOrThrow('pg_ctlcluster', [env.pgVersion, env.pgCluster, 'stop', '-m', 'fast']);
  await until(async () => !(await postgresReady(env)()), 'PostgreSQL down');
}

/** Starts it again (a running cluster is fine) and waits until it accepts connections. */
export async function startPostgres(env: StackEnv): Promise<void> {
  const started = await run('pg_ctlcluster', [env.pgVersion, env.pgCluster, 'start']);
  if (started.code !== 0 && !/already running/i.test(started.output)) {
    throw new Error(`pg_ctlcluster start exited ${started.code}:\n${started.output}`);
  }
  await until(postgresReady(env), 'PostgreSQL accepting connections');
}

/** `redis-cli shutdown nosave` on the test stack's own Redis; resolves once it no longer answers. */
export async function stopRedis(env: StackEnv): Promise<void> {
  await run('redis-cli', ['-h', '127.0.0.1', '-p', String(env.redisPort), 'shutdown', 'nosave'], 10_000);
  await until(async () => !(await redisAnswers(env)()), 'Redis down');
}

/**
 * Starts Redis again the way the stack started it: scripts/services-up.sh (same flags, pid file in
 * the run dir, so `stack.sh stop` still stops it); PostgreSQL is already up and left alone.
 */
export async function startRedis(env: StackEnv): Promise<void> {
  await runOrThrow('bash', ['scripts/services-up.sh']);
  await until(redisAnswers(env), 'Redis answering');
}
