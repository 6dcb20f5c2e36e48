/**
 * The report's charts from a drill result: throughput (with errors and retries), error rate by S3
 * error code (stacked), latency p50/p95/p99, and the server's queue pending when it was sampled.
 * Each carries the drill's marks (fault windows, steps, probe windows).
 */
import type { SecondSample } from '../../load/types.js';
import type { DrillResult } from '../types.js';
import { type ChartMarks, type ChartPoint, type ChartSpec, renderTimeSeriesChart } from './charts.js';

const ERROR_CODE_COLORS = [
  '#dc2626',
  '#ea580c',
  '#ca8a04',
  '#9333ea',
  '#db2777',
  '#0891b2',
  '#65a30d',
  '#475569',
] as const;

/** At most this many error codes get a band of their own; the rest are summed as "other". */
const MAX_ERROR_CODES = ERROR_CODE_COLORS.length - 1;

/** The chart specs of a result, in report order. */
export function drillChartSpecs(result: DrillResult): ChartSpec[] {
  const marks: ChartMarks = {
    faultWindows: result.faultWindows,
    steps: result.steps.map((s) => ({ index: s.index, atMs: s.appliedAtMs, label: s.label })),
    windows: result.windows,
  };
  const endMs = Math.max(
    result.load.durationMs,
    result.load.elapsedMs,
    ...result.windows.map((w) => w.toMs),
    ...result.faultWindows.map((w) => w.toMs),
    ...result.serverSeries.queuePending.map((q) => q.t),
    (result.series.length > 0 ? result.series[result.series.length - 1]!.t + 1 : 0) * 1000,
  );
  const series = result.series;
  const specs: ChartSpec[] = [
    {
      id: 'throughput',
      title: 'Throughput (operations started per second, after client retries)',
      unit: 'ops/s',
      endMs,
      stacked: false,
      marks,
      series: [
        { name: 'operations/s', color: '#2563eb', points: pointsOf(series, (s) => s.ops) },
        { name: 'errors/s', color: '#dc2626', points: pointsOf(series, (s) => s.errors) },
        { name: 'retries/s', color: '#7c3aed', dashed: true, points: pointsOf(series, (s) => s.retries) },
      ],
    },
    {
      id: 'errors',
      title: 'Error rate by error code (% of the operations of each second)',
      unit: '%',
      endMs,
      stacked: true,
      emptyText: 'no errors',
      marks,
      series: errorCodeSeries(series),
    },
    {
      id: 'latency',
      title: 'Latency of successful operations (ms)',
      unit: 'ms',
      endMs,
      stacked: false,
      marks,
      series: [
        { name: 'p50', color: '#16a34a', points: pointsOf(series, (s) => s.latency?.p50 ?? null) },
        { name: 'p95', color: '#ca8a04', points: pointsOf(series, (s) => s.latency?.p95 ?? null) },
        { name: 'p99', color: '#dc2626', points: pointsOf(series, (s) => s.latency?.p99 ?? null) },
      ],
    },
  ];
  // Queue samples carry the ms from the start of load at which they were asked (actions/queue-sampler.ts).
  const queue = result.serverSeries.queuePending;
  if (queue.length > 0) {
    specs.push({
      id: 'queue',
      title: "Task queue pending (the server's own say, GET /api/v1/async/queue)",
      unit: 'tasks',
      endMs,
      stacked: false,
      marks,
      series: [
        {
          name: 'pending',
          color: '#7c3aed',
          points: queue.map((q) => ({ atMs: q.t, value: finite(q.value) })),
        },
      ],
    });
  }
  return specs;
}

/** The charts of a result as SVG markup, in report order. */
export function renderDrillCharts(result: DrillResult): { id: string; title: string; svg: string }[] {
  return drillChartSpecs(result).map((spec) => ({
    id: spec.id,
    title: spec.title,
    svg: renderTimeSeriesChart(spec),
  }));
}

function errorCodeSeries(series: readonly SecondSample[]): ChartSpec['series'] {
  const totals = new Map<string, number>();
  for (const s of series) {
    for (const [code, count] of Object.entries(s.errorsByCode))
      totals.set(code, (totals.get(code) ?? 0) + count);
  }
  const codes = [...totals.entries()]
    .filter(([, count]) => count > 0)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([code]) => code);
  const shown = codes.length > MAX_ERROR_CODES + 1 ? codes.slice(0, MAX_ERROR_CODES) : codes;
  const rest = codes.slice(shown.length);
  const percent = (s: SecondSample, count: number) => (s.ops > 0 ? (count / s.ops) * 100 : 0);
  const bands = shown.map((code, i) => ({
    name: code,
    color: ERROR_CODE_COLORS[i]!,
    points: pointsOf(series, (s) => percent(s, s.errorsByCode[code] ?? 0)),
  }));
  if (rest.length > 0) {
    bands.push({
      name: `other (${rest.length} codes)`,
      color: ERROR_CODE_COLORS[ERROR_CODE_COLORS.length - 1],
      points: pointsOf(series, (s) =>
        percent(
          s,
          rest.reduce((sum, code) => sum + (s.errorsByCode[code] ?? 0), 0),
        ),
      ),
    });
  }
  return bands;
}

/** One point per second of load, at the middle of its second (it sums what started in [t, t + 1) s). */
function pointsOf(series: readonly SecondSample[], value: (s: SecondSample) => number | null): ChartPoint[] {
  return series.map((s) => ({ atMs: (s.t + 0.5) * 1000, value: finite(value(s)) }));
}

function finite(value: number | null): number | null {
  return value !== null && Number.isFinite(value) ? value : null;
}
