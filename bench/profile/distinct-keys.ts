/**
 * Distinct-key profile harness (for profiling; not the official bench):
 *   npx tsx bench/profile/distinct-keys.ts [--rounds 3] [--seconds 5] [--warmup 1] [--concurrency 16]
 *     [--keys 100000] [--list-keys 10000] [--only put,sdkput,get,list] [--cpu-prof DIR] [--compare TREE]
 * Starts mock-s3 (embedded, `npm start`'s bundle) and s3rver once each, writes `--keys` 1 KiB objects
 * and a `--list-keys` prefix to both, then runs each workload in alternating rounds (A B, B A, ...):
 * - put: a new key for every PUT of 1 KiB (x-amz-content-sha256 = the body's hash, as the SDK signs it);
 * - sdkput: the same as the SDK sends it by default: aws-chunked, STREAMING-UNSIGNED-PAYLOAD-TRAILER,
 *   CRC32 in the trailer;
 * - get: 1 KiB GETs of random keys over all `--keys` written (embedded mode's metadata cache holds
 *   100,000 entries, and every write leaves a version token in it: most reads miss);
 * - list: ListObjectsV2 of the `--list-keys` prefix page by page (1,000 keys, `start-after`).
 * Every request is SigV4-signed. Prints ops/s, p50/p99 and server CPU per operation (read from
 * /proc, every thread: steadier than ops/s on a shared machine) and mock-s3 / s3rver ratios.
 * `--cpu-prof DIR` starts mock-s3 under `node --cpu-prof` (the profile is written when it stops).
 * `--compare TREE` adds `mock-s3-compare`, the same server built from another checkout (e.g. the
 * commit before a change, `git archive <commit> | tar -x -C TREE` and a node_modules link), so a
 * change is measured against its base in the same run, round by round.
 */
import { createHash } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { type LoadResult, runLoad } from '../client/load-loop.js';
import { type Endpoint, openEndpoint, type S3Request, sendS3Request } from '../client/s3-request.js';
import { describeMachine, machineFacts } from '../machine.js';
import { median } from '../stats.js';
import { parseNumberFlags } from '../suites/flags.js';
import {
  cpuSeconds,
  type ProfiledServer,
  startMockS3Profiled,
  startS3rverProfiled,
} from './profile-targets.js';
import { signedPut } from './signed-put.js';
import { EMPTY_PAYLOAD_SHA256, SigV4Signer } from './sigv4.js';

const BUCKET = 'profile-distinct';
const BODY = Buffer.alloc(1024, 'p');
const BODY_SHA256 = createHash('sha256').update(BODY).digest('hex');
const WORKLOADS = ['put', 'sdkput', 'get', 'list'] as const;
type Workload = (typeof WORKLOADS)[number];
const DEFAULTS = { rounds: 3, seconds: 5, warmup: 1, concurrency: 16, keys: 100_000, listKeys: 10_000 };
const PREFILL_CONCURRENCY = 32;
const LIST_PAGE = 1000;

function progress(message: string): void {
  process.stderr.write(`[profile] ${message}\n`);
}

function parseArgs(argv: readonly string[]) {
  const numeric: string[] = [];
  let only: Workload[] = [...WORKLOADS];
  let cpuProfDir: string | undefined;
  let compare: string | undefined;
  for (let index = 0; index < argv.length; index++) {
    const [flag, inline] = argv[index]!.split('=', 2) as [string, string | undefined];
    if (flag === '--only' || flag === '--cpu-prof' || flag === '--compare') {
      const value = inline ?? argv[++index] ?? '';
      if (flag === '--cpu-prof') cpuProfDir = value;
      else if (flag === '--compare') compare = value;
      else
        only = value
          .split(',')
          .filter((name): name is Workload => (WORKLOADS as readonly string[]).includes(name));
    } else {
      numeric.push(argv[index]!);
    }
  }
  return { ...parseNumberFlags(numeric, DEFAULTS), only, cpuProfDir, compare };
}

const pad = (n: number) => String(n).padStart(7, '0');

