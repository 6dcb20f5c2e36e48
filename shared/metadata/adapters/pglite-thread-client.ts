import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { MetadataUnavailableError } from '../ports.js';
import type { SqlClient } from '../sql-client.js';
import { deserializeError, type ThreadReply, type ThreadRequest } from './pglite-thread-protocol.js';

/** A request before its id is given: Omit over each member of the union, not the union as a whole. */
type WithoutId<T> = T extends unknown ? Omit<T, 'id'> : never;
type Request = WithoutId<ThreadRequest>;

interface Waiter {
  resolve: (rows: unknown[]) => void;
  reject: (error: unknown) => void;
}

/** One started thread and the requests it has not answered yet. */
interface Thread {
  worker: Worker;
  waiters: Map<number, Waiter>;
}

/**
 * Embedded PGlite on a thread of its own: `script` is pglite-thread.ts (or its bundle), which opens
 * the database there and runs what this client sends it. Same SqlClient as openPgliteClient, same
 * prepared statements and group commit (they run in that thread), same durability.
 *
 * Why: PGlite executes SQL synchronously in WebAssembly on the thread that calls it. On the event
 * loop that was ~250 µs per PUT 1 KiB of ~870 µs, with the loop ~90% busy and the second core
 * partly idle; here the loop only posts a message and takes the rows back (structured clone keeps
 * Dates and parsed JSON as they are).
 *
 * A thread that dies (a WebAssembly abort, an uncaught error) fails what it had not answered with
 * MetadataUnavailableError (503, retryable), and the next call starts a new one on the same data
 * directory: PostgreSQL's recovery replays what was committed, as after a killed process. Without
 * a data directory the database died with its thread, so calls keep failing rather than meet an
 * empty one.
 *
 * Memory: a new data directory is initialized (initdb) by a process of its own that then exits, so
 * the ~0.5 GB initdb leaves in its WebAssembly memories goes back to the OS with it instead of
 * staying resident beside the database for the life of the process.
 */
export async function openPgliteThreadClient(
  dataDir: string | undefined,
  script: URL,
  options: { onThreadLost?: (error: Error) => void } = {},
): Promise<SqlClient> {
  if (dataDir !== undefined) {
    await mkdir(dataDir, { recursive: true });
    if (!existsSync(join(dataDir, 'PG_VERSION'))) await initializeCluster(script, dataDir);
  }
  let nextId = 1;
  let nextTransaction = 1;
  let live: Thread | undefined;
  let opening: Promise<Thread> | undefined;
  let lost: Error | undefined;
  let closing = false;

  const lose = (thread: Thread, error: Error) => {
    for (const waiter of thread.waiters.values()) waiter.reject(error);
    thread.waiters.clear();
    if (live !== thread) return;
    live = undefined;
    if (closing) return;
    options.onThreadLost?.(error);
    if (dataDir === undefined)
      lost = new MetadataUnavailableError(`in-memory database lost: ${error.message}`);
  };

  const open = (): Promise<Thread> => {
    if (lost) return Promise.reject(lost);
    if (closing) return Promise.reject(new MetadataUnavailableError('the PGlite client is closed'));
    opening ??= startThread(script, dataDir, lose).then(
      (thread) => {
        opening = undefined;
        live = thread;
        return thread;
      },
      (error: unknown) => {
        opening = undefined;
        throw error;
      },
    );
    return opening;
  };

  const call = (request: Request): Promise<unknown[]> =>
    live
      ? send(live, request)
      : open().then(
          (thread) => send(thread, request),
          (error: unknown) => {
            if (error instanceof MetadataUnavailableError) throw error;
            const message = error instanceof Error ? error.message : String(error);
            throw new MetadataUnavailableError(`the PGlite thread could not open the database: ${message}`, {
              cause: error,
            });
          },
        );

  const send = (thread: Thread, request: Request): Promise<unknown[]> =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      thread.waiters.set(id, { resolve, reject });
      thread.worker.ref();
      thread.worker.postMessage({ ...request, id });
    });

  await open();

  const inTransaction = (tx: number): SqlClient => {
    const client: SqlClient = {
      soleSession: true,
      query: <T>(sql: string, params?: readonly unknown[]) =>
        call({ op: 'query', sql, ...(params ? { params } : {}), tx }) as Promise<T[]>,
      transaction: (fn) => fn(client),
      close: () => Promise.reject(new Error('close() called inside a transaction')),
    };
    return client;
  };

  return {
    soleSession: true,
    query: <T>(sql: string, params?: readonly unknown[]) =>
      call({ op: 'query', sql, ...(params ? { params } : {}) }) as Promise<T[]>,
    async transaction(fn) {
      const tx = nextTransaction++;
      await call({ op: 'begin', tx });
      let value: Awaited<ReturnType<typeof fn>>;
      try {
        value = await fn(inTransaction(tx));
      } catch (error) {
        await call({ op: 'end', tx, commit: false }).catch(() => undefined);
        throw error;
      }
      await call({ op: 'end', tx, commit: true });
      return value;
    },
    async close() {
      if (closing) return;
      closing = true;
      await opening?.catch(() => undefined);
      const thread = live;
      if (!thread) return;
      const exited = new Promise((resolve) => thread.worker.once('exit', resolve));
      await send(thread, { op: 'close' });
      // The reply unrefs the idle thread: held again, or a process with nothing else to do exits
      // before the thread does and whatever awaits close() (the telemetry flush) never runs.
      thread.worker.ref();
      await exited;
    },
  };
}

