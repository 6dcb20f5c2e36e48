/**
 * How the report files write a drill's values for people (the HTML report and summary.md say the
 * same thing the same way): the verdict word, a probe's value in its unit, the load loop.
 */
import type { LoopSpec } from '../../load/types.js';
import { formatDuration } from '../../load/units.js';
import type { ProbeSpec, Verdict } from '../types.js';

export const VERDICT_WORDS = {
  passed: 'PASSED',
  failed: 'FAILED',
  aborted: 'ABORTED',
  error: 'COULD NOT RUN',
} as const satisfies Record<Verdict, string>;

/** A probe's measured value or threshold in the probe's unit; `–` when there was nothing to judge. */
export function formatProbeValue(spec: ProbeSpec, value: number | null): string {
  if (value === null || !Number.isFinite(value)) return '–';
  switch (spec.probe) {
    case 'error_rate':
      return `${formatNumber(value * 100)}%`;
    case 'latency_p50':
    case 'latency_p95':
    case 'latency_p99':
    case 'latency_max':
      return `${formatNumber(value)} ms`;
    case 'throughput_min':
      return `${formatNumber(value)} ops/s`;
    case 'http':
      return `HTTP ${value}`;
    case 'queue_pending':
      return `${formatNumber(value)} pending`;
    case 'integrity':
      return `${value} violation${value === 1 ? '' : 's'}`;
  }
}

/** `closed loop, 16 in flight` or `open loop, 500/s (at most 64 in flight)`. */
export function formatLoop(loop: LoopSpec): string {
  if (loop.kind === 'closed') return `closed loop, ${loop.concurrency} in flight`;
  const cap = loop.maxInFlight === undefined ? '' : ` (at most ${loop.maxInFlight} in flight)`;
  return `open loop, ${formatNumber(loop.ratePerSecond)}/s${cap}`;
}

/** Ms from the start of load as `12.4s`; `–` when absent. */
export function formatAt(ms: number | undefined): string {
  return ms === undefined || !Number.isFinite(ms) ? '–' : formatDuration(ms);
}

/** Ms as seconds with up to 2 decimals: `60s`, `60.18s` (run lengths, where `1m` would hide the detail). */
export function formatSeconds(ms: number): string {
  return `${formatNumber(ms / 1000)}s`;
}

/** A number with at most 2 decimals (4 significant digits under 1), no trailing zeros. */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (Math.abs(value) >= 1 || value === 0) return String(Number(value.toFixed(2)));
  return String(Number(value.toPrecision(4)));
}

/** Bytes as `1 KiB`, `64 KiB`, `2 MiB`, `512 B`. */
export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)} MiB`;
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${bytes} B`;
}
