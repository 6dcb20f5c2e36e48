import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { openPgliteClient } from '../../../../shared/metadata/adapters/pglite-client.js';
import { migrate } from '../../../../shared/metadata/migrations.js';
import type { ObjectRecord } from '../../../../shared/metadata/ports.js';
import type { SqlClient } from '../../../../shared/metadata/sql-client.js';
import {
  createSqlMetadataStore,
  PUT_OBJECTS_SOLE_SESSION,
} from '../../../../shared/metadata/sql-metadata-store.js';
import { objectRow } from '../../../../shared/metadata/sql-rows.js';

const OBJECTS = 3000;

function anObject(index: number): ObjectRecord {
  return {
    bucket: 'b',
    key: `key-${index}`,
    size: 1,
    etag: '"e"',
    lastModified: new Date('2024-01-01T00:00:00Z'),
    headers: {},
    userMetadata: {},
    segments: [{ blobId: `blob-${index}`, size: 1 }],
  };
}

let client: SqlClient;

beforeAll(async () => {
  client = await openPgliteClient(undefined);
  await migrate(client);
  const store = createSqlMetadataStore(client);
  await store.createBucket({ name: 'b', createdAt: new Date() });
  for (let first = 0; first < OBJECTS; first += 100) {
    await Promise.all(Array.from({ length: 100 }, (_, i) => store.putObject(anObject(first + i))));
  }
  await client.query('ANALYZE');
});

afterAll(() => client.close());

describe('the batched object put statement', () => {
  it('probes objects and object_blobs by index, however many rows the planner guesses', async () => {
    // Act
    const plan = await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${PUT_OBJECTS_SOLE_SESSION}`, [
      JSON.stringify([objectRow(anObject(5)), objectRow(anObject(7))]),
    ]);

    // Assess
    const text = plan.map((row) => row['QUERY PLAN']).join('\n');
    expect(text).not.toMatch(/Seq Scan on (objects|object_blobs)/);
    expect(text).toMatch(/Index Scan using object_blobs_object on object_blobs/);
    expect(text).toMatch(/Index Scan using objects_pkey on objects/);
  });
});
