import type { LoadResult } from '../client/load-loop.js';
import { median, mergeSorted, percentile } from '../stats.js';
import type { DistinctWorkload } from './workloads.js';

/** One target over the run: its rows, its memory, or why it could not be measured. */
export interface TargetSummary {
  readonly name: string;
  /** Why the target did not run (not installed, did not start); absent when it ran. */
  readonly unavailable?: string;
  readonly idleResidentMiB: number;
  readonly peakResidentMiB: number;
  /** Keys it held when the GET rounds began. */
  readonly keys: number;
}

/** The summary of one workload on one target over all rounds. */
export interface DistinctRow {
  readonly workload: DistinctWorkload;
  readonly target: string;
  readonly opsPerSecond: number;
  readonly roundsOpsPerSecond: readonly number[];
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Median over rounds of the target's CPU time (every process and thread of it) per request. */
  readonly cpuMicrosPerOp: number;
  readonly requests: number;
  readonly errors: number;
  readonly firstError?: string;
}

/** Collects the rounds of every workload on every target, in insertion order. */
export class DistinctCollector {
  private readonly byKey = new Map<
    string,
    { workload: DistinctWorkload; target: string; results: LoadResult[]; cpu: number[] }
  >();

  add(workload: DistinctWorkload, target: string, result: LoadResult, cpuMicrosPerOp: number): void {
    const key = `${workload}|${target}`;
    const entry = this.byKey.get(key) ?? { workload, target, results: [], cpu: [] };
    entry.results.push(result);
    if (Number.isFinite(cpuMicrosPerOp)) entry.cpu.push(cpuMicrosPerOp);
    this.byKey.set(key, entry);
  }

  rows(): DistinctRow[] {
    return [...this.byKey.values()].map(({ workload, target, results, cpu }) => {
      const rounds = results.map((r) => (r.elapsedMs > 0 ? (r.completed * 1000) / r.elapsedMs : 0));
      const sorted = mergeSorted(results.map((r) => r.latenciesMs));
      return {
        workload,
        target,
        opsPerSecond: median(rounds),
        roundsOpsPerSecond: rounds,
        p50Ms: percentile(sorted, 0.5),
        p99Ms: percentile(sorted, 0.99),
        cpuMicrosPerOp: median(cpu),
        requests: results.reduce((sum, r) => sum + r.completed, 0),
        errors: results.reduce((sum, r) => sum + r.errors, 0),
        firstError: results.find((r) => r.firstError !== undefined)?.firstError,
      };
    });
  }
}

/** What the report says above its tables. */
export interface DistinctRunInfo {
  readonly started: Date;
  readonly minutes: number;
  readonly machine: string;
  readonly loadAverageAtEnd: string;
  readonly commit: string;
  readonly rounds: number;
  readonly seconds: number;
  readonly warmupSeconds: number;
  readonly concurrency: number;
  readonly listConcurrency: number;
  readonly putKeys: number;
  readonly putRoundSeconds: number;
  readonly peerPutSeconds: number;
  readonly listKeys: number;
  readonly mockS3Env: Readonly<Record<string, string>>;
}

/** The issue's goals on the distinct-key workloads: `target` at least `factor` times `baseline`. */
const GOALS = [
  { workload: 'PUT new', baseline: 's3rver', factor: 1.3 },
  { workload: 'GET spread', baseline: 's3rver', factor: 2.5 },
  { workload: 'PUT new', baseline: 'localstack', factor: 3 },
  { workload: 'GET spread', baseline: 'localstack', factor: 3 },
] as const;
const SUBJECT = 'mock-s3';
const PEERS = ['s3rver', 'moto', 'localstack'] as const;
const IDLE_RSS_GOAL_MB = 250;

function fixed(value: number, digits: number): string {
  return Number.isFinite(value) ? value.toFixed(digits) : '—';
}

function find(rows: readonly DistinctRow[], workload: string, target: string) {
  return rows.find((row) => row.workload === workload && row.target === target);
}

function ratio(rows: readonly DistinctRow[], row: DistinctRow, peer: string): string {
  const base = find(rows, row.workload, peer);
  if (!base || base.opsPerSecond <= 0 || base.errors > 0) return '—';
  return `${(row.opsPerSecond / base.opsPerSecond).toFixed(2)}x`;
}

