import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { openPgliteClient } from '../../../../shared/metadata/adapters/pglite-client.js';
import { migrate } from '../../../../shared/metadata/migrations.js';
import type { MetadataStore, ObjectRecord } from '../../../../shared/metadata/ports.js';
import type { SqlClient } from '../../../../shared/metadata/sql-client.js';
import {
  createSqlMetadataStore,
  GET_OBJECTS_SOLE_SESSION,
} from '../../../../shared/metadata/sql-metadata-store.js';

const OBJECTS = 2000;

function anObject(index: number): ObjectRecord {
  return {
    bucket: 'b',
    key: `key-${index}`,
    size: index,
    etag: `"e${index}"`,
    lastModified: new Date('2024-01-01T00:00:00Z'),
    headers: {},
    userMetadata: {},
    segments: [{ blobId: `blob-${index}`, size: index }],
  };
}

let client: SqlClient;
let store: MetadataStore;
/** Every statement the store sent, in order. */
const statements: string[] = [];

beforeAll(async () => {
  client = await openPgliteClient(undefined);
  await migrate(client);
  const counting: SqlClient = {
    soleSession: true,
    query: (sql, params) => {
      statements.push(sql);
      return client.query(sql, params);
    },
    transaction: (fn) => client.transaction(fn),
    close: () => client.close(),
  };
  store = createSqlMetadataStore(counting);
  await store.createBucket({ name: 'b', createdAt: new Date() });
  for (let first = 0; first < OBJECTS; first += 100) {
    await Promise.all(Array.from({ length: 100 }, (_, i) => store.putObject(anObject(first + i))));
  }
  await client.query('ANALYZE');
});

afterAll(() => client.close());

describe('getObject on a sole-session client', () => {
  it('answers the reads of one turn from one statement, each with its own object or none', async () => {
    // Prepare
    statements.length = 0;
    const keys = ['key-5', 'key-1999', 'missing', 'key-5', 'key-42'];

    // Act
    const found = await Promise.all(keys.map((key) => store.getObject('b', key)));

    // Assess
    expect(found.map((object) => object?.etag)).toEqual(['"e5"', '"e1999"', undefined, '"e5"', '"e42"']);
    expect(found[1]).toEqual(anObject(1999));
    expect(statements).toHaveLength(1);
  });

  it('reads a lone object as before', async () => {
    expect(await store.getObject('b', 'key-7')).toEqual(anObject(7));
    expect(await store.getObject('other', 'key-7')).toBeUndefined();
  });

  it('probes objects by index, however many rows the planner guesses', async () => {
    // Act
    const plan = await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${GET_OBJECTS_SOLE_SESSION}`, [
      JSON.stringify([
        { bucket: 'b', key: 'key-5' },
        { bucket: 'b', key: 'key-6' },
      ]),
    ]);

    // Assess
    const text = plan.map((row) => row['QUERY PLAN']).join('\n');
    expect(text).not.toMatch(/Seq Scan on objects/);
    expect(text).toMatch(/Index Scan using objects_pkey on objects/);
  });
});
