import { mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
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

/**
 * Embedded PGlite on a thread of its own: `script` is pglite-thread.ts (or its bundle), which opens
 * the database there and runs what this client sends it. Same SqlClient as openPgliteClient, same
 * prepared statements and group commit (they run in that thread), same durability.
 *
 * Why: PGlite executes SQL synchronously in WebAssembly on the thread that calls it. On the event
 * loop that was ~250 µs per PUT 1 KiB of ~870 µs, with the loop ~90% busy and the second core
 * partly idle; here the loop only posts a message and takes the rows back (structured clone keeps
 * Dates and parsed JSON as they are).
 */
export async function openPgliteThreadClient(dataDir: string | undefined, script: URL): Promise<SqlClient> {
  if (dataDir !== undefined) await mkdir(dataDir, { recursive: true });
  const worker = startThread(script, dataDir);
  const waiters = new Map<number, Waiter>();
  let nextId = 1;
  let nextTransaction = 1;
  let failure: Error | undefined;

  const opened = new Promise<unknown[]>((resolve, reject) => waiters.set(0, { resolve, reject }));
  worker.on('message', (reply: ThreadReply) => {
    const waiter = waiters.get(reply.id);
    if (!waiter) return;
    waiters.delete(reply.id);
    // An idle thread does not keep the process alive; one with work out does.
    if (waiters.size === 0) worker.unref();
    if (reply.ok) waiter.resolve(reply.rows ?? []);
    else waiter.reject(deserializeError(reply.error));
  });
  const fail = (error: Error) => {
    failure ??= error;
    for (const waiter of waiters.values()) waiter.reject(failure);
    waiters.clear();
  };
  worker.on('error', (error) =>
    fail(new MetadataUnavailableError(`the PGlite thread failed: ${error.message}`, { cause: error })),
  );
  worker.on('exit', (code) => fail(new MetadataUnavailableError(`the PGlite thread exited (code ${code})`)));

  const call = (request: Request): Promise<unknown[]> =>
    new Promise((resolve, reject) => {
      if (failure) return reject(failure);
      const id = nextId++;
      waiters.set(id, { resolve, reject });
      worker.ref();
      worker.postMessage({ ...request, id });
    });

  try {
    await opened;
  } catch (error) {
    await worker.terminate();
    throw error;
  }

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

  let closed = false;
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
      if (closed) return;
      closed = true;
      const exited = new Promise((resolve) => worker.once('exit', resolve));
      await call({ op: 'close' });
      await exited;
    },
  };
}

/**
 * A bundle's thread script is JavaScript and starts as it is. The TypeScript source (tests, tsx)
 * starts through a bootstrap that registers tsx in the thread first: Node 20 does not apply an
 * `--import tsx` of the worker's execArgv to the worker's own entry module.
 */
function startThread(script: URL, dataDir: string | undefined): Worker {
  if (!script.pathname.endsWith('.ts')) return new Worker(script, { workerData: { dataDir } });
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api')).href;
  const bootstrap = `import(${JSON.stringify(tsx)}).then(({ register }) => { register(); return import(${JSON.stringify(script.href)}); })`;
  return new Worker(bootstrap, { eval: true, workerData: { dataDir } });
}
