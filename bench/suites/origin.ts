/**
 * `npm run bench -- --suite origin`: what origin fallback costs. Two embedded servers in child
 * processes: the origin (a bucket of 1 KiB objects) and the target, whose bucket `bench-through`
 * reads through to it (`kind: s3`, write-back on, no rate limit) beside a plain bucket `bench-local`
 * holding the same objects, and `bench-through-http` reading the same objects as `kind: http`.
 * Measured, in alternating rounds (ABBA order):
 * - warm: GET of keys already fetched once (so local now) against the plain local GET, over a key
 *   set that is not a hot set (10,000 keys by default); goal: within 5%. The origin's own GET count
 *   must not move meanwhile (the reads are local).
 * - cold: each round's fresh keys, each a miss once, through the target (both kinds), against the
 *   origin's own GET at the same concurrency (timed over the warm keys: the origin caches nothing):
 *   throughput, and the overhead per miss (p50 of a miss minus p50 of the origin's GET, same
 *   round). The origin's count must move by exactly one GET per miss. A plain local PUT of 1 KiB
 *   is measured beside them: each miss writes its object back.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { runLoad } from '../client/load-loop.js';
import { type Endpoint, openEndpoint, type S3Request } from '../client/s3-request.js';
import { listenerPid, processCpuMs } from '../faults/server-cpu.js';
import { describeMachine, machineFacts } from '../machine.js';
import {
  attachOrigin,
  type BenchOriginKind,
  type CountRun,
  coldKey,
  getRequest,
  LOCAL_BUCKET,
  ORIGIN_BUCKET,
  ORIGIN_KINDS,
  putRequest,
  runEach,
  servedGets,
  throughBucket,
  warmKey,
  writeObjects,
} from '../origin/origin-workload.js';
import { median, percentile } from '../stats.js';
import { type RunningMockS3, startMockS3 } from '../targets/mock-s3.js';
import { parseNumberFlags } from './flags.js';

const RESULTS_FILE = new URL('../results/origin.md', import.meta.url);
const WARM_GOAL_RATIO = 0.95;
const DEFAULTS = { rounds: 6, seconds: 4, warmup: 1, concurrency: 16, keys: 10_000, coldKeys: 1_000 };
type OriginOptions = typeof DEFAULTS;

export const ORIGIN_USAGE =
  'usage: npm run bench -- --suite origin [--rounds 6] [--seconds 4] [--warmup 1] [--concurrency 16] [--keys 10000] [--cold-keys 1000]';

function progress(message: string): void {
  process.stderr.write(`[bench:origin] ${message}\n`);
}

interface Rate {
  readonly perSecond: number;
  readonly p50: number;
  readonly p99: number;
  /** CPU µs per request sent (warm-up included) of the target and of the origin, from /proc. */
  readonly targetCpuUs: number;
  readonly originCpuUs: number;
}

/** The two servers' processes, for their CPU time per request. */
interface Servers {
  readonly origin: RunningMockS3;
  readonly target: RunningMockS3;
  readonly originPid: number | undefined;
  readonly targetPid: number | undefined;
}

/** Runs `phase` and charges the CPU the two servers spent meanwhile to the requests it sent. */
async function metered(
  servers: Servers,
  phase: () => Promise<{ completed: number; elapsedMs: number; latenciesMs: number[]; sent: number }>,
): Promise<Rate> {
  const before = await Promise.all([processCpuMs(servers.targetPid), processCpuMs(servers.originPid)]);
  const run = await phase();
  const after = await Promise.all([processCpuMs(servers.targetPid), processCpuMs(servers.originPid)]);
  const perRequest = (index: 0 | 1) => {
    const [from, to] = [before[index], after[index]];
    return from === undefined || to === undefined || run.sent === 0
      ? Number.NaN
      : ((to - from) * 1000) / run.sent;
  };
  const sorted = Float64Array.from(run.latenciesMs).sort();
  return {
    perSecond: run.elapsedMs > 0 ? (run.completed * 1000) / run.elapsedMs : 0,
    p50: percentile(sorted, 0.5),
    p99: percentile(sorted, 0.99),
    targetCpuUs: perRequest(0),
    originCpuUs: perRequest(1),
  };
}

