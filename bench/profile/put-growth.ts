/**
 * How the cost of a new-key PUT grows with the number of stored objects:
 *   npx tsx bench/profile/put-growth.ts [--keys 40000] [--window 2500] [--concurrency 16]
 *     [--node-args "--trace-gc"] [--cpu-prof DIR] [--tree CHECKOUT]
 * Starts mock-s3 (embedded, `npm start`'s bundle) over a fresh data directory and PUTs `--keys`
 * distinct 1 KiB keys; after each `--window` keys it prints the server's CPU per PUT (every thread,
 * from /proc; user and system apart: the kernel's share is the file system's), ops/s and RSS, so a cost that rises with the key count shows as a rising column.
 */

import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { openEndpoint, sendS3Request } from '../client/s3-request.js';
import { parseNumberFlags } from '../suites/flags.js';
import { startMockS3Profiled } from './profile-targets.js';
import { signedPut } from './signed-put.js';
import { EMPTY_PAYLOAD_SHA256, SigV4Signer } from './sigv4.js';

const BUCKET = 'profile-growth';
const BODY = Buffer.alloc(1024, 'g');
const BODY_SHA256 = createHash('sha256').update(BODY).digest('hex');

/** User and system CPU seconds of the process (every thread): fields 14 and 15 of /proc/<pid>/stat. */
async function userSystemSeconds(pid: number): Promise<[number, number]> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return [Number(fields[11]) / 100, Number(fields[12]) / 100];
}

async function rssMiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const match = /VmRSS:\s+(\d+)/.exec(status);
  return match ? Number(match[1]) / 1024 : 0;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const nodeArgs: string[] = [];
  const numeric: string[] = [];
  let tree = '.';
  for (let index = 0; index < argv.length; index++) {
    const flag = argv[index]!;
    if (flag === '--node-args') nodeArgs.push(...(argv[++index] ?? '').split(' ').filter(Boolean));
    else if (flag === '--tree') tree = argv[++index] ?? '.';
    else if (flag === '--cpu-prof') nodeArgs.push('--cpu-prof', `--cpu-prof-dir=${argv[++index]}`);
    else numeric.push(flag);
  }
  const options = parseNumberFlags(numeric, { keys: 40_000, window: 2_500, concurrency: 16 });
  const server = await startMockS3Profiled(nodeArgs, {}, 'mock-s3', tree);
  try {
    const endpoint = openEndpoint(server.baseUrl, options.concurrency);
    const signer = new SigV4Signer(new URL(server.baseUrl).host);
    await sendS3Request(endpoint, {
      method: 'PUT',
      path: `/${BUCKET}`,
      headers: { ...signer.headers('PUT', `/${BUCKET}`, '', EMPTY_PAYLOAD_SHA256), 'content-length': 0 },
    });
    process.stdout.write('keys\tops/s\tcpu_us/put\tuser_us\tsystem_us\trss_MiB\n');
    for (let from = 0; from < options.keys; from += options.window) {
      let next = from;
      const to = Math.min(options.keys, from + options.window);
      const [userBefore, systemBefore] = await userSystemSeconds(server.pid);
      const startedAt = performance.now();
      const worker = async () => {
        while (next < to) {
          const path = `/${BUCKET}/k/${String(next++).padStart(7, '0')}`;
          await sendS3Request(endpoint, signedPut(signer, path, BODY, BODY_SHA256));
        }
      };
      await Promise.all(Array.from({ length: options.concurrency }, worker));
      const seconds = (performance.now() - startedAt) / 1000;
      const [userAfter, systemAfter] = await userSystemSeconds(server.pid);
      const user = userAfter - userBefore;
      const system = systemAfter - systemBefore;
      const count = to - from;
      process.stdout.write(
        `${to}\t${(count / seconds).toFixed(0)}\t${(((user + system) / count) * 1e6).toFixed(0)}\t${((user / count) * 1e6).toFixed(0)}\t${((system / count) * 1e6).toFixed(0)}\t${(await rssMiB(server.pid)).toFixed(0)}\n`,
      );
    }
  } finally {
    await server.stop();
  }
}

await main();
