/**
 * `npx tsx bench/profile/get-statement-cost.ts [objects] [rounds]`: what a metadata read of a GET
 * that misses the cache costs in PGlite, in process (in memory: the disk plays no part), with 16
 * reads of distinct keys arriving in one turn (concurrency 16): the store's batched getObject (one
 * statement for the turn) beside one statement per read, in alternating rounds. Prints CPU time of
 * this process per read (the PGlite work runs on this thread here) and reads per second.
 */
import { performance } from 'node:perf_hooks';
import { openPgliteClient } from '../../shared/metadata/adapters/pglite-client.js';
import { migrate } from '../../shared/metadata/migrations.js';
import type { ObjectRecord } from '../../shared/metadata/ports.js';
import type { SqlClient } from '../../shared/metadata/sql-client.js';
import { createSqlMetadataStore } from '../../shared/metadata/sql-metadata-store.js';

const objects = Number(process.argv[2] ?? 20_000);
const rounds = Number(process.argv[3] ?? 3);
const TURN = 16;
const READS_PER_ROUND = 4_000;

const client = await openPgliteClient(undefined);
await migrate(client);
// The same database seen as a shared session: getObject then runs one statement per read.
const unbatchedClient: SqlClient = {
  ...client,
  soleSession: false,
  query: client.query,
  transaction: client.transaction,
  close: client.close,
};
const batched = createSqlMetadataStore(client);
const unbatched = createSqlMetadataStore(unbatchedClient);
await batched.createBucket({ name: 'b', createdAt: new Date() });
const anObject = (index: number): ObjectRecord => ({
  bucket: 'b',
  key: `get/${String(index).padStart(7, '0')}`,
  size: 1024,
  etag: '"0123456789abcdef0123456789abcdef"',
  lastModified: new Date(),
  headers: {},
  userMetadata: {},
  segments: [{ blobId: `blob-${index}`, size: 1024 }],
});
for (let first = 0; first < objects; first += 64) {
  await Promise.all(
    Array.from({ length: Math.min(64, objects - first) }, (_, i) => batched.putObject(anObject(first + i))),
  );
}
await client.query('ANALYZE');

let state = 0x2545f491;
const randomKey = () => {
  state ^= state << 13;
  state ^= state >>> 17;
  state ^= state << 5;
  return `get/${String((state >>> 0) % objects).padStart(7, '0')}`;
};

async function measure(store: typeof batched): Promise<{ microsPerRead: number; readsPerSecond: number }> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  for (let done = 0; done < READS_PER_ROUND; done += TURN) {
    const found = await Promise.all(Array.from({ length: TURN }, () => store.getObject('b', randomKey())));
    if (found.some((object) => object === undefined)) throw new Error('a read found nothing');
  }
  const used = process.cpuUsage(cpu);
  const elapsed = performance.now() - started;
  return {
    microsPerRead: (used.user + used.system) / READS_PER_ROUND,
    readsPerSecond: (READS_PER_ROUND * 1000) / elapsed,
  };
}

await measure(batched);
await measure(unbatched);
for (let round = 1; round <= rounds; round++) {
  const order =
    round % 2 === 1
      ? (['batched', 'one statement each'] as const)
      : (['one statement each', 'batched'] as const);
  for (const name of order) {
    const result = await measure(name === 'batched' ? batched : unbatched);
    process.stdout.write(
      `round ${round} ${name}: ${result.microsPerRead.toFixed(0)} µs CPU per read, ${result.readsPerSecond.toFixed(0)} reads/s\n`,
    );
  }
}
await client.close();
