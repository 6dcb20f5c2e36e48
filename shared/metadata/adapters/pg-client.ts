import { createRequire } from 'node:module';
import type pg from 'pg';
import type { SqlClient } from '../sql-client.js';
import { toMetadataError } from './pg-errors.js';

/**
 * `pg` is loaded at the first pool, not at start: an embedded server never opens one. It is left to
 * Node's resolver at run time (scripts/build.mjs), so the bundle does not evaluate it at start.
 */
const loadPg = (): typeof pg => createRequire(import.meta.url)('pg') as typeof pg;

export interface PgPoolOptions {
  /** Connections in the pool (default 10; a Lambda wants 1–2). */
  max?: number;
  /** Server-side cap on one statement, lock waits included (default 5000 ms). */
  statementTimeoutMs?: number;
  /** Cap on opening a connection (default 5000 ms). */
  connectionTimeoutMs?: number;
  /** Idle connections are closed after this (default 30000 ms). */
  idleTimeoutMs?: number;
  /** Shown in pg_stat_activity. */
  applicationName?: string;
  /** Schema(s) to use instead of the default search_path, e.g. one schema per test file. */
  searchPath?: string;
}

/**
 * Opens a `pg` pool on `url`. Every wait is bounded: connect, statement (server side), query read
 * (client side, in case the network hangs) and idle-in-transaction; so nothing hangs forever.
 * Outages, timeouts and serialization failures surface as MetadataUnavailableError.
 */
export function openPgClient(url: string, poolOptions: PgPoolOptions = {}): SqlClient {
  const statementTimeoutMs = poolOptions.statementTimeoutMs ?? 5000;
  const pool = new (loadPg().Pool)({
    connectionString: url,
    max: poolOptions.max ?? 10,
    connectionTimeoutMillis: poolOptions.connectionTimeoutMs ?? 5000,
    idleTimeoutMillis: poolOptions.idleTimeoutMs ?? 30_000,
    statement_timeout: statementTimeoutMs,
    query_timeout: statementTimeoutMs + 2000,
    idle_in_transaction_session_timeout: statementTimeoutMs * 4,
    keepAlive: true,
    application_name: poolOptions.applicationName ?? 'mock-s3',
    ...(poolOptions.searchPath ? { options: `-c search_path=${poolOptions.searchPath}` } : {}),
  });
  // An idle client losing its connection emits on the pool; unhandled, it would crash the process.
  // The next query gets a fresh connection, or fails with MetadataUnavailableError.
  pool.on('error', () => undefined);

  const runOn = async <T>(
    runner: pg.Pool | pg.PoolClient,
    sql: string,
    params?: readonly unknown[],
  ): Promise<T[]> => {
    try {
      const result = await runner.query(sql, params ? [...params] : undefined);
      return result.rows as T[];
    } catch (error) {
      throw toMetadataError(error);
    }
  };

  let ended = false;
  return {
    query: (sql, params) => runOn(pool, sql, params),
    async transaction(fn) {
      let connection: pg.PoolClient;
      try {
        connection = await pool.connect();
      } catch (error) {
        throw toMetadataError(error);
      }
      const tx: SqlClient = {
        query: (sql, params) => runOn(connection, sql, params),
        transaction: (inner) => inner(tx),
        close: () => Promise.reject(new Error('close() called inside a transaction')),
      };
      let broken: Error | undefined;
      // A checked-out client has no pool listener: a connection dropped mid-transaction (server
      // restart) would be an uncaught 'error' and kill the process. Mark it broken instead; the
      // pending query fails on its own and the client is destroyed on release.
      const onConnectionError = (error: Error) => {
        broken = error;
      };
      connection.on('error', onConnectionError);
      try {
        await runOn(connection, 'BEGIN');
        const value = await fn(tx);
        await runOn(connection, 'COMMIT');
        return value;
      } catch (error) {
        try {
          await connection.query('ROLLBACK');
        } catch (rollbackError) {
          // The connection is unusable; destroy it instead of returning it to the pool.
          broken = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
        }
        throw error;
      } finally {
        connection.off('error', onConnectionError);
        connection.release(broken);
      }
    },
    async close() {
      if (ended) return;
      ended = true;
      await pool.end();
    },
  };
}
