import { join } from 'node:path';
import { openPgClient, type PgPoolOptions } from './adapters/pg-client.js';
import { openPgliteClient } from './adapters/pglite-client.js';
import { openPgliteThreadClient } from './adapters/pglite-thread-client.js';
import { migrate } from './migrations.js';
import type { MetadataStore } from './ports.js';
import type { SqlClient } from './sql-client.js';
import { createSqlMetadataStore } from './sql-metadata-store.js';

export interface MetadataStoreConfig {
  backend: 'pglite' | 'postgres';
  /** Required for `postgres`. */
  databaseUrl?: string;
  /** PGlite keeps its files under `<dataDir>/metadata`; without it, PGlite runs in memory. */
  dataDir?: string;
  /** Pool settings for `postgres`. */
  pool?: PgPoolOptions;
  /** For `pglite`: run it on a worker thread started from this script (pglite-thread.ts or its bundle). */
  pgliteThread?: URL;
  /** Told when that thread dies (the next call starts a new one), for the log. */
  onPgliteThreadLost?: (error: Error) => void;
}

/**
 * Opens the configured SQL backend, brings its schema up to date and returns the store. Closing
 * the store closes the connection (pool).
 */
export async function openMetadataStore(config: MetadataStoreConfig): Promise<MetadataStore> {
  const client = await openClient(config);
  try {
    await migrate(client);
  } catch (error) {
    await client.close().catch(() => undefined);
    throw error;
  }
  return createSqlMetadataStore(client);
}

/**
 * Like {@link openMetadataStore}, and also hands back the migrated SqlClient, for other tables of
 * the same database (the fault rules): PGlite allows one connection, so they must share it.
 * Closing the store closes the client.
 */
export async function openMetadataDatabase(
  config: MetadataStoreConfig,
): Promise<{ store: MetadataStore; client: SqlClient }> {
  const client = await openClient(config);
  try {
    await migrate(client);
  } catch (error) {
    await client.close().catch(() => undefined);
    throw error;
  }
  return { store: createSqlMetadataStore(client), client };
}

async function openClient(config: MetadataStoreConfig): Promise<SqlClient> {
  if (config.backend === 'postgres') {
    if (!config.databaseUrl) throw new Error('metadata backend "postgres" needs a databaseUrl');
    return openPgClient(config.databaseUrl, config.pool);
  }
  const dir = config.dataDir === undefined ? undefined : join(config.dataDir, 'metadata');
  if (!config.pgliteThread) return openPgliteClient(dir);
  return openPgliteThreadClient(dir, config.pgliteThread, {
    ...(config.onPgliteThreadLost ? { onThreadLost: config.onPgliteThreadLost } : {}),
  });
}