/** Request builders of one target: each call signs afresh, as a client does. */
function requestsFor(server: ProfiledServer) {
  const signer = new SigV4Signer(new URL(server.baseUrl).host);
  const put = (path: string): S3Request => signedPut(signer, path, BODY, BODY_SHA256);
  const chunkedBody = (() => {
    const checksum = Buffer.alloc(4);
    checksum.writeUInt32BE(crc32(BODY));
    return Buffer.concat([
      Buffer.from(`${BODY.length.toString(16)}\r\n`),
      BODY,
      Buffer.from(`\r\n0\r\nx-amz-checksum-crc32:${checksum.toString('base64')}\r\n\r\n`),
    ]);
  })();
  const sdkPut = (path: string): S3Request => ({
    method: 'PUT',
    path,
    headers: {
      ...signer.headers('PUT', path, '', 'STREAMING-UNSIGNED-PAYLOAD-TRAILER'),
      'content-type': 'application/octet-stream',
      'content-encoding': 'aws-chunked',
      'x-amz-decoded-content-length': BODY.length,
      'x-amz-trailer': 'x-amz-checksum-crc32',
      'x-amz-sdk-checksum-algorithm': 'CRC32',
      'content-length': chunkedBody.length,
    },
    body: chunkedBody,
  });
  const get = (path: string): S3Request => ({
    method: 'GET',
    path,
    headers: signer.headers('GET', path, '', EMPTY_PAYLOAD_SHA256),
    expectedBytes: BODY.length,
  });
  const listPage = (startAfter: string): S3Request => {
    const query = `list-type=2&max-keys=${LIST_PAGE}&prefix=list%2F&start-after=${encodeURIComponent(startAfter)}`;
    const path = `/${BUCKET}`;
    return {
      method: 'GET',
      path: `${path}?${query}`,
      headers: signer.headers('GET', path, query, EMPTY_PAYLOAD_SHA256),
    };
  };
  return { put, sdkPut, get, listPage };
}

async function prefill(
  endpoint: Endpoint,
  server: ProfiledServer,
  keys: number,
  listKeys: number,
): Promise<void> {
  const requests = requestsFor(server);
  const signer = new SigV4Signer(new URL(server.baseUrl).host);
  await sendS3Request(endpoint, {
    method: 'PUT',
    path: `/${BUCKET}`,
    headers: { ...signer.headers('PUT', `/${BUCKET}`, '', EMPTY_PAYLOAD_SHA256), 'content-length': 0 },
  });
  const total = keys + listKeys;
  let next = 0;
  const startedAt = performance.now();
  async function worker() {
    while (next < total) {
      const n = next++;
      const path = n < keys ? `/${BUCKET}/get/${pad(n)}` : `/${BUCKET}/list/${pad(n - keys)}`;
      await sendS3Request(endpoint, requests.put(path));
      if (n % 20_000 === 0 && n > 0) progress(`${server.name}: ${n}/${total} written`);
    }
  }
  await Promise.all(Array.from({ length: PREFILL_CONCURRENCY }, () => worker()));
  progress(
    `${server.name}: ${total} keys written in ${((performance.now() - startedAt) / 1000).toFixed(1)} s`,
  );
}

/**
 * Waits until the server is idle (under 5% of a core over 250 ms, at most 60 s): the upload checks
 * queued by earlier writes run in the background and would be charged to the next phase.
 */
async function settle(server: ProfiledServer): Promise<void> {
  let before = await cpuSeconds(server.pid);
  for (let attempt = 0; attempt < 240; attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    const now = await cpuSeconds(server.pid);
    if (now - before < 0.0125) return;
    before = now;
  }
}

interface Measured {
  readonly opsPerSecond: number;
  readonly p50: number;
  readonly p99: number;
  readonly cpuMicrosPerOp: number;
  readonly errors: number;
  readonly firstError?: string;
}

function p(sorted: number[], fraction: number): number {
  return sorted.length === 0
    ? Number.NaN
    : sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)]!;
}

