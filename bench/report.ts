import type { ResultRow } from './results.js';
import { KEYS_PER_PHASE } from './workload.js';

/** The run's settings, printed above the table so results can be compared fairly. */
export interface RunInfo {
  readonly date: Date;
  readonly nodeVersion: string;
  readonly cpuCount: number;
  readonly cpuModel: string;
  readonly rounds: number;
  readonly seconds: number;
  readonly warmupSeconds: number;
  readonly concurrency: number;
}

/** A goal of the foundation issue: `target`'s ops/s at least `factor` times `baseline`'s. */
interface FoundationGoal {
  readonly op: ResultRow['op'];
  readonly sizeLabel: string;
  readonly target: string;
  readonly baseline: string;
  readonly factor: number;
}

const FOUNDATION_GOALS: readonly FoundationGoal[] = [
  { op: 'GET', sizeLabel: '1 KiB', target: 'mock-s3', baseline: 's3rver', factor: 1.5 },
  { op: 'GET', sizeLabel: '1 KiB', target: 'mock-s3', baseline: 'ceiling', factor: 0.35 },
  { op: 'PUT', sizeLabel: '1 KiB', target: 'mock-s3', baseline: 's3rver', factor: 1.2 },
  // The "stack mode" issue: stack mode against embedded mode, same workload, same run.
  { op: 'GET', sizeLabel: '1 KiB', target: 'stack', baseline: 'mock-s3', factor: 0.3 },
];

/**
 * The entry points of stack mode, outermost first, then embedded mode: `hop` is what lies between
 * an entry and the next one (the last has none).
 */
const STACK_HOPS = [
  { target: 'stack', hop: 'socket-fault front' },
  { target: 'stack-nginx', hop: 'nginx' },
  { target: 'stack-offline', hop: 'serverless-offline' },
  // Embedded mode's gateway over the stack's backends.
  { target: 'stack-embedded', hop: 'stack backends (PostgreSQL, Redis, node HTTP) over embedded ones' },
  { target: 'mock-s3', hop: '' },
] as const;

function findRow(rows: readonly ResultRow[], target: string, op: string, sizeLabel: string) {
  return rows.find((row) => row.target === target && row.op === op && row.sizeLabel === sizeLabel);
}

function formatNumber(value: number, digits: number): string {
  return Number.isFinite(value) ? value.toFixed(digits) : '—';
}

function ratioCell(rows: readonly ResultRow[], row: ResultRow, baseline: string): string {
  const base = findRow(rows, baseline, row.op, row.sizeLabel);
  if (!base || base.opsPerSecond <= 0) return '—';
  return `${(row.opsPerSecond / base.opsPerSecond).toFixed(2)}x`;
}

/** The Markdown report: header line, results table, errors if any, and the foundation goals. */
export function renderReport(info: RunInfo, rows: readonly ResultRow[]): string {
  const header =
    `Benchmark, hot set (${KEYS_PER_PHASE} keys per phase: PUTs overwrite them, GETs re-read them; the distinct-key workloads are \`--suite distinct\`) ` +
    `${info.date.toISOString()} — node ${info.nodeVersion}, ${info.cpuCount} CPU (${info.cpuModel}), ` +
    `rounds ${info.rounds}, ${info.seconds} s measured + ${info.warmupSeconds} s warm-up per phase, ` +
    `concurrency ${info.concurrency}`;
  // Each baseline gets a column only when the run measured it.
  const baselines = ['s3rver', 'ceiling', 'mock-s3'].filter((name) =>
    rows.some((row) => row.target === name),
  );
  const table = [
    `| target | op | size | ops/s | p50 ms | p99 ms | ${baselines.map((name) => `ratio to ${name}`).join(' | ')} | errors |`,
    `|---|---|---|---:|---:|---:|${baselines.map(() => '---:|').join('')}---:|`,
    ...rows.map(
      (row) =>
        `| ${row.target} | ${row.op} | ${row.sizeLabel} | ${formatNumber(row.opsPerSecond, 0)} | ` +
        `${formatNumber(row.p50Ms, 2)} | ${formatNumber(row.p99Ms, 2)} | ` +
        `${baselines.map((name) => ratioCell(rows, row, name)).join(' | ')} | ${row.errors === 0 ? '0' : `**${row.errors}**`} |`,
    ),
  ];
  const failing = rows.filter((row) => row.errors > 0);
  const errorLines =
    failing.length === 0
      ? ['All requests answered 200 with the expected body.']
      : [
          `**RUN HAS ERRORS** — results of these rows are not valid:`,
          ...failing.map(
            (row) =>
              `- ${row.target} ${row.op} ${row.sizeLabel}: ${row.errors} errors, first: ${row.firstError}`,
          ),
        ];
  return [
    header,
    '',
    ...table,
    '',
    ...errorLines,
    ...renderHops(rows, info.concurrency),
    '',
    'Goals (hot set):',
    ...renderGoals(rows),
    '',
  ].join('\n');
}

