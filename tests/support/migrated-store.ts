import { afterAll, beforeAll } from '@jest/globals';
import { migrate } from '../../shared/metadata/migrations.js';
import type { MetadataStore } from '../../shared/metadata/ports.js';
import type { SqlClient } from '../../shared/metadata/sql-client.js';
import { createSqlMetadataStore } from '../../shared/metadata/sql-metadata-store.js';

export interface MigratedStore {
  client: SqlClient;
  store: MetadataStore;
}

/**
 * For the describe block it is called in: opens a client before its tests, migrates it, makes the
 * SQL store over it, and closes the client after them. Returns what was opened (read it in a hook
 * or a test, not at definition time).
 */
export function migratedStoreFor(openClient: () => Promise<SqlClient>): () => MigratedStore {
  let opened: MigratedStore | undefined;
  beforeAll(async () => {
    const client = await openClient();
    await migrate(client);
    opened = { client, store: createSqlMetadataStore(client) };
  });
  afterAll(async () => {
    await opened?.client.close();
  });
  return () => {
    if (!opened) throw new Error('the store is opened by a beforeAll hook: read it in a hook or a test');
    return opened;
  };
}
