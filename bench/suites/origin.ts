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
 *   round). The origin's count must move by exactly one GET per miss.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { runLoad } from '../client/load-loop.js';
import { type Endpoint, openEndpoint } from '../client/s3-request.js';
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
const DEFAULTS = { rounds: 3, seconds: 5, warmup: 1, concurrency: 16, keys: 10_000, coldKeys: 1_000 };
type OriginOptions = typeof DEFAULTS;

export const ORIGIN_USAGE =
  'usage: npm run bench -- --suite origin [--rounds 3] [--seconds 5] [--warmup 1] [--concurrency 16] [--keys 10000] [--cold-keys 1000]';

function progress(message: string): void {
  process.stderr.write(`[bench:origin] ${message}\n`);
}

interface Rate {
  readonly perSecond: number;
  readonly p50: number;
  readonly p99: number;
}

function rateOf(run: { completed: number; elapsedMs: number; latenciesMs: number[] }): Rate {
  const sorted = Float64Array.from(run.latenciesMs).sort();
  return {
    perSecond: run.elapsedMs > 0 ? (run.completed * 1000) / run.elapsedMs : 0,
    p50: percentile(sorted, 0.5),
    p99: percentile(sorted, 0.99),
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

/** Timed GETs of the warm keys from `offset` on: n walks the whole key set, never a hot subset. */
async function timedGets(
  server: RunningMockS3,
  bucket: string,
  options: OriginOptions,
  offset: number,
): Promise<Rate> {
  const headers = server.headers();
  const requests = Array.from({ length: options.keys }, (_, index) =>
    getRequest(bucket, warmKey(index), headers),
  );
  const run = await withEndpoint(server.baseUrl, options.concurrency, (endpoint) =>
    runLoad({
      endpoint,
      concurrency: options.concurrency,
      warmupMs: options.warmup * 1000,
      measureMs: options.seconds * 1000,
      requestAt: (n) => requests[(offset + n) % options.keys]!,
    }),
  );
  if (run.errors > 0) throw new Error(`GET ${bucket}: ${run.errors} errors, first: ${run.firstError}`);
  return rateOf(run);
}

async function eachOnce(
  server: RunningMockS3,
  bucket: string,
  keys: readonly string[],
  concurrency: number,
): Promise<CountRun> {
  const headers = server.headers();
  const run = await withEndpoint(server.baseUrl, concurrency, (endpoint) =>
    runEach(
      endpoint,
      keys.map((key) => getRequest(bucket, key, headers)),
      concurrency,
    ),
  );
  if (run.errors > 0) throw new Error(`GET ${bucket}: ${run.errors} errors, first: ${run.firstError}`);
  return run;
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
  readonly cold: Record<BenchOriginKind, Rate[]>;
  /** The first read of the warm keys (all misses), kind s3. */
  firstFetch?: Rate;
  /** Origin GETs while the warm phases ran (must be 0). */
  warmOriginGets: number;
  /** Origin GETs per cold phase divided by its keys (must be 1). */
  readonly fetchesPerMiss: number[];
}

async function measure(
  origin: RunningMockS3,
  target: RunningMockS3,
  options: OriginOptions,
): Promise<Measured> {
  const measured: Measured = {
    local: [],
    warm: [],
    direct: [],
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
  measured.firstFetch = rateOf(await eachOnce(target, throughBucket('s3'), warmKeys, options.concurrency));
  const fetched = (await servedGets(origin.adminUrl)) - before;
  if (fetched !== options.keys) {
    throw new Error(
      `the first read of ${options.keys} keys made ${fetched} GETs at the origin, not one per key`,
    );
  }

  for (let round = 1; round <= options.rounds; round++) {
    const odd = round % 2 === 1;
    const offset = (round * 3_331) % options.keys;
    for (const phase of odd ? (['local', 'warm'] as const) : (['warm', 'local'] as const)) {
      const gets = await servedGets(origin.adminUrl);
      const bucket = phase === 'local' ? LOCAL_BUCKET : throughBucket('s3');
      const rate = await timedGets(target, bucket, options, offset);
      if (phase === 'warm') measured.warmOriginGets += (await servedGets(origin.adminUrl)) - gets;
      measured[phase].push(rate);
      progress(
        `round ${round}/${options.rounds} ${phase} GET: ${cell(rate.perSecond, 0)}/s, p50 ${cell(rate.p50, 2)} ms`,
      );
    }
    const phases = ['direct', 's3', 'http'] as const;
    for (const phase of odd ? phases : [...phases].reverse()) {
      if (phase === 'direct') {
        // The origin's own GET over the warm keys, timed like the warm phases (a count-bounded run
        // of 1,000 keys lasts a fraction of a second): it caches nothing, so any key costs the same.
        const rate = await timedGets(origin, ORIGIN_BUCKET, options, offset);
        measured.direct.push(rate);
        progress(
          `round ${round}/${options.rounds} origin's own GET: ${cell(rate.perSecond, 0)}/s, p50 ${cell(rate.p50, 2)} ms`,
        );
        continue;
      }
      const gets = await servedGets(origin.adminUrl);
      const rate = rateOf(
        await eachOnce(target, throughBucket(phase), coldKeys(round, phase), options.concurrency),
      );
      measured.fetchesPerMiss.push(((await servedGets(origin.adminUrl)) - gets) / options.coldKeys);
      measured.cold[phase].push(rate);
      progress(
        `round ${round}/${options.rounds} cold miss (${phase}): ${cell(rate.perSecond, 0)}/s, p50 ${cell(rate.p50, 2)} ms`,
      );
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
    )} | ${versus} |`;
  const first = measured.firstFetch;
  return [
    '# Origin fallback (`npm run bench -- --suite origin`)',
    '',
    `${started.toISOString()}; ${machine}`,
    `Origin and target: two embedded servers (child processes); ${options.concurrency} connections; 1 KiB objects.`,
    `Warm and the origin's own GET: ${options.rounds} rounds of ${options.seconds} s (after ${options.warmup} s warm-up) over ${options.keys.toLocaleString('en-US')} keys (fetched once before);`,
    `cold: ${options.coldKeys.toLocaleString('en-US')} fresh keys per round and kind, each read once. Median of the rounds (ABBA order).`,
    '',
    '| GET of 1 KiB | GET/s | p50 ms | p99 ms | against |',
    '|---|---:|---:|---:|---|',
    row('plain local bucket', measured.local, '-'),
    row(
      'read-through bucket, key fetched once before',
      measured.warm,
      `${cell(rate(measured.warm) / rate(measured.local), 3)} of local (goal >= ${WARM_GOAL_RATIO})`,
    ),
    row("origin's own GET (direct)", measured.direct, '-'),
    ...ORIGIN_KINDS.map((kind) =>
      row(
        `cold miss through the target, kind ${kind}`,
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
    measured = await measure(origin, target, options);
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