async function measure(
  server: ProfiledServer,
  workload: Workload,
  round: number,
  options: ReturnType<typeof parseArgs>,
): Promise<Measured> {
  await settle(server);
  const endpoint = openEndpoint(server.baseUrl, options.concurrency);
  const requests = requestsFor(server);
  // xorshift32 seeded per round: both targets read the same key sequence in a round.
  let state = 0x9e3779b9 ^ round;
  const randomKey = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) % options.keys;
  };
  let offset = 0;
  const requestAt = (n: number): S3Request => {
    const index = offset + n;
    switch (workload) {
      case 'put':
        return requests.put(`/${BUCKET}/put-${round}/${pad(index)}`);
      case 'sdkput':
        return requests.sdkPut(`/${BUCKET}/sdkput-${round}/${pad(index)}`);
      case 'get':
        return requests.get(`/${BUCKET}/get/${pad(randomKey())}`);
      case 'list': {
        const page = index % Math.ceil(options.listKeys / LIST_PAGE);
        return requests.listPage(page === 0 ? '' : `list/${pad(page * LIST_PAGE - 1)}`);
      }
    }
  };
  let result: LoadResult;
  let cpu: number;
  try {
    const warm = await runLoad({
      endpoint,
      concurrency: options.concurrency,
      warmupMs: 0,
      measureMs: options.warmup * 1000,
      requestAt,
    });
    offset = warm.completed + warm.errors + 10 * options.concurrency;
    const cpuBefore = await cpuSeconds(server.pid);
    result = await runLoad({
      endpoint,
      concurrency: options.concurrency,
      warmupMs: 0,
      measureMs: options.seconds * 1000,
      requestAt,
    });
    cpu = (await cpuSeconds(server.pid)) - cpuBefore;
  } finally {
    endpoint.agent.destroy();
  }
  const sorted = result.latenciesMs.sort((a, b) => a - b);
  return {
    opsPerSecond: (result.completed * 1000) / result.elapsedMs,
    p50: p(sorted, 0.5),
    p99: p(sorted, 0.99),
    cpuMicrosPerOp: (cpu * 1e6) / Math.max(1, result.completed),
    errors: result.errors,
    firstError: result.firstError,
  };
}

const fmt = (value: number, digits = 0) =>
  value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const machine = describeMachine(machineFacts());
  const servers: ProfiledServer[] = [];
  try {
    progress('starting mock-s3 and s3rver');
    const mockArgs = options.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfDir}`] : [];
    servers.push(await startMockS3Profiled(mockArgs, {}));
    if (options.compare) servers.push(await startMockS3Profiled([], {}, 'mock-s3-compare', options.compare));
    servers.push(await startS3rverProfiled());
    for (const server of servers) {
      const endpoint = openEndpoint(server.baseUrl, PREFILL_CONCURRENCY);
      try {
        await prefill(endpoint, server, options.keys, options.listKeys);
      } finally {
        endpoint.agent.destroy();
      }
    }
    const results = new Map<string, Measured[]>();
    for (const workload of options.only) {
      for (let round = 1; round <= options.rounds; round++) {
        // A B C, then C B A: each target runs first, and next to each other, as often.
        const order = round % 2 === 1 ? servers : [...servers].reverse();
        for (const server of order) {
          const measured = await measure(server, workload, round, options);
          const key = `${workload} ${server.name}`;
          results.set(key, [...(results.get(key) ?? []), measured]);
          progress(
            `${workload} round ${round} ${server.name}: ${fmt(measured.opsPerSecond)} ops/s, p50 ${fmt(measured.p50, 2)} ms, ` +
              `p99 ${fmt(measured.p99, 2)} ms, ${fmt(measured.cpuMicrosPerOp)} µs CPU/op` +
              (measured.errors ? `, ${measured.errors} errors (${measured.firstError})` : ''),
          );
        }
      }
    }
    const lines = [
      `# Distinct-key profile (${new Date().toISOString()}; ${machine})`,
      `${options.rounds} rounds of ${options.seconds} s after ${options.warmup} s warm-up, concurrency ${options.concurrency}, ` +
        `${options.keys} GET keys, ${options.listKeys}-key LIST prefix; medians of the rounds`,
      '',
      '| workload | target | ops/s | p50 ms | p99 ms | server CPU µs/op | errors | ops/s vs s3rver (rounds) |',
      '|---|---|---:|---:|---:|---:|---:|---|',
    ];
    for (const workload of options.only) {
      const peer = results.get(`${workload} s3rver`) ?? [];
      for (const server of servers) {
        const list = results.get(`${workload} ${server.name}`) ?? [];
        const ratios = list.map((m, i) => m.opsPerSecond / (peer[i]?.opsPerSecond ?? Number.NaN));
        const ratio =
          server.name === 's3rver'
            ? ''
            : `${fmt(median(list.map((m) => m.opsPerSecond)) / median(peer.map((m) => m.opsPerSecond)), 2)}x (${ratios.map((r) => fmt(r, 2)).join(' / ')})`;
        lines.push(
          `| ${workload} | ${server.name} | ${fmt(median(list.map((m) => m.opsPerSecond)))} | ${fmt(median(list.map((m) => m.p50)), 2)} | ` +
            `${fmt(median(list.map((m) => m.p99)), 2)} | ${fmt(median(list.map((m) => m.cpuMicrosPerOp)))} | ` +
            `${list.reduce((sum, m) => sum + m.errors, 0)} | ${ratio} |`,
        );
      }
    }
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    for (const server of servers) await server.stop();
  }
}

await main();