/** A fresh keep-alive endpoint per phase, destroyed after it. */
async function withEndpoint<T>(
  baseUrl: string,
  concurrency: number,
  act: (endpoint: Endpoint) => Promise<T>,
): Promise<T> {
  const endpoint = openEndpoint(baseUrl, concurrency);
  try {
    return await act(endpoint);
  } finally {
    endpoint.agent.destroy();
  }
}

/**
 * A timed closed-loop phase against `server` cycling through `requests` from `offset` on: n walks
 * the whole key set, never a hot subset.
 */
function timed(
  servers: Servers,
  server: RunningMockS3,
  requests: readonly S3Request[],
  options: OriginOptions,
  offset: number,
): Promise<Rate> {
  return metered(servers, async () => {
    let sent = 0;
    const run = await withEndpoint(server.baseUrl, options.concurrency, (endpoint) =>
      runLoad({
        endpoint,
        concurrency: options.concurrency,
        warmupMs: options.warmup * 1000,
        measureMs: options.seconds * 1000,
        requestAt: (n) => {
          sent += 1;
          return requests[(offset + n) % requests.length]!;
        },
      }),
    );
    if (run.errors > 0) throw new Error(`${run.errors} errors, first: ${run.firstError}`);
    return { ...run, sent };
  });
}

const warmGets = (server: RunningMockS3, bucket: string, options: OriginOptions): S3Request[] => {
  const headers = server.headers();
  return Array.from({ length: options.keys }, (_, index) => getRequest(bucket, warmKey(index), headers));
};

/** PUTs of 1 KiB to the plain bucket: what a miss's write-back costs when it is a client's. */
const localPuts = (server: RunningMockS3, options: OriginOptions): S3Request[] => {
  const headers = server.headers();
  return Array.from({ length: options.keys }, (_, index) =>
    putRequest(LOCAL_BUCKET, `put/k${index}`, headers),
  );
};

/** Each key read once through `server` (a miss each, when the bucket lacks them). */
function eachOnce(
  servers: Servers,
  server: RunningMockS3,
  bucket: string,
  keys: readonly string[],
  concurrency: number,
): Promise<Rate> {
  return metered(servers, async () => {
    const headers = server.headers();
    const run: CountRun = await withEndpoint(server.baseUrl, concurrency, (endpoint) =>
      runEach(
        endpoint,
        keys.map((key) => getRequest(bucket, key, headers)),
        concurrency,
      ),
    );
    if (run.errors > 0) throw new Error(`GET ${bucket}: ${run.errors} errors, first: ${run.firstError}`);
    return { ...run, sent: keys.length };
  });
}

function cell(value: number, digits: number): string {
  return Number.isFinite(value)
    ? value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
    : '-';
}

/** What the rounds measured. */
interface Measured {
  readonly local: Rate[];
  readonly warm: Rate[];
  readonly direct: Rate[];
  /** Plain PUTs of 1 KiB to the target: a reference for the write-back each miss makes. */
  readonly put: Rate[];
  readonly cold: Record<BenchOriginKind, Rate[]>;
  /** The first read of the warm keys (all misses), kind s3. */
  firstFetch?: Rate;
  /** Origin GETs while the warm phases ran (must be 0). */
  warmOriginGets: number;
  /** Origin GETs per cold phase divided by its keys (must be 1). */
  readonly fetchesPerMiss: number[];
}

