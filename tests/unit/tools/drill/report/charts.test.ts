import { describe, expect, it } from '@jest/globals';
import {
  type ChartSpec,
  niceTicks,
  renderTimeSeriesChart,
} from '../../../../../tools/drill/report/charts.js';

const NO_MARKS: ChartSpec['marks'] = { faultWindows: [], steps: [], windows: [] };

function chart(overrides: Partial<ChartSpec>): ChartSpec {
  return {
    id: 'test',
    title: 'test',
    unit: 'ops/s',
    endMs: 60_000,
    stacked: false,
    marks: NO_MARKS,
    series: [{ name: 'a', color: '#000', points: [{ atMs: 500, value: 1 }] }],
    ...overrides,
  };
}

const attribute = (markup: string, name: string) =>
  Number(new RegExp(`\\s${name}="([^"]*)"`).exec(markup)![1]);

describe('niceTicks', () => {
  it.each([
    [0, [0, 1]],
    [7, [0, 2, 4, 6, 8]],
    [100, [0, 20, 40, 60, 80, 100]],
    [401, [0, 100, 200, 300, 400, 500]],
    [0.37, [0, 0.1, 0.2, 0.3, 0.4]],
    [Number.NaN, [0, 1]],
  ])('covers %p with round steps', (max, ticks) => {
    expect(niceTicks(max)).toEqual(ticks);
  });
});

describe('renderTimeSeriesChart', () => {
  it('shades a fault window over the span its times cover on the x axis', () => {
    // Act
    const svg = renderTimeSeriesChart(
      chart({ marks: { ...NO_MARKS, faultWindows: [{ fromMs: 15_000, toMs: 30_000, label: 'storm' }] } }),
    );
    // Assess
    const plot = /<rect class="plot-area"[^>]*>/.exec(svg)![0];
    const fault = /<rect class="fault-window"[^>]*>/.exec(svg)![0];
    const [left, width] = [attribute(plot, 'x'), attribute(plot, 'width')];
    expect(attribute(fault, 'data-from-ms')).toBe(15_000);
    expect(attribute(fault, 'x')).toBeCloseTo(left + 0.25 * width, 1);
    expect(attribute(fault, 'width')).toBeCloseTo(0.25 * width, 1);
  });

  it('breaks a line where a second measured nothing instead of drawing it at 0', () => {
    // Act
    const svg = renderTimeSeriesChart(
      chart({
        series: [
          {
            name: 'p99',
            color: '#000',
            points: [
              { atMs: 500, value: 5 },
              { atMs: 1500, value: null },
              { atMs: 2500, value: 7 },
            ],
          },
        ],
      }),
    );
    // Assess
    const d = /<path class="series[^>]* d="([^"]*)"/.exec(svg)![1]!;
    expect(d.match(/M/g)).toHaveLength(2);
    expect(d).not.toContain('L');
  });

  it('stacks areas: each band starts where the one below ends', () => {
    // Act
    const svg = renderTimeSeriesChart(
      chart({
        stacked: true,
        series: [
          { name: 'SlowDown', color: '#f00', points: [{ atMs: 500, value: 30 }] },
          { name: 'InternalError', color: '#00f', points: [{ atMs: 500, value: 10 }] },
        ],
      }),
    );
    // Assess: y of value v is bottom - v / 40 * height (ticks 0..40); band 2 spans 30..40.
    const plot = /<rect class="plot-area"[^>]*>/.exec(svg)![0];
    const [top, height] = [attribute(plot, 'y'), attribute(plot, 'height')];
    const y = (value: number) => Math.round((top + height - (value / 40) * height) * 100) / 100;
    const second = /<path class="series series-1"[^>]* d="M([^L]*)L([^Z]*)Z"/.exec(svg)!;
    expect(Number(second[1]!.split(',')[1])).toBe(y(40));
    expect(Number(second[2]!.split(',')[1])).toBe(y(30));
  });

  it('escapes series names, step labels and window labels', () => {
    // Act
    const svg = renderTimeSeriesChart(
      chart({
        series: [{ name: '<script>x</script>', color: '#000', points: [{ atMs: 500, value: 1 }] }],
        marks: {
          faultWindows: [{ fromMs: 0, toMs: 1000, label: '</title><script>y</script>' }],
          steps: [{ index: 0, atMs: 500, label: '<b>step</b>' }],
          windows: [{ name: '<i>before</i>', fromMs: 0, toMs: 30_000 }],
        },
      }),
    );
    // Assess
    expect(svg).not.toMatch(/<(script|b|i)>/);
    expect(svg).toContain('&lt;script&gt;x&lt;/script&gt;');
    expect(svg).toContain('&lt;b&gt;step&lt;/b&gt;');
    expect(svg).toContain('<title>step #1 at 500ms: &lt;b&gt;step&lt;/b&gt;</title>');
  });
});
