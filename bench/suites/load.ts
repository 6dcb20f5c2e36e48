/**
 * `npm run bench -- --suite load`: the load generator's own ceiling. A bare node:http server in a
 * child process (bench/peers/kib-get.ts) answers 1 KiB GETs; this process runs the load engine
 * (tools/load/engine.ts) with the raw client, closed loop, as a drill would, and then with the sdk
 * client. The goal: raw >= 15,000 GET/s of 1 KiB on this one process (one core), so the generator
 * is never what limits a drill. No pipelining: each connection waits for its answer.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { startLoad } from '../../tools/load/engine.js';
import type { ClientKind } from '../../tools/load/types.js';
import { describeMachine, machineFacts } from '../machine.js';
import { median } from '../stats.js';
import { spawnNode } from '../targets/child-server.js';
import { parseNumberFlags } from './flags.js';

const RESULTS_FILE = new URL('../results/load.md', import.meta.url);
export const LOAD_GOAL_PER_SECOND = 15_000;
const READY_TIMEOUT_MS = 30_000;
const DEFAULTS = { rounds: 3, seconds: 5, warmup: 1, concurrency: 32, sdkConcurrency: 32 };
type LoadSuiteOptions = typeof DEFAULTS;

export const LOAD_SUITE_USAGE =
  'usage: npm run bench -- --suite load [--rounds 3] [--seconds 5] [--warmup 1] [--concurrency 32] [--sdk-concurrency 32]';

function progress(message: string): void {
  process.stderr.write(`[bench:load] ${message}\n`);
}

interface Measured {
  readonly getsPerSecond: number;
  readonly errors: number;
  readonly p50: number;
  readonly p99: number;
  /** CPU time of this process over wall time, in the measured window (1.0 = one core busy). */
  readonly cores: number;
}

/** One closed-loop run of GETs: warm-up (the keys get written), then the measured window. */
async function measureOnce(
  kind: ClientKind,
  target: string,
  concurrency: number,
  options: LoadSuiteOptions,
  round: number,
): Promise<Measured> {
  const handle = startLoad({
    target,
    bucket: 'bench',
    keyPrefix: `${kind}-${round}/`,
    durationMs: (options.warmup + options.seconds) * 1000,
    loop: { kind: 'closed', concurrency },
    keys: 2 * concurrency,
    size: { min: 1024, max: 1024 },
    mix: { get: 1 },
    client: kind,
    seed: round,
    recordHistory: false,
  });
  let cpuAtStart = process.cpuUsage();
  let wallAtStart = performance.now();
  const timer = setTimeout(() => {
    handle.setWindow('during');
    cpuAtStart = process.cpuUsage();
    wallAtStart = performance.now();
  }, options.warmup * 1000);
  const run = await handle.done;
  clearTimeout(timer);
  const cpu = process.cpuUsage(cpuAtStart);
  const wallMs = performance.now() - wallAtStart;
  const window = run.windows.during;
  const gets = window?.byOperation.get;
  if (window === undefined || gets === undefined)
    throw new Error('no GET measured: is the window too short?');
  return {
    getsPerSecond: (gets.ops * 1000) / window.durationMs,
    errors: run.total.errors,
    p50: gets.latency?.p50 ?? Number.NaN,
    p99: gets.latency?.p99 ?? Number.NaN,
    cores: (cpu.user + cpu.system) / 1000 / wallMs,
  };
}

function cell(value: number, digits: number): string {
  return Number.isFinite(value)
    ? value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
    : '-';
}

/** Runs the suite; resolves with the exit code (1 when the raw client is short of the goal or saw errors). */
export async function runLoadSuite(argv: readonly string[]): Promise<number> {
  let options: LoadSuiteOptions;
  try {
    options = parseNumberFlags(argv, DEFAULTS);
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n${LOAD_SUITE_USAGE}\n`);
    return 2;
  }
  const machine = describeMachine(machineFacts());
  const started = new Date();
  progress('starting the bare node:http server (child process)');
  const child = spawnNode(['--import', 'tsx', 'bench/peers/kib-get.ts']);
  const ready = await child.firstJsonLine(READY_TIMEOUT_MS).catch(async (error: unknown) => {
    await child.stop();
    throw error;
  });
  const server = { baseUrl: `http://127.0.0.1:${Number(ready.port)}`, stop: () => child.stop() };
  const rounds: Record<ClientKind, Measured[]> = { raw: [], sdk: [] };
  try {
    for (let round = 1; round <= options.rounds; round++) {
      for (const kind of round % 2 === 1 ? (['raw', 'sdk'] as const) : (['sdk', 'raw'] as const)) {
        const concurrency = kind === 'raw' ? options.concurrency : options.sdkConcurrency;
        const measured = await measureOnce(kind, server.baseUrl, concurrency, options, round);
        rounds[kind].push(measured);
        progress(
          `round ${round}/${options.rounds} ${kind}: ${cell(measured.getsPerSecond, 0)} GET/s, ` +
            `p99 ${cell(measured.p99, 2)} ms, ${cell(measured.cores, 2)} cores, ${measured.errors} errors`,
        );
      }
    }
  } finally {
    await server.stop();
  }
  const row = (kind: ClientKind, concurrency: number) => {
    const list = rounds[kind];
    const rate = median(list.map((m) => m.getsPerSecond));
    return `| ${kind} | ${concurrency} | ${cell(rate, 0)} | ${cell(rate / LOAD_GOAL_PER_SECOND, 2)} | ${cell(median(list.map((m) => m.p50)), 2)} | ${cell(median(list.map((m) => m.p99)), 2)} | ${cell(median(list.map((m) => m.cores)), 2)} | ${list.reduce((sum, m) => sum + m.errors, 0)} |`;
  };
  const rawRate = median(rounds.raw.map((m) => m.getsPerSecond));
  const report = [
    '# Load generator ceiling (`npm run bench -- --suite load`)',
    '',
    `${started.toISOString()}; ${machine}`,
    `${options.rounds} rounds of ${options.seconds} s (after ${options.warmup} s warm-up), closed loop, 1 KiB GETs`,
    'against a bare node:http server in a child process (bench/peers/kib-get.ts); the load engine and the',
    'client in this one process. Median of the rounds.',
    '',
    `| client | concurrency | GET/s | of the ${LOAD_GOAL_PER_SECOND.toLocaleString('en-US')}/s goal | p50 ms | p99 ms | cores used by the generator | errors |`,
    '|---|---:|---:|---:|---:|---:|---:|---:|',
    row('raw', options.concurrency),
    row('sdk', options.sdkConcurrency),
    '',
  ].join('\n');
  process.stdout.write(report);
  await mkdir(new URL('.', RESULTS_FILE), { recursive: true });
  await writeFile(RESULTS_FILE, report);
  const errors = [...rounds.raw, ...rounds.sdk].some((m) => m.errors > 0);
  return errors || rawRate < LOAD_GOAL_PER_SECOND ? 1 : 0;
}