async function measure(servers: Servers, options: OriginOptions): Promise<Measured> {
  const { origin, target } = servers;
  const measured: Measured = {
    local: [],
    warm: [],
    direct: [],
    put: [],
    cold: { s3: [], http: [] },
    warmOriginGets: 0,
    fetchesPerMiss: [],
  };
  const warmKeys = Array.from({ length: options.keys }, (_, index) => warmKey(index));
  const coldKeys = (round: number, kind: BenchOriginKind) =>
    Array.from({ length: options.coldKeys }, (_, index) => coldKey(round, kind, index));
  const allCold = Array.from({ length: options.rounds }, (_, r) =>
    ORIGIN_KINDS.flatMap((kind) => coldKeys(r + 1, kind)),
  ).flat();
  progress(`writing ${options.keys + allCold.length} objects of 1 KiB at the origin`);
  await withEndpoint(origin.baseUrl, options.concurrency, (endpoint) =>
    writeObjects(endpoint, origin.headers(), ORIGIN_BUCKET, [...warmKeys, ...allCold], options.concurrency),
  );
  progress(`writing the same ${options.keys} warm objects to the target's plain bucket`);
  await withEndpoint(target.baseUrl, options.concurrency, (endpoint) =>
    writeObjects(endpoint, target.headers(), LOCAL_BUCKET, warmKeys, options.concurrency),
  );
  for (const kind of ORIGIN_KINDS) await attachOrigin(target.adminUrl, kind, origin.baseUrl);

  progress(`fetching the ${options.keys} warm keys through the target once`);
  const before = await servedGets(origin.adminUrl);
  measured.firstFetch = await eachOnce(servers, target, throughBucket('s3'), warmKeys, options.concurrency);
  const fetched = (await servedGets(origin.adminUrl)) - before;
  if (fetched !== options.keys) {
    throw new Error(
      `the first read of ${options.keys} keys made ${fetched} GETs at the origin, not one per key`,
    );
  }

  const say = (round: number, what: string, rate: Rate) =>
    progress(
      `round ${round}/${options.rounds} ${what}: ${cell(rate.perSecond, 0)}/s, p50 ${cell(rate.p50, 2)} ms, ` +
        `CPU per request: target ${cell(rate.targetCpuUs, 0)} µs, origin ${cell(rate.originCpuUs, 0)} µs`,
    );
  for (let round = 1; round <= options.rounds; round++) {
    const odd = round % 2 === 1;
    const offset = (round * 3_331) % options.keys;
    for (const phase of odd ? (['local', 'warm'] as const) : (['warm', 'local'] as const)) {
      const gets = await servedGets(origin.adminUrl);
      const bucket = phase === 'local' ? LOCAL_BUCKET : throughBucket('s3');
      const rate = await timed(servers, target, warmGets(target, bucket, options), options, offset);
      if (phase === 'warm') measured.warmOriginGets += (await servedGets(origin.adminUrl)) - gets;
      measured[phase].push(rate);
      say(round, `${phase} GET`, rate);
    }
    const phases = ['direct', 'put', 's3', 'http'] as const;
    for (const phase of odd ? phases : [...phases].reverse()) {
      if (phase === 'direct') {
        // The origin's own GET over the warm keys, timed like the warm phases (a count-bounded run
        // of 1,000 keys lasts a fraction of a second): it caches nothing, so any key costs the same.
        const rate = await timed(servers, origin, warmGets(origin, ORIGIN_BUCKET, options), options, offset);
        measured.direct.push(rate);
        say(round, "origin's own GET", rate);
        continue;
      }
      if (phase === 'put') {
        const rate = await timed(servers, target, localPuts(target, options), options, 0);
        measured.put.push(rate);
        say(round, 'local PUT', rate);
        continue;
      }
      const gets = await servedGets(origin.adminUrl);
      const rate = await eachOnce(
        servers,
        target,
        throughBucket(phase),
        coldKeys(round, phase),
        options.concurrency,
      );
      measured.fetchesPerMiss.push(((await servedGets(origin.adminUrl)) - gets) / options.coldKeys);
      measured.cold[phase].push(rate);
      say(round, `cold miss (${phase})`, rate);
    }
  }
  return measured;
}

