/**
 * The summary `mock-s3 load` prints at the end (and writes as summary.md): which client and loop,
 * then per operation: ops, errors by code, retries, p50/p95/p99/max and ops/s.
 */

import { formatLatency } from './status-line.js';
import { type LatencySummary, LOAD_OPERATIONS, type LoadRun, type OperationCounts } from './types.js';
import { formatDuration } from './units.js';

function ms(value: number | undefined): string {
  return value === undefined ? '-' : formatLatency(value);
}

function loopText(run: LoadRun): string {
  const { loop } = run.spec;
  return loop.kind === 'closed'
    ? `closed loop, concurrency ${loop.concurrency}`
    : `open loop, ${loop.ratePerSecond}/s (latency from the intended send time)`;
}

function codes(errorsByCode: Readonly<Record<string, number>>): string {
  const entries = Object.entries(errorsByCode).sort((a, b) => b[1] - a[1]);
  return entries.length === 0 ? '-' : entries.map(([code, count]) => `${code} ${count}`).join(', ');
}

function row(
  name: string,
  counts: OperationCounts & { latency: LatencySummary | null },
  errorsByCode: string,
  seconds: number,
): string {
  const latency = counts.latency ?? undefined;
  return `| ${[
    name,
    counts.ops,
    counts.errors,
    errorsByCode,
    counts.retries,
    ms(latency?.p50),
    ms(latency?.p95),
    ms(latency?.p99),
    ms(latency?.max),
    seconds > 0 ? (counts.ops / seconds).toFixed(1) : '0',
  ].join(' | ')} |`;
}

/** Markdown: a title line naming client, loop, duration and seed, then the per-operation table. */
export function renderLoadSummary(run: LoadRun): string {
  const seconds = run.total.durationMs / 1000;
  const { spec } = run;
  const lines = [
    `## mock-s3 load${run.stopped ? ' (stopped early)' : ''}`,
    '',
    `${spec.client} client, ${loopText(run)}, ${formatDuration(run.total.durationMs)} against ${spec.target} ` +
      `(bucket ${spec.bucket}, ${spec.keys} keys, seed ${spec.seed}; replay with --seed ${spec.seed})`,
    '',
    '| operation | ops | errors | errors by code | retries | p50 | p95 | p99 | max | ops/s |',
    '|---|---:|---:|---|---:|---:|---:|---:|---:|---:|',
  ];
  for (const name of LOAD_OPERATIONS) {
    const counts = run.total.byOperation[name];
    if (counts !== undefined) lines.push(row(name, counts, codes(counts.errorsByCode ?? {}), seconds));
  }
  const total = run.total;
  const retries = Object.values(total.byOperation).reduce((sum, counts) => sum + (counts?.retries ?? 0), 0);
  lines.push(row('**all**', { ...total, retries }, codes(total.errorsByCode), seconds));
  lines.push('');
  return lines.join('\n');
}
