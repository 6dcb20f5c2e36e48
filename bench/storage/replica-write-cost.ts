/**
 * `npx tsx bench/storage/replica-write-cost.ts [puts] [dir]`: what a PUT's two replica writes cost
 * this machine, durable (`STORAGE_FSYNC=true`: O_DSYNC write, rename, directory fsync) and not, in
 * one run and alternating. 1 KiB blobs, 16 writes in flight, two storage nodes under `dir` (default:
 * a fresh directory under the OS temp dir). CPU is the process's, every thread included (the file
 * operations run on libuv's thread pool), per PUT. No HTTP and no metadata, so it isolates what
 * durability costs from the rest of a PUT.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createFsNode } from '../../shared/storage/adapters/fs-node.js';

const CONCURRENCY = 16;
const ROUNDS = 3;

const puts = Number(process.argv[2] ?? 4000);
const parent = process.argv[3] ?? tmpdir();
const body = Buffer.alloc(1024, 7);

interface Sample {
  putsPerSecond: number;
  cpuMicrosPerPut: number;
}

async function measure(durable: boolean): Promise<Sample> {
  const dir = await mkdtemp(join(parent, 'replica-write-cost-'));
  try {
    const nodes = ['node-1', 'node-2'].map((id) => createFsNode({ id, dir: join(dir, id), fsync: durable }));
    let issued = 0;
    const writer = async () => {
      while (issued < puts) {
        issued += 1;
        const blobId = randomUUID().replaceAll('-', '');
        await Promise.all(nodes.map((node) => node.put(blobId, body)));
      }
    };
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    await Promise.all(Array.from({ length: CONCURRENCY }, writer));
    const elapsedMs = performance.now() - started;
    const cpu = process.cpuUsage(cpuBefore);
    return {
      putsPerSecond: (puts / elapsedMs) * 1000,
      cpuMicrosPerPut: (cpu.user + cpu.system) / puts,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const samples = { durable: [] as Sample[], plain: [] as Sample[] };
for (let round = 0; round < ROUNDS; round++) {
  samples.durable.push(await measure(true));
  samples.plain.push(await measure(false));
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
console.log(
  `Two 1 KiB replica writes per PUT, ${puts} PUTs x ${ROUNDS} rounds, ${CONCURRENCY} in flight, under ${parent}`,
);
console.log('| replicas | PUTs/s | CPU µs per PUT |');
console.log('|---|---:|---:|');
for (const [label, list] of [
  ['durable (STORAGE_FSYNC=true)', samples.durable],
  ['page cache only (STORAGE_FSYNC=false)', samples.plain],
] as const) {
  const rate = median(list.map((sample) => sample.putsPerSecond));
  const cpu = median(list.map((sample) => sample.cpuMicrosPerPut));
  console.log(`| ${label} | ${rate.toFixed(0)} | ${cpu.toFixed(0)} |`);
}
