import type { ResultRow } from './results.js';

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
];

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
    `Benchmark ${info.date.toISOString()} — node ${info.nodeVersion}, ${info.cpuCount} CPU (${info.cpuModel}), ` +
    `rounds ${info.rounds}, ${info.seconds} s measured + ${info.warmupSeconds} s warm-up per phase, ` +
    `concurrency ${info.concurrency}`;
  const table = [
    '| target | op | size | ops/s | p50 ms | p99 ms | ratio to s3rver | ratio to ceiling | errors |',
    '|---|---|---|---:|---:|---:|---:|---:|---:|',
    ...rows.map(
      (row) =>
        `| ${row.target} | ${row.op} | ${row.sizeLabel} | ${formatNumber(row.opsPerSecond, 0)} | ` +
        `${formatNumber(row.p50Ms, 2)} | ${formatNumber(row.p99Ms, 2)} | ${ratioCell(rows, row, 's3rver')} | ` +
        `${ratioCell(rows, row, 'ceiling')} | ${row.errors === 0 ? '0' : `**${row.errors}**`} |`,
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
  return [header, '', ...table, '', ...errorLines, '', 'Foundation goals:', ...renderGoals(rows), ''].join(
    '\n',
  );
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
