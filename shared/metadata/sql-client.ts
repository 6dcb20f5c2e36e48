/**
 * The narrow SQL port the metadata store is written against. Two adapters implement it with the
 * same SQL: PGlite (embedded, one connection) and PostgreSQL (`pg` pool).
 */
export interface SqlClient {
  /**
   * True when this client is the database's only session (embedded PGlite): no other writer can
   * interleave, so a read-modify-write may be one statement without a retry loop for races.
   */
  readonly soleSession?: boolean;
  /** Runs one statement with `$1`-style parameters and returns its rows. */
  query<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  /**
   * Runs `fn` inside BEGIN/COMMIT on one connection; rolls back if it throws. Statements inside must
   * go through `tx`, never through the outer client (PGlite would wait on itself). Calling
   * `tx.transaction` runs the inner function in the same transaction (no savepoint).
   */
  transaction<T>(fn: (tx: SqlClient) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
