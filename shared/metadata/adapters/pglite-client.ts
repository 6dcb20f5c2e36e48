import { mkdir } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import type { SqlClient } from '../sql-client.js';

/**
 * Opens an embedded PGlite database: real PostgreSQL in WASM. `dataDir` undefined keeps it in
 * memory. PGlite has exactly one connection, so every query and transaction is serialized here:
 * a query issued while a transaction runs waits until it commits or rolls back.
 */
export async function openPgliteClient(dataDir: string | undefined): Promise<SqlClient> {
  if (dataDir !== undefined) await mkdir(dataDir, { recursive: true });
  const db = await PGlite.create(dataDir === undefined ? undefined : { dataDir });
  const exclusive = createMutex();

  const run = async <T>(sql: string, params?: readonly unknown[]): Promise<T[]> => {
    const result = await db.query<T>(sql, params ? [...params] : undefined);
    return result.rows;
  };

  const txClient: SqlClient = {
    query: run,
    transaction: (fn) => fn(txClient),
    close: () => Promise.reject(new Error('close() called inside a transaction')),
  };

  let closed = false;
  return {
    query: (sql, params) => exclusive(() => run(sql, params)),
    transaction: (fn) =>
      exclusive(async () => {
        await db.query('BEGIN');
        try {
          const value = await fn(txClient);
          await db.query('COMMIT');
          return value;
        } catch (error) {
          await db.query('ROLLBACK').catch(() => undefined);
          throw error;
        }
      }),
    close: () =>
      exclusive(async () => {
        if (closed) return;
        closed = true;
        await db.close();
      }),
  };
}

/** A FIFO lock: each call runs after the previous one settled. */
function createMutex(): <T>(fn: () => Promise<T>) => Promise<T> {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(fn: () => Promise<T>): Promise<T> => {
    const result = tail.then(fn, fn);
    tail = result.catch(() => undefined);
    return result;
  };
}
