import { mkdir } from 'node:fs/promises';
import { PGlite, parse, protocol } from '@electric-sql/pglite';
import type { SqlClient } from '../sql-client.js';
import { restoreLeadingBoms } from './pglite-leading-bom.js';

/** Named prepared statements kept per database; statements beyond it run unnamed (parsed each time). */
const MAX_PREPARED_STATEMENTS = 256;
/** Single statements committed together at most (group commit). */
const MAX_GROUP = 64;
/**
 * PostgreSQL's buffer cache in PGlite. PostgreSQL touches all of it when it starts, so its size is
 * resident from the first second: the default 128MB was half of an idle server. Pages that do not
 * fit are read again from the data directory's files, which the OS page cache keeps (a read()
 * of a few microseconds), so a key set larger than this costs little on the request path.
 * WAL buffers follow (1/32 of it).
 */
const SHARED_BUFFERS = '16MB';
/** SQLSTATE of "cached plan must not change result type". */
const FEATURE_NOT_SUPPORTED = '0A000';

interface QueuedStatement {
  sql: string;
  params: readonly unknown[] | undefined;
  resolve: (rows: unknown[]) => void;
  reject: (error: unknown) => void;
}

/**
 * Opens an embedded PGlite database: real PostgreSQL in WASM. `dataDir` undefined keeps it in
 * memory. PGlite has exactly one connection, so every query and transaction is serialized here:
 * a query issued while a transaction runs waits until it commits or rolls back.
 *
 * Speed: `PGlite.query` makes six calls into WASM per statement (parse, describe, bind, describe,
 * execute, sync) and re-plans it every time. Here each distinct statement is parsed once as a named
 * prepared statement, and each execution sends Bind, Describe, Execute and Sync as one message
 * batch: one call into WASM, and PostgreSQL caches the plan. Values travel as text parameters,
 * exactly as with `query`, never spliced into SQL. Rows are decoded by PGlite's own type parsers,
 * with a leading U+FEFF put back where its protocol parser drops it (restoreLeadingBoms).
 *
 * Group commit: single statements that queue up during one turn of the event loop run together in
 * one transaction, and each caller is answered only after that COMMIT; one WAL write then serves
 * them all. A statement waits for the I/O callbacks of its turn to run (setImmediate), so the
 * queries of requests that arrived together share the COMMIT. Without that wait no group formed:
 * PGlite answers within microtasks, so each request's statement ran and committed before the next
 * request's callback (counted in the server under PUT load: every group had one statement; with the
 * wait, ~4 on average and PUT 1 KiB throughput up ~10%). If any statement of the group fails, the
 * group is rolled back and each statement runs again on its own, so one caller's error
 * (NoSuchBucket, say) never fails or undoes another's write, and a statement that cannot run inside
 * a transaction (VACUUM) still runs.
 *
 * Durability: PGlite starts PostgreSQL with `-F` (fsync off). A COMMIT has written its WAL into the
 * operating system (NODEFS writes synchronously) before it returns, so a crash of this process loses
 * nothing acknowledged; a power loss or kernel crash may lose the latest commits.
 */
export async function openPgliteClient(dataDir: string | undefined): Promise<SqlClient> {
  if (dataDir !== undefined) await mkdir(dataDir, { recursive: true });
  const db = await PGlite.create({
    ...(dataDir === undefined ? {} : { dataDir }),
    startParams: [...PGlite.defaultStartParams, '-c', `shared_buffers=${SHARED_BUFFERS}`],
  });
  const exclusive = createMutex();
  const preparedNames = new Map<string, string>();

  const statementName = async (sql: string): Promise<string> => {
    const known = preparedNames.get(sql);
    if (known !== undefined) return known;
    if (preparedNames.size >= MAX_PREPARED_STATEMENTS) {
      await db.execProtocol(batch([protocol.serialize.parse({ text: sql }), protocol.serialize.sync()]));
      return '';
    }
    const name = `mock_s3_${preparedNames.size + 1}`;
    await db.execProtocol(batch([protocol.serialize.parse({ name, text: sql }), protocol.serialize.sync()]));
    preparedNames.set(sql, name);
    return name;
  };

  const run = async <T>(sql: string, params?: readonly unknown[]): Promise<T[]> => {
    try {
      return await execute<T>(await statementName(sql), params);
    } catch (error) {
      // A schema change altered the statement's result type: prepare it afresh, once.
      if ((error as { code?: unknown }).code !== FEATURE_NOT_SUPPORTED || !preparedNames.has(sql))
        throw error;
      const stale = preparedNames.get(sql)!;
      preparedNames.delete(sql);
      await db.exec(`DEALLOCATE ${stale}`);
      return execute<T>(await statementName(sql), params);
    }
  };

  const execute = async <T>(statement: string, params?: readonly unknown[]): Promise<T[]> => {
    const { messages, data } = await db.execProtocol(
      batch([
        protocol.serialize.bind({ statement, values: (params ?? []).map(toTextParameter) }),
        protocol.serialize.describe({ type: 'P' }),
        protocol.serialize.execute({}),
        protocol.serialize.sync(),
      ]),
    );
    restoreLeadingBoms(messages, data);
    return (parse.parseResults(messages, db.parsers)[0]?.rows ?? []) as T[];
  };

  const txClient: SqlClient = {
    soleSession: true,
    query: run,
    transaction: (fn) => fn(txClient),
    close: () => Promise.reject(new Error('close() called inside a transaction')),
  };

  const queued: QueuedStatement[] = [];
  let groupScheduled = false;

  const runAlone = (statement: QueuedStatement) =>
    run(statement.sql, statement.params).then(statement.resolve, statement.reject);

  const runGroup = async (): Promise<void> => {
    groupScheduled = false;
    const group = queued.splice(0, MAX_GROUP);
    if (queued.length > 0) scheduleGroup();
    if (group.length === 1) return runAlone(group[0]!);
    const results: unknown[][] = [];
    try {
      await db.exec('BEGIN');
      for (const statement of group) results.push(await run(statement.sql, statement.params));
      await db.exec('COMMIT');
    } catch {
      await db.exec('ROLLBACK').catch(() => undefined);
      for (const statement of group) await runAlone(statement);
      return;
    }
    for (const [index, statement] of group.entries()) statement.resolve(results[index]!);
  };

  function scheduleGroup(): void {
    if (groupScheduled) return;
    groupScheduled = true;
    setImmediate(() => void exclusive(runGroup));
  }

  let closed = false;
  return {
    soleSession: true,
    query: <T>(sql: string, params?: readonly unknown[]) =>
      new Promise<T[]>((resolve, reject) => {
        queued.push({ sql, params, resolve: resolve as (rows: unknown[]) => void, reject });
        scheduleGroup();
      }),
    transaction: (fn) =>
      exclusive(async () => {
        await db.exec('BEGIN');
        try {
          const value = await fn(txClient);
          await db.exec('COMMIT');
          return value;
        } catch (error) {
          await db.exec('ROLLBACK').catch(() => undefined);
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

/** A parameter in PostgreSQL's text format, as `PGlite.query` would send it for our value types. */
function toTextParameter(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return value;
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  if (typeof value === 'boolean') return value ? 't' : 'f';
  return JSON.stringify(value);
}

function batch(messages: Uint8Array[]): Uint8Array {
  return Buffer.concat(messages);
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
