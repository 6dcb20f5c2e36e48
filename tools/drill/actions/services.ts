/**
 * `stop_service` / `start_service` of stack mode (DRILLS.md "Actions"): the stack's own PostgreSQL
 * cluster, Redis and etcd, found from the URLs `scripts/stack.sh up` wrote to RUN_DIR/stack.env,
 * stopped and started the way the project's scripts do.
 */
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ServiceName } from '../types.js';
import { commandLine, isAlive, pidFromFile, pollUntil, runCommand } from './processes.js';
import type { ServiceStart } from './undo-registry.js';

/** The checkout this tool runs from (its `scripts/`). */
const CHECKOUT = fileURLToPath(new URL('../../../', import.meta.url));
const STOP_TIMEOUT_MS = 30_000;
const START_TIMEOUT_MS = 60_000;

/** The port of a backend URL in RUN_DIR/stack.env (DATABASE_URL, REDIS_URL, ETCD_URL). */
export function backendPort(runDir: string, variable: 'DATABASE_URL' | 'REDIS_URL' | 'ETCD_URL'): number {
  const text = readFileSync(join(runDir, 'stack.env'), 'utf8');
  const url = new RegExp(`^${variable}=(.*)$`, 'm').exec(text)?.[1];
  if (url === undefined) throw new Error(`no ${variable} in ${runDir}/stack.env`);
  const port = Number(new URL(url).port);
  if (!Number.isInteger(port) || port <= 0) throw new Error(`${variable} in ${runDir}/stack.env has no port`);
  return port;
}

/** The PostgreSQL cluster listening on `port` (pg_lsclusters). */
async function clusterOnPort(port: number): Promise<{ version: string; cluster: string }> {
  const listed = await runCommand('pg_lsclusters', ['-h'], { timeoutMs: 10_000 });
  for (const line of listed.output.split('\n')) {
    const [version, cluster, clusterPort] = line.trim().split(/\s+/);
    if (version !== undefined && cluster !== undefined && Number(clusterPort) === port)
      return { version, cluster };
  }
  throw new Error(`no PostgreSQL cluster on port ${port} (pg_lsclusters)`);
}

/** Whether something accepts TCP connections on 127.0.0.1:`port`. */
function answersOn(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

function failed(what: string, result: { code: number | null; output: string }): Error {
  return new Error(
    `${what} exited ${result.code}: ${result.output.trim().split('\n').slice(-3).join(' | ')}`,
  );
}

/** Finds the backend `service` of the stack at `runDir` and how to start it again once stopped. */
export async function describeService(service: ServiceName, runDir: string): Promise<ServiceStart> {
  switch (service) {
    case 'postgres': {
      const port = backendPort(runDir, 'DATABASE_URL');
      return { via: 'pg_ctlcluster', ...(await clusterOnPort(port)), port };
    }
    case 'redis':
      return { via: 'redis-server', port: backendPort(runDir, 'REDIS_URL') };
    case 'etcd': {
      const port = backendPort(runDir, 'ETCD_URL');
      const pid = pidFromFile(runDir, `etcd-${port}`);
      if (pid === undefined || !isAlive(pid)) {
        throw new Error(
          `etcd on port ${port} is not one this stack started (no live pid in ${runDir}/etcd-${port}.pid)`,
        );
      }
      const peerPort = Number(/--listen-peer-urls \S*:(\d+)/.exec(commandLine(pid))?.[1] ?? port + 1);
      return { via: 'etcd-up', port, peerPort };
    }
  }
}

/** Stops a backend (found by {@link describeService}) and waits, bounded, until it is down. */
export async function stopService(start: ServiceStart, runDir: string): Promise<string> {
  switch (start.via) {
    case 'pg_ctlcluster': {
      const result = await runCommand('pg_ctlcluster', [start.version, start.cluster, 'stop', '-m', 'fast'], {
        timeoutMs: STOP_TIMEOUT_MS,
      });
      if (result.code !== 0) throw failed(`pg_ctlcluster ${start.version} ${start.cluster} stop`, result);
      return `postgres ${start.version}/${start.cluster} (port ${start.port}) stopped`;
    }
    case 'redis-server': {
      const result = await runCommand(
        'redis-cli',
        ['-h', '127.0.0.1', '-p', String(start.port), 'shutdown', 'nosave'],
        {
          timeoutMs: STOP_TIMEOUT_MS,
        },
      );
      if (!(await pollUntil(async () => !(await answersOn(start.port)), STOP_TIMEOUT_MS))) {
        throw failed(`redis-cli -p ${start.port} shutdown nosave`, result);
      }
      return `redis (port ${start.port}) shut down`;
    }
    case 'etcd-up': {
      const result = await runCommand('bash', [join(CHECKOUT, 'scripts/etcd-down.sh')], {
        env: { ...process.env, MOCK_S3_RUN_DIR: runDir, ETCD_PORT: String(start.port) },
        timeoutMs: STOP_TIMEOUT_MS,
      });
      if (result.code !== 0) throw failed('scripts/etcd-down.sh', result);
      return `etcd (port ${start.port}) stopped`;
    }
  }
}

/** Starts a backend again and waits (bounded) until it accepts connections. */
export async function startService(start: ServiceStart, runDir: string): Promise<string> {
  switch (start.via) {
    case 'pg_ctlcluster': {
      const result = await runCommand('pg_ctlcluster', [start.version, start.cluster, 'start'], {
        timeoutMs: START_TIMEOUT_MS,
      });
      if (result.code !== 0 && !/already running/i.test(result.output)) {
        throw failed(`pg_ctlcluster ${start.version} ${start.cluster} start`, result);
      }
      if (!(await pollUntil(() => answersOn(start.port), START_TIMEOUT_MS))) {
        throw new Error(`postgres on port ${start.port} does not answer after start`);
      }
      return `postgres ${start.version}/${start.cluster} started`;
    }
    case 'redis-server': {
      if (!(await answersOn(start.port))) {
        // The flags of scripts/services-up.sh (which would also start a PostgreSQL the drill stopped).
        const result = await runCommand(
          'redis-server',
          [
            '--bind',
            '127.0.0.1',
            '--port',
            String(start.port),
            '--save',
            '',
            '--appendonly',
            'no',
            '--daemonize',
            'yes',
            '--pidfile',
            join(runDir, `redis-${start.port}.pid`),
            '--logfile',
            join(runDir, `redis-${start.port}.log`),
            '--dir',
            runDir,
          ],
          { timeoutMs: START_TIMEOUT_MS },
        );
        if (result.code !== 0) throw failed('redis-server', result);
      }
      if (!(await pollUntil(() => answersOn(start.port), START_TIMEOUT_MS))) {
        throw new Error(`redis on port ${start.port} does not answer after start`);
      }
      return `redis (port ${start.port}) started`;
    }
    case 'etcd-up': {
      const result = await runCommand('bash', [join(CHECKOUT, 'scripts/etcd-up.sh')], {
        env: {
          ...process.env,
          MOCK_S3_RUN_DIR: runDir,
          ETCD_PORT: String(start.port),
          ETCD_PEER_PORT: String(start.peerPort),
        },
        timeoutMs: START_TIMEOUT_MS,
      });
      if (result.code !== 0) throw failed('scripts/etcd-up.sh', result);
      return `etcd (port ${start.port}) started`;
    }
  }
}
