// The status line: rewritten each second on a TTY, a plain line every few seconds elsewhere.
import { describe, expect, it } from '@jest/globals';
import { createStatusLine, PLAIN_LINE_EVERY_SECONDS } from '../../../../tools/load/status-line.js';
import type { SecondSample } from '../../../../tools/load/types.js';

function sample(t: number, ops: number, errors = 0): SecondSample {
  return {
    t,
    ops,
    errors,
    errorsByCode: errors > 0 ? { SlowDown: errors } : {},
    latency: { p50: 2, p95: 10, p99: 42.5, max: 80 },
    retries: 0,
    inFlight: 3,
  };
}

describe('createStatusLine', () => {
  it('rewrites one line a second on a TTY: elapsed/total, ops/s, errors, p99, active faults', () => {
    // Prepare
    const written: string[] = [];
    const status = createStatusLine({ write: (text) => written.push(text), isTTY: true }, 30_000, () => [
      's3_error:SlowDown',
    ]);

    // Act
    status.onSecond(sample(0, 1500, 15), 1000);
    status.onSecond(sample(1, 900), 2000);
    status.finish();

    // Assess
    expect(written).toHaveLength(3);
    expect(written[0]).toBe(
      '\r[1s/30s]  1500 ops/s  errors 15 (1.0%)  p99 42.5ms  faults: s3_error:SlowDown',
    );
    expect(written[1]!.startsWith('\r[2s/30s]  900 ops/s  errors 0 (0.0%)')).toBe(true);
    // Padded to the longer line before it: no stale characters stay on screen.
    expect(written[1]!.length).toBe(written[0]!.length);
    expect(written[2]).toBe('\n');
  });

  it('writes a plain line every few seconds when the output is not a TTY', () => {
    // Prepare
    const written: string[] = [];
    const status = createStatusLine({ write: (text) => written.push(text) }, 12_000);

    // Act
    for (let t = 0; t < 12; t++) status.onSecond(sample(t, 100), (t + 1) * 1000);
    status.finish();

    // Assess
    expect(written).toHaveLength(Math.floor(12 / PLAIN_LINE_EVERY_SECONDS));
    expect(written[0]).toBe('[5s/12s]  100 ops/s  errors 0 (0.0%)  p99 42.5ms  faults: none\n');
    expect(written.every((line) => !line.includes('\r'))).toBe(true);
  });
});
