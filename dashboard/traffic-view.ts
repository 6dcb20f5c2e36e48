import {
  type ChartMarks,
  type ChartPoint,
  type ChartSeries,
  type ChartSpec,
  renderTimeSeriesChart,
} from '../tools/drill/report/charts.js';
import type { MergedWindow } from './series-store.js';

/** The windows kept: the last ten minutes. */
export const SPAN_MS = 10 * 60_000;
/** The x axis grows with the windows kept, from one minute to {@link SPAN_MS}. */
const MIN_AXIS_MS = 60_000;

/** Operations drawn one by one (by volume in the span); the rest are in `all` only. */
const TOP_OPERATIONS = 5;
const COLORS = ['#2563eb', '#16a34a', '#9333ea', '#ea580c', '#0891b2', '#db2777'] as const;
const ALL = '*';

/** A period with firings, shaded on every chart. */
export interface FiringPeriod {
  fromMs: number;
  toMs: number;
  label: string;
}

/** One chart: its caption and its SVG markup. */
export interface RenderedChart {
  id: string;
  title: string;
  svg: string;
}

/**
 * The charts of the merged windows (throughput, error rate, p99, queue depth, queue lag), as SVG markup from
 * the drill report's chart renderer (every text escaped there). `nowMs` is the right end; the
 * left end is the oldest window, at least a minute and at most {@link SPAN_MS} back.
 */
export function trafficCharts(
  windows: readonly MergedWindow[],
  intervalMs: number,
  nowMs: number,
  firings: readonly FiringPeriod[],
): RenderedChart[] {
  const oldest = windows[0]?.t ?? nowMs;
  const axisMs = Math.min(SPAN_MS, Math.max(MIN_AXIS_MS, Math.ceil((nowMs - oldest) / 60_000) * 60_000));
  const start = nowMs - axisMs;
  const inSpan = windows.filter((window) => window.t > start);
  const at = (t: number) => t - start;
  const marks: ChartMarks = {
    faultWindows: firings
      .filter((period) => period.toMs > start)
      .map((period) => ({
        fromMs: Math.max(0, at(period.fromMs)),
        toMs: at(period.toMs),
        label: period.label,
      })),
    steps: [],
    windows: [],
  };
  const base = {
    endMs: axisMs,
    stacked: false,
    marks,
    xAxis: {
      label: `last ${axisMs / 60_000} minute${axisMs === 60_000 ? '' : 's'}`,
      tickLabel: (ms: number) => ago(axisMs - ms),
    },
  };
  const perSecond = 1000 / intervalMs;
  const operations = busiest(inSpan);
  const line = (
    name: string,
    color: string,
    value: (window: MergedWindow) => number | null,
    dashed = false,
  ): ChartSeries => ({
    name,
    color,
    ...(dashed ? { dashed } : {}),
    points: inSpan.map((window): ChartPoint => ({ atMs: at(window.t), value: value(window) })),
  });
  const perOperation = (value: (counts: MergedWindow['operations'][string] | undefined) => number | null) =>
    operations.map((operation, i) => line(operation, COLORS[i + 1]!, (w) => value(w.operations[operation])));
  const specs: ChartSpec[] = [
    {
      ...base,
      id: 'throughput',
      title: 'Requests per second by S3 operation',
      unit: 'req/s',
      series: [
        line('all', COLORS[0], (w) => (w.operations[ALL]?.requests ?? 0) * perSecond),
        ...perOperation((counts) => (counts?.requests ?? 0) * perSecond),
      ],
    },
    {
      ...base,
      id: 'errors',
      title: 'Error rate (% of the requests answered)',
      unit: '%',
      emptyText: 'no requests',
      series: [
        line('5xx', '#dc2626', (w) => share(w.operations[ALL], 'serverErrors')),
        line('4xx', '#ca8a04', (w) => share(w.operations[ALL], 'clientErrors'), true),
      ],
    },
    {
      ...base,
      id: 'latency',
      title: 'p99 handling time by S3 operation',
      unit: 'ms',
      emptyText: 'no requests',
      series: [
        line('all', COLORS[0], (w) => w.operations[ALL]?.p99Ms ?? null),
        ...perOperation((counts) => counts?.p99Ms ?? null),
      ],
    },
    {
      ...base,
      id: 'queue',
      title: 'Task queue: pending tasks and dead letters',
      unit: 'tasks',
      series: [
        line('pending', '#2563eb', (w) => w.queue?.pending ?? null),
        line('dead letters', '#dc2626', (w) => w.queue?.deadLetters ?? null, true),
      ],
    },
    {
      ...base,
      id: 'queue-lag',
      title: 'Task queue lag (age of the oldest unacknowledged task)',
      unit: 's',
      series: [line('lag', '#9333ea', (w) => (w.queue === undefined ? null : w.queue.lagMs / 1000))],
    },
  ];
  return specs.map((spec) => ({ id: spec.id, title: spec.title, svg: renderTimeSeriesChart(spec) }));
}

/** The operations with the most requests in the windows, busiest first. */
function busiest(windows: readonly MergedWindow[]): string[] {
  const totals = new Map<string, number>();
  for (const window of windows) {
    for (const [operation, counts] of Object.entries(window.operations)) {
      if (operation !== ALL) totals.set(operation, (totals.get(operation) ?? 0) + counts.requests);
    }
  }
  return [...totals]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, TOP_OPERATIONS)
    .map(([operation]) => operation);
}

function share(
  counts: MergedWindow['operations'][string] | undefined,
  field: 'serverErrors' | 'clientErrors',
): number | null {
  if (counts === undefined || counts.requests === 0) return null;
  return (counts[field] / counts.requests) * 100;
}

/** `-2m`, `-30s`, `now`. */
function ago(ms: number): string {
  if (ms <= 0) return 'now';
  return ms % 60_000 === 0 ? `-${ms / 60_000}m` : `-${Math.round(ms / 1000)}s`;
}
