/**
 * `npx tsx bench/metadata/put-statement-cost.ts [puts]`: what embedded mode's metadata commit of a
 * PUT costs in PGlite (WASM PostgreSQL), in process: the store's `putObject` (one statement: upsert
 * the object, return the version it replaced, keep its blob references) overwriting 200 keys, run
 * alone and 16 to a transaction (what group commit does under load), beside an empty round trip
 * (`SELECT 1`) for the fixed cost of a call into PGlite. In memory, so disk plays no part.
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { openPgliteClient } from '../../shared/metadata/adapters/pglite-client.js';
import { migrate } from '../../shared/metadata/migrations.js';
import type { ObjectRecord } from '../../shared/metadata/ports.js';
import { createSqlMetadataStore } from '../../shared/metadata/sql-metadata-store.js';

const GROUP = 16;
const KEYS = 200;
const puts = Number(process.argv[2] ?? 4800);

const client = await openPgliteClient(undefined);
await migrate(client);
const store = createSqlMetadataStore(client);
await store.createBucket({ name: 'bench-bucket', createdAt: new Date() });

let sequence = 0;
function nextObject(): ObjectRecord {
  sequence += 1;
  return {
    bucket: 'bench-bucket',
    key: `put-1024/key-${sequence % KEYS}`,
    size: 1024,
    etag: '"0123456789abcdef0123456789abcdef"',
    lastModified: new Date(),
    headers: { contentType: 'application/octet-stream' },
    userMetadata: {},
    segments: [{ blobId: randomUUID().replaceAll('-', ''), size: 1024 }],
  };
}

async function microsPerCall(calls: number, run: () => Promise<void>): Promise<number> {
  const started = performance.now();
  await run();
  return ((performance.now() - started) * 1000) / calls;
}

const rounds = Math.ceil(puts / GROUP);
// Warm-up: every key exists, every statement is prepared.
for (let i = 0; i < KEYS; i++) await store.putObject(nextObject());

const emptyRoundTrip = await microsPerCall(puts, async () => {
  for (let i = 0; i < puts; i++) await client.query('SELECT 1');
});
const alone = await microsPerCall(puts, async () => {
  for (let i = 0; i < puts; i++) await store.putObject(nextObject());
});
const grouped = await microsPerCall(rounds * GROUP, async () => {
  for (let round = 0; round < rounds; round++) {
    await client.transaction(async (tx) => {
      const inTransaction = createSqlMetadataStore(tx);
      for (let i = 0; i < GROUP; i++) await inTransaction.putObject(nextObject());
    });
  }
});
await client.close();

console.log(`PGlite in memory, ${puts} calls each, ${KEYS} keys overwritten in turn`);
console.log('| call | µs per call |');
console.log('|---|---:|');
console.log(`| SELECT 1 (an empty round trip) | ${emptyRoundTrip.toFixed(0)} |`);
console.log(`| putObject, each its own commit | ${alone.toFixed(0)} |`);
console.log(`| putObject, ${GROUP} per transaction | ${grouped.toFixed(0)} |`);