function render(measured: Measured, options: OriginOptions, started: Date, machine: string): string {
  const med = (rates: Rate[], pick: (rate: Rate) => number) => median(rates.map(pick));
  const rate = (rates: Rate[]) => med(rates, (r) => r.perSecond);
  const directRate = rate(measured.direct);
  const overhead = (kind: BenchOriginKind) =>
    median(measured.cold[kind].map((r, i) => r.p50 - measured.direct[i]!.p50));
  const row = (name: string, rates: Rate[], versus: string) =>
    `| ${name} | ${cell(rate(rates), 0)} | ${cell(
      med(rates, (r) => r.p50),
      2,
    )} | ${cell(
      med(rates, (r) => r.p99),
      2,
    )} | ` +
    `${cell(
      med(rates, (r) => r.targetCpuUs),
      0,
    )} | ${cell(
      med(rates, (r) => r.originCpuUs),
      0,
    )} | ${versus} |`;
  const first = measured.firstFetch;
  return [
    '# Origin fallback (`npm run bench -- --suite origin`)',
    '',
    `${started.toISOString()}; ${machine}`,
    `Origin and target: two embedded servers (child processes); ${options.concurrency} connections; 1 KiB objects.`,
    `Timed phases: ${options.rounds} rounds of ${options.seconds} s (after ${options.warmup} s warm-up); warm GETs over ${options.keys.toLocaleString('en-US')} keys fetched once before;`,
    `cold: ${options.coldKeys.toLocaleString('en-US')} fresh keys per round and kind, each read once. Median of the rounds (ABBA order).`,
    'CPU: µs of each server process (/proc) per request sent, warm-up included; less sensitive than ops/s to other work on the machine.',
    '',
    '| 1 KiB | req/s | p50 ms | p99 ms | target CPU µs | origin CPU µs | against |',
    '|---|---:|---:|---:|---:|---:|---|',
    row('GET, plain local bucket', measured.local, '-'),
    row(
      'GET, read-through bucket, key fetched once before',
      measured.warm,
      `${cell(rate(measured.warm) / rate(measured.local), 3)} of local (goal >= ${WARM_GOAL_RATIO})`,
    ),
    row('GET at the origin itself (direct)', measured.direct, '-'),
    row('PUT, plain local bucket (a miss writes its object back)', measured.put, '-'),
    ...ORIGIN_KINDS.map((kind) =>
      row(
        `GET, cold miss through the target, kind ${kind}`,
        measured.cold[kind],
        `${cell(rate(measured.cold[kind]) / directRate, 3)} of the origin's own rate; +${cell(overhead(kind), 2)} ms per miss (p50)`,
      ),
    ),
    '',
    `Overhead per miss: p50 of a miss minus p50 of the origin's own GET, same round, same concurrency.`,
    `Warm / local per round: ${measured.warm.map((r, i) => cell(r.perSecond / measured.local[i]!.perSecond, 3)).join(', ')}.`,
    `The first read of the ${options.keys.toLocaleString('en-US')} warm keys (all misses, kind s3, before the rounds): ${cell(first?.perSecond ?? Number.NaN, 0)}/s, p50 ${cell(first?.p50 ?? Number.NaN, 2)} ms.`,
    `Origin GETs during the warm phases: ${measured.warmOriginGets}; origin GETs per cold miss: ${measured.fetchesPerMiss.map((n) => cell(n, 2)).join(', ')}.`,
    '',
  ].join('\n');
}

/** Runs the suite; resolves with the exit code (1 when the warm GET misses its goal or a count is off). */
export async function runOriginSuite(argv: readonly string[]): Promise<number> {
  let options: OriginOptions;
  try {
    options = parseNumberFlags(argv, DEFAULTS);
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n${ORIGIN_USAGE}\n`);
    return 2;
  }
  const machine = describeMachine(machineFacts());
  const started = new Date();
  const running: RunningMockS3[] = [];
  let measured: Measured;
  try {
    progress('starting the origin and the target (embedded mode, child processes)');
    const origin = await startMockS3('origin');
    running.push(origin);
    const target = await startMockS3('target');
    running.push(target);
    const pidOf = (server: RunningMockS3) => listenerPid(Number(new URL(server.baseUrl).port));
    measured = await measure({ origin, target, originPid: pidOf(origin), targetPid: pidOf(target) }, options);
  } finally {
    await Promise.allSettled(running.map((server) => server.stop()));
  }
  const report = render(measured, options, started, machine);
  process.stdout.write(report);
  await mkdir(new URL('.', RESULTS_FILE), { recursive: true });
  await writeFile(RESULTS_FILE, report);
  const countsRight = measured.warmOriginGets === 0 && measured.fetchesPerMiss.every((n) => n === 1);
  const warmRatio =
    median(measured.warm.map((r) => r.perSecond)) / median(measured.local.map((r) => r.perSecond));
  return countsRight && warmRatio >= WARM_GOAL_RATIO ? 0 : 1;
}
