/**
 * The live status of a running load: on a TTY one line rewritten each second (`\r`); elsewhere
 * (CI logs, pipes) a plain line every few seconds, so a log stays readable.
 */

import type { SecondSample } from './types.js';
import { formatDuration } from './units.js';

/** Not a TTY: one line per this many seconds. */
export const PLAIN_LINE_EVERY_SECONDS = 5;

export interface StatusOutput {
  write(text: string): unknown;
  isTTY?: boolean;
}

/** A latency: sub-millisecond detail where it matters (loopback answers), whole units above. */
export function formatLatency(ms: number): string {
  if (ms < 10) return `${ms.toFixed(2)}ms`;
  if (ms < 100) return `${ms.toFixed(1)}ms`;
  return formatDuration(ms);
}

/** One status line: elapsed/total, ops/s, errors, p99, active faults. */
export function formatStatus(
  sample: SecondSample,
  elapsedMs: number,
  totalMs: number,
  faults: readonly string[],
): string {
  const errorShare = sample.ops === 0 ? 0 : (100 * sample.errors) / sample.ops;
  const parts = [
    `[${formatDuration(Math.floor(elapsedMs / 1000) * 1000)}/${formatDuration(totalMs)}]`,
    `${sample.ops} ops/s`,
    `errors ${sample.errors} (${errorShare.toFixed(1)}%)`,
    `p99 ${sample.latency === null ? '-' : formatLatency(sample.latency.p99)}`,
    `faults: ${faults.length === 0 ? 'none' : faults.join(', ')}`,
  ];
  return parts.join('  ');
}

export function createStatusLine(
  out: StatusOutput,
  totalMs: number,
  activeFaults: () => readonly string[] = () => [],
): { onSecond(sample: SecondSample, elapsedMs: number): void; finish(): void } {
  let lastLength = 0;
  let wroteOnTty = false;
  return {
    onSecond(sample, elapsedMs) {
      const line = formatStatus(sample, elapsedMs, totalMs, activeFaults());
      if (out.isTTY === true) {
        // Pad over the previous line's tail: a shorter line must not leave characters behind.
        out.write(`\r${line.padEnd(lastLength)}`);
        lastLength = line.length;
        wroteOnTty = true;
      } else if ((sample.t + 1) % PLAIN_LINE_EVERY_SECONDS === 0) {
        out.write(`${line}\n`);
      }
    },
    finish() {
      if (wroteOnTty) out.write('\n');
      wroteOnTty = false;
    },
  };
}
