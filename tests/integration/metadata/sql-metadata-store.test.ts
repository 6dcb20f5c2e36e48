import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { openPgClient } from '../../../shared/metadata/adapters/pg-client.js';
import { MIGRATIONS, migrate } from '../../../shared/metadata/migrations.js';
import { MetadataUnavailableError } from '../../../shared/metadata/ports.js';
import type { SqlClient } from '../../../shared/metadata/sql-client.js';
import { createSqlMetadataStore } from '../../../shared/metadata/sql-metadata-store.js';
import { describeSqlMetadataStoreContract } from '../../support/metadata-contract.js';
import { describeAttributesContract } from '../../support/metadata-contract-attributes.js';
import { describeVersionsContract } from '../../support/metadata-contract-versions.js';
import { DEFAULT_DATABASE_URL } from '../global-setup.js';

const databaseUrl = process.env.DATABASE_URL || DEFAULT_DATABASE_URL;

/**
 * Each test file works in schemas of its own, so files running in parallel (and other suites on
 * the same test database) never truncate each other's tables.
 */
const schemaPrefix = `metadata_it_${process.pid}_${Date.now()}`;
const schemas: string[] = [];
const admin = new pg.Pool({ connectionString: databaseUrl, max: 2 });

async function openInFreshSchema(suffix: string): Promise<SqlClient> {
  const schema = `${schemaPrefix}_${suffix}`;
  await admin.query(`CREATE SCHEMA "${schema}"`);
  schemas.push(schema);
  return openPgClient(databaseUrl, { max: 4, searchPath: schema });
}

afterAll(async () => {
  for (const schema of schemas) await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await admin.end();
});

describeSqlMetadataStoreContract('PostgreSQL', () => openInFreshSchema('contract'));
describeAttributesContract('PostgreSQL', () => openInFreshSchema('attributes'));
describeVersionsContract('PostgreSQL', () => openInFreshSchema('versions'));

describe('PostgreSQL specifics', () => {
  let client: SqlClient;

  beforeAll(async () => {
    client = await openInFreshSchema('specifics');
    await migrate(client);
  });

  afterAll(async () => {
    await client.close();
  });

  it('migrates once when two processes start at the same time', async () => {
    // Prepare
    const first = await openInFreshSchema('race');
    const second = openPgClient(databaseUrl, { searchPath: `${schemaPrefix}_race` });

    // Act
    const results = await Promise.all([migrate(first), migrate(second)]);

    // Assess
    expect(results.flat()).toEqual(MIGRATIONS.map((migration) => migration.version));
    await Promise.all([first.close(), second.close()]);
  });

  it('walks the primary key index for a prefix listing', async () => {
    // Prepare
    await client.query(`INSERT INTO buckets VALUES ('b', now())`);
    await client.query(
      `INSERT INTO objects (bucket, key, size, etag, last_modified, headers, user_metadata, segments)
       SELECT 'b', 'key-' || n, 1, '"e"', now(), '{}', '{}', '[]' FROM generate_series(1, 5000) AS n`,
    );
    await client.query('ANALYZE objects');
    const sent: { sql: string; params: readonly unknown[] }[] = [];
    const recording: SqlClient = {
      ...client,
      query: (sql, params = []) => {
        sent.push({ sql, params });
        return client.query(sql, params);
      },
    };
    await createSqlMetadataStore(recording).listObjects({
      bucket: 'b',
      prefix: 'key-12',
      after: '',
      limit: 1000,
    });

    // Act
    const plan = await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${sent[0].sql}`, sent[0].params);

    // Assess
    const text = plan.map((row) => row['QUERY PLAN']).join('\n');
    expect(text).toContain('objects_pkey');
    expect(text).not.toContain('Seq Scan');
  });

  it('turns a statement timeout into MetadataUnavailableError with its SQLSTATE', async () => {
    // Prepare
    const impatient = openPgClient(databaseUrl, { statementTimeoutMs: 100 });

    // Act
    const slow = impatient.query('SELECT pg_sleep(2)');

    // Assess
    await expect(slow).rejects.toBeInstanceOf(MetadataUnavailableError);
    await expect(slow).rejects.toMatchObject({ sqlstate: '57014' });
    await impatient.close();
  });

  it('turns an unreachable server into MetadataUnavailableError', async () => {
    // Prepare: port 1 on loopback refuses connections.
    const nowhere = openPgClient('postgres://mocks3:mocks3@127.0.0.1:1/mocks3_test', {
      connectionTimeoutMs: 1000,
    });

    // Act
    const query = nowhere.query('SELECT 1');

    // Assess
    await expect(query).rejects.toBeInstanceOf(MetadataUnavailableError);
    await nowhere.close();
  });

  it('rolls a failed transaction back and keeps the pool usable', async () => {
    // Prepare
    await client.query(`INSERT INTO buckets VALUES ('kept', now()) ON CONFLICT DO NOTHING`);

    // Act
    const failed = client.transaction(async (tx) => {
      await tx.query(`DELETE FROM buckets WHERE name = 'kept'`);
      throw new Error('boom');
    });

    // Assess
    await expect(failed).rejects.toThrow('boom');
    expect(await client.query(`SELECT name FROM buckets WHERE name = 'kept'`)).toHaveLength(1);
  });
});