/**
 * What each hop of stack mode costs: with a closed loop of `concurrency` clients, the time one
 * request holds a client is concurrency / throughput; a hop costs the difference between entering
 * before it and after it (p50 differences beside it). Empty unless two entry points were measured.
 */
function renderHops(rows: readonly ResultRow[], concurrency: number): string[] {
  const measured = STACK_HOPS.filter((hop) => rows.some((row) => row.target === hop.target));
  if (measured.length < 2) return [];
  const lines = [
    '',
    `Per hop (ms per request = ${concurrency} clients / ops/s; a hop = entering before it minus entering after it):`,
    '',
    `| op | size | ${measured.map((hop) => `${hop.target} ms/req`).join(' | ')} | ${measured
      .slice(0, -1)
      .map((hop) => `${hop.hop} ms (p50 Δ)`)
      .join(' | ')} |`,
    `|---|---|${measured.map(() => '---:|').join('')}${measured
      .slice(0, -1)
      .map(() => '---:|')
      .join('')}`,
  ];
  const sizes = [...new Set(rows.map((row) => `${row.op} ${row.sizeLabel}`))];
  for (const size of sizes) {
    const [op, ...label] = size.split(' ');
    const at = measured.map((hop) => findRow(rows, hop.target, op!, label.join(' ')));
    const perRequest = at.map((row) =>
      row && row.opsPerSecond > 0 ? (concurrency * 1000) / row.opsPerSecond : Number.NaN,
    );
    const hopCells = measured.slice(0, -1).map((_, n) => {
      const p50 = (at[n]?.p50Ms ?? Number.NaN) - (at[n + 1]?.p50Ms ?? Number.NaN);
      return `${formatNumber(perRequest[n]! - perRequest[n + 1]!, 2)} (${formatNumber(p50, 2)})`;
    });
    lines.push(
      `| ${op} | ${label.join(' ')} | ${perRequest.map((ms) => formatNumber(ms, 2)).join(' | ')} | ${hopCells.join(' | ')} |`,
    );
  }
  return lines;
}

function renderGoals(rows: readonly ResultRow[]): string[] {
  return FOUNDATION_GOALS.map((goal) => {
    const label = `- ${goal.op} ${goal.sizeLabel} ${goal.target} >= ${goal.factor}x ${goal.baseline}`;
    const measured = findRow(rows, goal.target, goal.op, goal.sizeLabel);
    const base = findRow(rows, goal.baseline, goal.op, goal.sizeLabel);
    if (!measured || !base || base.opsPerSecond <= 0) return `${label}: not measured`;
    const ratio = measured.opsPerSecond / base.opsPerSecond;
    if (measured.errors > 0 || base.errors > 0)
      return `${label}: invalid (run had errors), ratio ${ratio.toFixed(2)}x`;
    return `${label}: ${ratio >= goal.factor ? 'met' : 'NOT met'} (${ratio.toFixed(2)}x)`;
  });
}
