import { describe, expect, it } from '@jest/globals';
import {
  formatBytes,
  formatLoop,
  formatProbeValue,
  formatSeconds,
} from '../../../../../tools/drill/report/format.js';
import type { ProbeSpec } from '../../../../../tools/drill/types.js';

describe('report formats', () => {
  it.each<[ProbeSpec, number | null, string]>([
    [{ probe: 'error_rate', max: 0.01, during: true }, 0.3389, '33.89%'],
    [{ probe: 'error_rate', max: 0.01, during: true }, 0.000123, '0.0123%'],
    [{ probe: 'latency_p99', max: 250, during: false }, 212.456, '212.46 ms'],
    [{ probe: 'throughput_min', min: 100, during: false }, 98.5, '98.5 ops/s'],
    [{ probe: 'http', url: 'http://127.0.0.1:1/', expect_status: 200, during: false }, 503, 'HTTP 503'],
    [{ probe: 'queue_pending', max: 500, during: false }, 12, '12 pending'],
    [{ probe: 'integrity' }, 1, '1 violation'],
    [{ probe: 'integrity' }, 2, '2 violations'],
    [{ probe: 'latency_max', max: 1000, during: false }, null, '–'],
  ])('writes %j = %p as %p', (spec, value, text) => {
    expect(formatProbeValue(spec, value)).toBe(text);
  });

  it('writes both loops, sizes and run lengths as a person reads them', () => {
    expect(formatLoop({ kind: 'closed', concurrency: 16 })).toBe('closed loop, 16 in flight');
    expect(formatLoop({ kind: 'open', ratePerSecond: 500, maxInFlight: 64 })).toBe(
      'open loop, 500/s (at most 64 in flight)',
    );
    expect([formatBytes(512), formatBytes(1024), formatBytes(65_536), formatBytes(1536)]).toEqual([
      '512 B',
      '1 KiB',
      '64 KiB',
      '1536 B',
    ]);
    expect(formatSeconds(60_180)).toBe('60.18s');
  });
});
