import { describe, expect, it } from '@jest/globals';
import { drillChartSpecs } from '../../../../../tools/drill/report/drill-charts.js';
import type { SecondSample } from '../../../../../tools/load/types.js';
import { sampleDrillResult } from '../../../../support/drill/sample-result.js';

const second = (t: number, ops: number, errorsByCode: Record<string, number>): SecondSample => ({
  t,
  ops,
  errors: Object.values(errorsByCode).reduce((sum, n) => sum + n, 0),
  errorsByCode,
  latency: null,
  retries: 0,
  inFlight: 0,
});

describe('drillChartSpecs', () => {
  it('plots each error code as its share of the second, most frequent code first', () => {
    // Act
    const specs = drillChartSpecs(
      sampleDrillResult({
        series: [second(0, 200, { InternalError: 10 }), second(1, 100, { SlowDown: 50, InternalError: 5 })],
      }),
    );
    // Assess
    const errors = specs.find((spec) => spec.id === 'errors')!;
    expect(errors.stacked).toBe(true);
    expect(errors.series.map((s) => [s.name, s.points.map((p) => p.value)])).toEqual([
      ['SlowDown', [0, 50]],
      ['InternalError', [5, 5]],
    ]);
  });

  it('sums the rarest codes as "other" beyond seven codes', () => {
    // Prepare
    const codes = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`Code${i}`, 10 - i]));
    // Act
    const specs = drillChartSpecs(sampleDrillResult({ series: [second(0, 100, codes)] }));
    // Assess
    const bands = specs.find((spec) => spec.id === 'errors')!.series;
    expect(bands.map((band) => band.name)).toEqual([
      'Code0',
      'Code1',
      'Code2',
      'Code3',
      'Code4',
      'Code5',
      'Code6',
      'other (3 codes)',
    ]);
    expect(bands[7]!.points[0]!.value).toBe(3 + 2 + 1);
  });

  it('plots a second of load at its middle and a queue sample at the ms it was taken', () => {
    // Act
    const specs = drillChartSpecs(
      sampleDrillResult({
        series: [second(0, 10, {}), second(1, 20, {})],
        serverSeries: { queuePending: [{ t: 20_250, value: 7 }] },
      }),
    );
    // Assess
    const throughput = specs.find((spec) => spec.id === 'throughput')!;
    const queue = specs.find((spec) => spec.id === 'queue')!;
    expect(throughput.series[0]!.points).toEqual([
      { atMs: 500, value: 10 },
      { atMs: 1500, value: 20 },
    ]);
    expect(queue.series[0]!.points).toEqual([{ atMs: 20_250, value: 7 }]);
  });

  it('marks steps where they were applied and spans the x axis over the whole run', () => {
    // Act
    const result = sampleDrillResult();
    const [throughput] = drillChartSpecs(result);
    // Assess
    expect(throughput!.marks.steps.map((step) => step.atMs)).toEqual([10_012, 20_031, 40_008]);
    expect(throughput!.endMs).toBe(60_180);
  });
});
