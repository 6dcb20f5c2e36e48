/**
 * `npm run bench -- --suite origin`: what origin fallback costs. Two embedded servers in child
 * processes: the origin (a bucket of 1 KiB objects) and the target, whose bucket `bench-through`
 * reads through to it (write-back on, no rate limit) beside a plain bucket `bench-local` holding
 * the same objects. Measured, in alternating rounds (ABBA order):
 * - warm: GET of keys already fetched once (so local now) against the plain local GET, over a key
 *   set that is not a hot set (10,000 keys by default); goal: within 5%. The origin's own GET count
 *   must not move meanwhile (the reads are local).
 * - cold: each round's fresh keys, each a miss once, through the target, against the origin's own
 *   GET of the same keys at the same concurrency: throughput, and the overhead per miss (p50 of a
 *   miss minus p50 of the origin's GET). The origin's count must move by exactly one GET per miss.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { runLoad } from '../client/load-loop.js';
import { type Endpoint, openEndpoint } from '../client/s3-request.js';
import { describeMachine, machineFacts } from '../machine.js';
import {
  attachOrigin,
  type CountRun,
  coldKey,
  getRequest,
  LOCAL_BUCKET,
  ORIGIN_BUCKET,
  runEach,
  servedGets,
  THROUGH_BUCKET,
  warmKey,
  writeObjects,
} from '../origin/origin-workload.js';
import { median, percentile } from '../stats.js';
import { type RunningMockS3, startMockS3 } from '../targets/mock-s3.js';
import { parseNumberFlags } from './flags.js';

const RESULTS_FILE = new URL('../results/origin.md', import.meta.url);
const WARM_GOAL_RATIO = 0.95;
const DEFAULTS = { rounds: 3, seconds: 5, warmup: 1, concurrency: 16, keys: 10_000, coldKeys: 2_000 };
type OriginOptions = typeof DEFAULTS;

export const ORIGIN_USAGE =
  'usage: npm run bench -- --suite origin [--rounds 3] [--seconds 5] [--warmup 1] [--concurrency 16] [--keys 10000] [--cold-keys 2000]';

function progress(message: string): void {
  process.stderr.write(`[bench:origin] ${message}\n`);
}

interface Rate {
  readonly perSecond: number;
  readonly p50: number;
  readonly p99: number;
  readonly errors: number;
}

function rateOf(run: { completed: number; elapsedMs: number; latenciesMs: number[]; errors: number }): Rate {
  const sorted = Float64Array.from(run.latenciesMs).sort();
  return {
    perSecond: run.elapsedMs > 0 ? (run.completed * 1000) / run.elapsedMs : 0,
    p50: percentile(sorted, 0.5),
    p99: percentile(sorted, 0.99),
    errors: run.errors,
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
  const warm: Rate[] = [];
  const local: Rate[] = [];
  const cold: Rate[] = [];
  const direct: Rate[] = [];
  let warmOriginGets = 0;
  const missFetches: number[] = [];
  let firstFetch: Rate;
  try {
    progress('starting the origin and the target (embedded mode, child processes)');
    const origin = await startMockS3('origin');
    running.push(origin);
    const target = await startMockS3('target');
    running.push(target);
    const warmKeys = Array.from({ length: options.keys }, (_, index) => warmKey(index));
    const coldKeys = (round: number) =>
      Array.from({ length: options.coldKeys }, (_, index) => coldKey(round, index));
    progress(
      `writing ${options.keys} + ${options.rounds} x ${options.coldKeys} objects of 1 KiB at the origin`,
    );
    await withEndpoint(origin.baseUrl, options.concurrency, (endpoint) =>
      writeObjects(
        endpoint,
        origin.headers(),
        ORIGIN_BUCKET,
        [...warmKeys, ...Array.from({ length: options.rounds }, (_, r) => coldKeys(r + 1)).flat()],
        options.concurrency,
      ),
    );
    progress(`writing the same ${options.keys} objects to the target's plain bucket`);
    await withEndpoint(target.baseUrl, options.concurrency, (endpoint) =>
      writeObjects(endpoint, target.headers(), LOCAL_BUCKET, warmKeys, options.concurrency),
    );
    await withEndpoint(target.baseUrl, 1, (endpoint) =>
      writeObjects(endpoint, target.headers(), THROUGH_BUCKET, [], 1),
    );
    await attachOrigin(target.adminUrl, THROUGH_BUCKET, origin.baseUrl);
    progress(`fetching the ${options.keys} warm keys through the target once`);
    const before = await servedGets(origin.adminUrl);
    firstFetch = rateOf(await eachOnce(target, THROUGH_BUCKET, warmKeys, options.concurrency));
    const fetched = (await servedGets(origin.adminUrl)) - before;
    if (fetched !== options.keys) {
      throw new Error(
        `the first read of ${options.keys} keys made ${fetched} GETs at the origin, not one per key`,
      );
    }

    for (let round = 1; round <= options.rounds; round++) {
      const odd = round % 2 === 1;
      for (const phase of odd ? (['local', 'warm'] as const) : (['warm', 'local'] as const)) {
        const gets = await servedGets(origin.adminUrl);
        // Each round starts at another key; n walks the whole key set, never a hot subset.
        const offset = (round * 3_331) % options.keys;
        const rate = await timedGets(
          target,
          phase === 'local' ? LOCAL_BUCKET : THROUGH_BUCKET,
          options,
          offset,
        );
        if (phase === 'warm') warmOriginGets += (await servedGets(origin.adminUrl)) - gets;
        (phase === 'local' ? local : warm).push(rate);
        progress(
          `round ${round}/${options.rounds} ${phase} GET: ${cell(rate.perSecond, 0)}/s, p50 ${cell(rate.p50, 2)} ms`,
        );
      }
      const keys = coldKeys(round);
      for (const phase of odd ? (['direct', 'cold'] as const) : (['cold', 'direct'] as const)) {
        if (phase === 'direct') {
          const rate = rateOf(await eachOnce(origin, ORIGIN_BUCKET, keys, options.concurrency));
          direct.push(rate);
          progress(
            `round ${round}/${options.rounds} origin's own GET: ${cell(rate.perSecond, 0)}/s, p50 ${cell(rate.p50, 2)} ms`,
          );
        } else {
          const gets = await servedGets(origin.adminUrl);
          const rate = rateOf(await eachOnce(target, THROUGH_BUCKET, keys, options.concurrency));
          missFetches.push((await servedGets(origin.adminUrl)) - gets);
          cold.push(rate);
          progress(
            `round ${round}/${options.rounds} cold miss: ${cell(rate.perSecond, 0)}/s, p50 ${cell(rate.p50, 2)} ms`,
          );
        }
      }
    }
  } finally {
    await Promise.allSettled(running.map((server) => server.stop()));
  }

  const med = (rates: Rate[], pick: (rate: Rate) => number) => median(rates.map(pick));
  const warmRate = med(warm, (r) => r.perSecond);
  const localRate = med(local, (r) => r.perSecond);
  const coldRate = med(cold, (r) => r.perSecond);
  const directRate = med(direct, (r) => r.perSecond);
  const overheadMs = median(cold.map((r, i) => r.p50 - direct[i]!.p50));
  const row = (name: string, rates: Rate[], versus: string) =>
    `| ${name} | ${cell(
      med(rates, (r) => r.perSecond),
      0,
    )} | ${cell(
      med(rates, (r) => r.p50),
      2,
    )} | ${cell(
      med(rates, (r) => r.p99),
      2,
    )} | ${versus} |`;
  const report = [
    '# Origin fallback (`npm run bench -- --suite origin`)',
    '',
    `${started.toISOString()}; ${machine}`,
    `Origin and target: two embedded servers (child processes); ${options.concurrency} connections; 1 KiB objects.`,
    `Warm: ${options.rounds} rounds of ${options.seconds} s (after ${options.warmup} s warm-up) over ${options.keys.toLocaleString('en-US')} keys fetched once before;`,
    `cold: ${options.coldKeys.toLocaleString('en-US')} fresh keys per round, each read once. Median of the rounds (ABBA order).`,
    '',
    '| GET of 1 KiB | GET/s | p50 ms | p99 ms | against |',
    '|---|---:|---:|---:|---|',
    row('plain local bucket', local, '-'),
    row(
      'read-through bucket, key fetched once before',
      warm,
      `${cell(warmRate / localRate, 3)} of local (goal >= ${WARM_GOAL_RATIO})`,
    ),
    row("origin's own GET (direct)", direct, '-'),
    row('cold miss through the target', cold, `${cell(coldRate / directRate, 3)} of the origin's own rate`),
    '',
    `Overhead per miss (p50 of a miss minus p50 of the origin's own GET): ${cell(overheadMs, 2)} ms.`,
    `The first read of the ${options.keys.toLocaleString('en-US')} warm keys (cold, before the rounds): ${cell(firstFetch!.perSecond, 0)}/s, p50 ${cell(firstFetch!.p50, 2)} ms.`,
    `Origin GETs during the warm phases: ${warmOriginGets}; origin GETs per cold miss: ${missFetches.map((n) => cell(n / options.coldKeys, 2)).join(', ')}.`,
    '',
  ].join('\n');
  process.stdout.write(report);
  await mkdir(new URL('.', RESULTS_FILE), { recursive: true });
  await writeFile(RESULTS_FILE, report);
  const countsRight = warmOriginGets === 0 && missFetches.every((n) => n === options.coldKeys);
  return countsRight && warmRate >= WARM_GOAL_RATIO * localRate ? 0 : 1;
}