/** The Markdown report of one run. */
export function renderDistinctReport(
  info: DistinctRunInfo,
  targets: readonly TargetSummary[],
  rows: readonly DistinctRow[],
  memoryTable?: string,
): string {
  const envText = Object.entries(info.mockS3Env)
    .map(([name, value]) => `${name}=${value}`)
    .join(' ');
  const lines = [
    '# Distinct-key workloads (`npm run bench -- --suite distinct`)',
    '',
    `${info.started.toISOString()}, ${fixed(info.minutes, 1)} min; ${info.machine}; load average ${info.loadAverageAtEnd} at the end; commit ${info.commit}.`,
    `Concurrency ${info.concurrency} (LIST ${info.listConcurrency}), SigV4-signed requests, 1 KiB objects. PUT new: ${info.rounds} rounds ` +
      `writing new keys until a target holds ${info.putKeys.toLocaleString('en-US')} (the ${info.listKeys.toLocaleString('en-US')} keys of the LIST prefix, ` +
      `written first, included): mock-s3 and s3rver write their share each round (bound ${info.putRoundSeconds} s; keys a round missed are ` +
      `written unmeasured before the GETs), moto and LocalStack for ${info.peerPutSeconds} s a round; GET spread, LIST pages and SDK PUT: ` +
      `${info.rounds} rounds of ${info.seconds} s after ${info.warmupSeconds} s warm-up. Targets alternate within each round. ` +
      `ops/s is the median of the rounds (each round's in brackets); p50/p99 over every request of every round; ` +
      `server CPU µs/op is the target's CPU time (all its processes and threads, from /proc) per request, warm-up included, median of the rounds. ` +
      `mock-s3 runs with ${envText === '' ? 'its defaults' : envText}.`,
    '',
    `| workload | target | ops/s (rounds) | p50 ms | p99 ms | ${PEERS.map((peer) => `vs ${peer}`).join(' | ')} | server CPU µs/op | errors |`,
    `|---|---|---:|---:|---:|${PEERS.map(() => '---:|').join('')}---:|---:|`,
  ];
  for (const row of rows) {
    const rounds = row.roundsOpsPerSecond.map((value) => fixed(value, 0)).join(' / ');
    lines.push(
      `| ${row.workload}${row.workload === 'LIST pages' ? ' (pages/s)' : ''} | ${row.target} | ${fixed(row.opsPerSecond, 0)} (${rounds}) | ` +
        `${fixed(row.p50Ms, 2)} | ${fixed(row.p99Ms, 2)} | ${PEERS.map((peer) => ratio(rows, row, peer)).join(' | ')} | ${fixed(row.cpuMicrosPerOp, 0)} | ` +
        `${row.errors === 0 ? '0' : `**${row.errors}**`} |`,
    );
  }
  lines.push(
    '',
    '| target | keys held for GET spread | idle RSS MiB | peak RSS MiB during the run |',
    '|---|---:|---:|---:|',
  );
  for (const target of targets) {
    lines.push(
      target.unavailable === undefined
        ? `| ${target.name} | ${target.keys.toLocaleString('en-US')} | ${fixed(target.idleResidentMiB, 0)} | ${fixed(target.peakResidentMiB, 0)} |`
        : `| ${target.name} | not measured: ${target.unavailable.split('\n')[0]} | — | — |`,
    );
  }
  const failing = rows.filter((row) => row.errors > 0);
  lines.push(
    '',
    ...(failing.length === 0
      ? ['Every request answered 200 with the expected body; listings named every key.']
      : [
          '**RUN HAS ERRORS** — these rows are not valid:',
          ...failing.map(
            (row) => `- ${row.workload} ${row.target}: ${row.errors} errors, first: ${row.firstError}`,
          ),
        ]),
    '',
    ...(memoryTable === undefined
      ? []
      : [
          'Memory of `npm start` (bench/memory: each step on a server of its own, SDK v3 with default checksums):',
          '',
          memoryTable,
          '',
        ]),
    '| goal (issue 16) | result | |',
    '|---|---|---|',
    ...renderGoals(rows, targets),
    '',
  );
  return lines.join('\n');
}

function renderGoals(rows: readonly DistinctRow[], targets: readonly TargetSummary[]): string[] {
  const lines = GOALS.map((goal) => {
    const label = `${goal.workload} 1 KiB ≥ ${goal.factor}x ${goal.baseline}`;
    const subject = find(rows, goal.workload, SUBJECT);
    const base = find(rows, goal.workload, goal.baseline);
    if (!subject || !base || base.opsPerSecond <= 0) return `| ${label} | not measured | |`;
    const measured = subject.opsPerSecond / base.opsPerSecond;
    const valid = subject.errors === 0 && base.errors === 0;
    // CPU per request is what another process's load disturbs least: beside the ratio, as a check.
    const cpu = base.cpuMicrosPerOp / subject.cpuMicrosPerOp;
    const cpuNote = Number.isFinite(cpu) ? ` (by server CPU per request: ${cpu.toFixed(2)}x)` : '';
    return `| ${label} | ${measured.toFixed(2)}x${cpuNote} | ${!valid ? 'invalid (errors)' : measured >= goal.factor ? 'met' : '**not met**'} |`;
  });
  for (const workload of ['PUT new', 'GET spread'] as const) {
    const subject = find(rows, workload, SUBJECT);
    const base = find(rows, workload, 's3rver');
    const label = `${workload} p99 ≤ s3rver's`;
    lines.push(
      subject && base
        ? `| ${label} | ${fixed(subject.p99Ms, 2)} vs ${fixed(base.p99Ms, 2)} ms | ${subject.p99Ms <= base.p99Ms ? 'met' : '**not met**'} |`
        : `| ${label} | not measured | |`,
    );
  }
  const idle = targets.find((target) => target.name === SUBJECT)?.idleResidentMiB ?? Number.NaN;
  const idleMB = (idle * 1024 * 1024) / 1e6;
  lines.push(
    Number.isFinite(idle)
      ? `| idle RSS ≤ ${IDLE_RSS_GOAL_MB} MB (mock-s3 of this run, 5 s after it answered) | ${fixed(idleMB, 0)} MB (${fixed(idle, 0)} MiB) | ${idleMB <= IDLE_RSS_GOAL_MB ? 'met' : '**not met**'} |`
      : `| idle RSS ≤ ${IDLE_RSS_GOAL_MB} MB | not measured | |`,
  );
  return lines;
}
