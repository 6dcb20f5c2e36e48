import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { LoadOperation, WindowStats } from '../load/types.js';
import type { DrillResult, Firing, FiringSummary, OperationRow, StepRecord } from './types.js';

/** One applied step and whether a fault of the drill was active after it. */
export interface AppliedStep extends StepRecord {
  readonly faultActive: boolean;
}

/**
 * The intervals where a fault of the drill was active, for the charts' shading: one opens at a
 * step after which a fault is active, and closes at the first later step after which none is
 * (a `clear`), or at `endMs` (rollback).
 */
export function faultWindowsOf(steps: readonly AppliedStep[], endMs: number): DrillResult['faultWindows'] {
  const windows: { fromMs: number; toMs: number; label: string }[] = [];
  let open: { fromMs: number; labels: string[] } | undefined;
  for (const step of steps) {
    if (step.faultActive) {
      if (open === undefined) open = { fromMs: step.appliedAtMs, labels: [step.label] };
      else open.labels.push(step.label);
    } else if (open !== undefined) {
      windows.push({ fromMs: open.fromMs, toMs: step.appliedAtMs, label: open.labels.join(' + ') });
      open = undefined;
    }
  }
  if (open !== undefined) {
    windows.push({ fromMs: open.fromMs, toMs: Math.max(endMs, open.fromMs), label: open.labels.join(' + ') });
  }
  return windows;
}

/** The per-operation table of the report, from the whole run's aggregates. */
export function operationRows(total: WindowStats): OperationRow[] {
  return Object.entries(total.byOperation).map(([operation, counts]) => ({
    operation: operation as LoadOperation,
    ops: counts.ops,
    errors: counts.errors,
    errorRate: counts.ops === 0 ? 0 : counts.errors / counts.ops,
    retries: counts.retries,
    latency: counts.latency,
  }));
}

/** Firings of the hit log grouped per rule, in order of their first firing. */
export function summarizeFirings(firings: readonly Firing[]): FiringSummary[] {
  const byRule = new Map<string, FiringSummary>();
  for (const firing of firings) {
    const seen = byRule.get(firing.ruleId);
    byRule.set(
      firing.ruleId,
      seen === undefined
        ? {
            ruleId: firing.ruleId,
            point: firing.point,
            type: firing.type,
            count: 1,
            firstAtMs: firing.atMs,
            lastAtMs: firing.atMs,
          }
        : {
            ...seen,
            count: seen.count + 1,
            firstAtMs: Math.min(seen.firstAtMs, firing.atMs),
            lastAtMs: Math.max(seen.lastAtMs, firing.atMs),
          },
    );
  }
  return [...byRule.values()].sort((a, b) => a.firstAtMs - b.firstAtMs);
}

/** The versions a report prints: this package's, node's, and the AWS SDK's the `sdk` client uses. */
export function versions(): DrillResult['versions'] {
  const root = new URL('../../', import.meta.url);
  const version = (path: string): string | undefined => {
    try {
      return (JSON.parse(readFileSync(new URL(path, root), 'utf8')) as { version?: string }).version;
    } catch {
      return undefined;
    }
  };
  const awsSdk = version('node_modules/@aws-sdk/client-s3/package.json');
  return {
    mockS3: version('package.json') ?? 'unknown',
    node: process.version,
    ...(awsSdk === undefined ? {} : { awsSdk }),
  };
}

/** The command that replays a run: the same file, target and time scale (the seed is in the file). */
export function replayCommand(options: {
  file: string;
  target: string;
  admin?: string;
  timeScale: number;
}): string {
  return [
    'mock-s3 drill run',
    shellWord(options.file),
    `--target ${shellWord(options.target)}`,
    options.admin === undefined ? undefined : `--admin ${shellWord(options.admin)}`,
    options.timeScale === 1 ? undefined : `--time-scale ${options.timeScale}`,
  ]
    .filter((part) => part !== undefined)
    .join(' ');
}

function shellWord(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replaceAll("'", `'\\''`)}'`;
}

/** A result for a drill that never started: nothing applied, no load. */
export function couldNotRun(
  options: { readonly file: string; readonly target: string; readonly admin?: string },
  startedAt: string,
  now: () => number,
  reason: string,
): DrillResult {
  return {
    schema: 'mock-s3/drill-result@1',
    name: options.file,
    description: '',
    verdict: 'error',
    exitCode: 2,
    reason,
    runId: '',
    seed: 0,
    startedAt,
    endedAt: new Date(now()).toISOString(),
    target: options.target,
    ...(options.admin === undefined ? {} : { admin: options.admin }),
    mode: 'unknown',
    client: 'sdk',
    loop: { kind: 'closed', concurrency: 0 },
    load: {
      durationMs: 0,
      elapsedMs: 0,
      keys: 0,
      size: { min: 0, max: 0 },
      mix: {},
      bucket: '',
      keyPrefix: '',
    },
    command: '',
    versions: versions(),
    windows: [],
    steps: [],
    faultWindows: [],
    series: [],
    serverSeries: { queuePending: [] },
    operations: [],
    probes: [],
    firings: [],
    rollback: [],
    drillFile: '',
  };
}

/** A run id that is also a valid part of a bucket name: UTC time and a few random hex digits. */
export function newRunId(now: () => number): string {
  return `${compactUtc(new Date(now()).toISOString()).toLowerCase()}-${randomBytes(3).toString('hex')}`;
}

/** `2026-12-07T00:12:31.123Z` -> `20261207T001231Z`. */
export function compactUtc(iso: string): string {
  return `${iso.slice(0, 19).replaceAll('-', '').replaceAll(':', '')}Z`;
}
