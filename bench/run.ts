// Entry point of `npm run bench`: starts the targets, runs the phases in alternating rounds
// (A B C A B C ...), prints the Markdown report and writes it to bench/results/latest.md.
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { type BenchOptions, parseBenchOptions, USAGE } from './cli.js';
import { runLoad } from './client/load-loop.js';
import { openEndpoint } from './client/s3-request.js';
import { renderReport } from './report.js';
import { ResultCollector } from './results.js';
import { STACK_SUITE_TARGETS, selectTargets } from './targets/registry.js';
import type { RunningTarget } from './targets/target.js';
import { PHASES, phaseRequests, prepareTarget } from './workload.js';

const RESULTS_FILE = new URL('./results/latest.md', import.meta.url);
/** `--suite stack` keeps its own report: the stack run takes minutes and is not run every time. */
const STACK_RESULTS_FILE = new URL('./results/stack.md', import.meta.url);

function progress(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}

async function startTargets(names: readonly string[], running: RunningTarget[], concurrency: number) {
  const prepared = new Set<string>();
  for (const definition of selectTargets(names)) {
    progress(`starting ${definition.name}`);
    const target = await definition.start();
    running.push(target);
    if (target.dataKey !== undefined && prepared.has(target.dataKey)) {
      progress(`${definition.name} ready at ${target.baseUrl} (data of ${target.dataKey})`);
      continue;
    }
    if (target.dataKey !== undefined) prepared.add(target.dataKey);
    const endpoint = openEndpoint(target.baseUrl, concurrency);
    try {
      await prepareTarget(endpoint, target.headers(), concurrency);
    } finally {
      endpoint.agent.destroy();
    }
    progress(`${definition.name} ready at ${target.baseUrl}`);
  }
}

async function measure(options: BenchOptions, running: readonly RunningTarget[]): Promise<ResultCollector> {
  const collector = new ResultCollector();
  for (let round = 1; round <= options.rounds; round++) {
    for (const phase of PHASES) {
      for (const target of running) {
        // A fresh agent per phase: idle keep-alive sockets of an earlier phase may have been closed.
        const endpoint = openEndpoint(target.baseUrl, options.concurrency);
        try {
          const result = await runLoad({
            endpoint,
            concurrency: options.concurrency,
            warmupMs: options.warmupSeconds * 1000,
            measureMs: options.seconds * 1000,
            requestAt: phaseRequests(phase, target.headers()),
          });
          collector.add(target.name, phase, result);
          const opsPerSecond = result.elapsedMs > 0 ? (result.completed * 1000) / result.elapsedMs : 0;
          progress(
            `round ${round}/${options.rounds} ${target.name} ${phase.op} ${phase.sizeLabel}: ` +
              `${opsPerSecond.toFixed(0)} ops/s, ${result.errors} errors`,
          );
        } finally {
          endpoint.agent.destroy();
        }
      }
    }
  }
  return collector;
}

/**
 * `--suite distinct`, `faults`, `propagation`, `load` and `origin` (first argument) run the benchmarks of
 * `bench/suites/`; without it, the throughput comparison of the targets.
 */
async function runSuite(argv: readonly string[]): Promise<number | undefined> {
  const [flag, inline] = (argv[0] ?? '').split('=', 2) as [string, string | undefined];
  if (flag !== '--suite') return undefined;
  const suite = inline ?? argv[1];
  const rest = argv.slice(inline === undefined ? 2 : 1);
  switch (suite) {
    case 'faults':
      return (await import('./suites/faults.js')).runFaultsSuite(rest);
    case 'propagation':
      return (await import('./suites/propagation.js')).runPropagationSuite(rest);
    case 'load':
      return (await import('./suites/load.js')).runLoadSuite(rest);
    case 'origin':
      return (await import('./suites/origin.js')).runOriginSuite(rest);
    case 'distinct':
      return (await import('./suites/distinct.js')).runDistinctSuite(rest);
    default:
      process.stderr.write(
        `unknown suite "${suite ?? ''}"; known: distinct, faults, propagation, load, origin, stack\n${USAGE}\n`,
      );
      return 2;
  }
}

/** `--suite stack` (or `--suite=stack`): the target comparison over {@link STACK_SUITE_TARGETS}. */
function stackSuiteArgs(argv: readonly string[]): readonly string[] | undefined {
  if (argv[0] === '--suite=stack') return argv.slice(1);
  if (argv[0] === '--suite' && argv[1] === 'stack') return argv.slice(2);
  return undefined;
}

async function main(): Promise<number> {
  const stackArgs = stackSuiteArgs(process.argv.slice(2));
  const suiteExitCode = stackArgs === undefined ? await runSuite(process.argv.slice(2)) : undefined;
  if (suiteExitCode !== undefined) return suiteExitCode;
  let options: BenchOptions;
  try {
    options =
      stackArgs === undefined
        ? parseBenchOptions(process.argv.slice(2))
        : { ...parseBenchOptions(stackArgs), targets: STACK_SUITE_TARGETS };
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n${USAGE}\n`);
    return 2;
  }

  const running: RunningTarget[] = [];
  const stopAll = () => Promise.allSettled(running.map((target) => target.stop()));
  process.once('SIGINT', () => {
    void stopAll().then(() => process.exit(130));
  });

  let collector: ResultCollector;
  try {
    await startTargets(options.targets, running, options.concurrency);
    collector = await measure(options, running);
  } finally {
    await stopAll();
  }

  const cpuList = cpus();
  const report = renderReport(
    {
      date: new Date(),
      nodeVersion: process.version,
      cpuCount: cpuList.length,
      cpuModel: cpuList[0]?.model.trim() ?? 'unknown',
      rounds: options.rounds,
      seconds: options.seconds,
      warmupSeconds: options.warmupSeconds,
      concurrency: options.concurrency,
    },
    collector.rows(),
  );
  process.stdout.write(report);
  const file = stackArgs === undefined ? RESULTS_FILE : STACK_RESULTS_FILE;
  await mkdir(new URL('.', file), { recursive: true });
  await writeFile(file, report);
  const hasErrors = collector.rows().some((row) => row.errors > 0);
  return hasErrors ? 1 : 0;
}

process.exitCode = await main();