/**
 * Runs initdb on a new `dataDir` in a process of its own (the thread's script, given the directory)
 * and waits for it to exit. A process, not a thread: a thread's exit leaves its malloc arena
 * (~60 MB after initdb) resident in this process. If it fails, the thread runs initdb itself, as
 * PGlite does on a new directory, and reports what went wrong.
 */
async function initializeCluster(script: URL, dataDir: string): Promise<void> {
  const execArgv = script.pathname.endsWith('.ts')
    ? ['--import', pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm')).href]
    : [];
  const child = spawn(process.execPath, [...execArgv, fileURLToPath(script), dataDir], {
    stdio: ['ignore', 'ignore', 'ignore'],
  });
  await new Promise<void>((resolve) => {
    child.once('error', () => resolve());
    child.once('exit', () => resolve());
  });
}

/**
 * Starts a thread and resolves once it has opened the database (its reply with id 0). `lose` is
 * told when the thread ends, with the error its unanswered requests were failed with.
 */
async function startThread(
  script: URL,
  dataDir: string | undefined,
  lose: (thread: Thread, error: Error) => void,
): Promise<Thread> {
  const worker = newWorker(script, dataDir);
  const thread: Thread = { worker, waiters: new Map() };
  const opened = new Promise<unknown[]>((resolve, reject) => thread.waiters.set(0, { resolve, reject }));
  worker.on('message', (reply: ThreadReply) => {
    const waiter = thread.waiters.get(reply.id);
    if (!waiter) return;
    thread.waiters.delete(reply.id);
    // An idle thread does not keep the process alive; one with work out does.
    if (thread.waiters.size === 0) worker.unref();
    if (reply.ok) waiter.resolve(reply.rows ?? []);
    else waiter.reject(deserializeError(reply.error));
  });
  let failure: Error | undefined;
  worker.on('error', (error) => {
    failure ??= new MetadataUnavailableError(`the PGlite thread failed: ${error.message}`, { cause: error });
  });
  // 'error' (an uncaught exception) comes before 'exit'; a plain exit has only the latter.
  worker.on('exit', (code) =>
    lose(thread, failure ?? new MetadataUnavailableError(`the PGlite thread exited (code ${code})`)),
  );
  try {
    await opened;
  } catch (error) {
    await worker.terminate();
    throw error;
  }
  return thread;
}

/**
 * A bundle's thread script is JavaScript and starts as it is. The TypeScript source (tests, tsx)
 * starts through a bootstrap that registers tsx in the thread first: Node 20 does not apply an
 * `--import tsx` of the worker's execArgv to the worker's own entry module.
 */
function newWorker(script: URL, dataDir: string | undefined): Worker {
  if (!script.pathname.endsWith('.ts')) return new Worker(script, { workerData: { dataDir } });
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api')).href;
  const bootstrap = `import(${JSON.stringify(tsx)}).then(({ register }) => { register(); return import(${JSON.stringify(script.href)}); })`;
  return new Worker(bootstrap, { eval: true, workerData: { dataDir } });
}
