/**
 * The PGlite thread (see pglite-thread-client.ts): opens the embedded database in this worker and
 * runs the statements and transactions the main thread sends, with the in-thread client's prepared
 * statements and group commit. Started as a worker; `workerData.dataDir` as for openPgliteClient.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { SqlClient } from '../sql-client.js';
import { openPgliteClient } from './pglite-client.js';
import type { ThreadReply, ThreadRequest } from './pglite-thread-protocol.js';
import { serializeError } from './pglite-thread-protocol.js';

if (!parentPort) {
  // Started as a process (`node pglite-thread.js <dataDir>`, see pglite-thread-client.ts): initdb
  // on a new data directory, then exit, so what initdb leaves in memory leaves with the process.
  const dataDir = process.argv[2];
  if (dataDir === undefined)
    throw new Error('pglite-thread runs as a worker thread, or as a process given a data directory');
  await (await openPgliteClient(dataDir)).close();
  process.exit(0);
}
const port = parentPort;

interface OpenTransaction {
  tx: SqlClient;
  end: (commit: boolean) => void;
  done: Promise<void>;
}

/** Rejects a transaction's function so the client rolls it back; not an error of the caller's. */
const ROLLBACK = Symbol('rollback');

const reply = (message: ThreadReply) => port.postMessage(message);

let client: SqlClient;
try {
  client = await openPgliteClient((workerData as { dataDir?: string }).dataDir);
  reply({ id: 0, ok: true });
} catch (error) {
  reply({ id: 0, ok: false, error: serializeError(error) });
  throw error;
}

const transactions = new Map<number, OpenTransaction>();

async function begin(id: number, txId: number): Promise<void> {
  let begun: (tx: SqlClient) => void;
  const started = new Promise<SqlClient>((resolve) => {
    begun = resolve;
  });
  let end!: (commit: boolean) => void;
  const done = client
    .transaction(
      (tx) =>
        new Promise<void>((resolve, reject) => {
          end = (commit) => (commit ? resolve() : reject(ROLLBACK));
          begun(tx);
        }),
    )
    .catch((error: unknown) => {
      if (error !== ROLLBACK) throw error;
    });
  // A BEGIN that failed settles `done` before the function ever ran.
  const tx = await Promise.race([started, done.then(() => undefined)]);
  if (!tx) return void reply({ id, ok: false, error: { message: 'transaction could not begin' } });
  transactions.set(txId, { tx, end, done });
  reply({ id, ok: true });
}

async function handle(request: ThreadRequest): Promise<void> {
  try {
    switch (request.op) {
      case 'query': {
        const target = request.tx === undefined ? client : transactions.get(request.tx)?.tx;
        if (!target) throw new Error(`no open transaction ${request.tx}`);
        reply({ id: request.id, ok: true, rows: await target.query(request.sql, request.params) });
        return;
      }
      case 'begin':
        return await begin(request.id, request.tx);
      case 'end': {
        const open = transactions.get(request.tx);
        if (!open) throw new Error(`no open transaction ${request.tx}`);
        transactions.delete(request.tx);
        open.end(request.commit);
        await open.done;
        reply({ id: request.id, ok: true });
        return;
      }
      case 'close':
        await client.close();
        reply({ id: request.id, ok: true });
        port.close();
        return;
    }
  } catch (error) {
    reply({ id: request.id, ok: false, error: serializeError(error) });
  }
}

port.on('message', (request: ThreadRequest) => void handle(request));
