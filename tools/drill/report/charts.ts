/**
 * One hand-written SVG time-series chart (no library, no script, no external reference): x is
 * seconds from the start of load, y auto-scaled to nice ticks, several named lines or stacked areas,
 * a legend, and the drill's marks on top: the fault windows shaded, every step as a vertical line,
 * the probe windows as a thin band above the plot. Every text is escaped (keys, error codes and
 * labels come from the server or the drill file). The geometry is written in data attributes so a
 * test can check, in pixels, that a shaded window lies where its times map on the x axis.
 */
import { escapeXml } from '../../../shared/s3/errors.js';
import { formatDuration } from '../../load/units.js';

export interface ChartPoint {
  /** Where the point sits on the x axis: ms from the start of load. */
  readonly atMs: number;
  readonly value: number | null;
}

export interface ChartSeries {
  readonly name: string;
  readonly color: string;
  readonly points: readonly ChartPoint[];
  readonly dashed?: boolean;
}

export interface ChartMarks {
  readonly faultWindows: readonly {
    readonly fromMs: number;
    readonly toMs: number;
    readonly label: string;
  }[];
  readonly steps: readonly { readonly index: number; readonly atMs: number; readonly label: string }[];
  readonly windows: readonly { readonly name: string; readonly fromMs: number; readonly toMs: number }[];
}

export interface ChartSpec {
  /** Unique in the page: `throughput`, `errors`, `latency`, `queue`. */
  readonly id: string;
  readonly title: string;
  /** The y axis' unit, shown beside it: `ops/s`, `%`, `ms`. */
  readonly unit: string;
  /** Right end of the x axis (ms from start). */
  readonly endMs: number;
  readonly series: readonly ChartSeries[];
  /** Stacked areas (parts of a whole, e.g. error rate by code) instead of lines. */
  readonly stacked: boolean;
  /** Printed in the plot when no series has a value (default `no data`). */
  readonly emptyText?: string;
  readonly marks: ChartMarks;
  /**
   * The x axis' caption and tick labels (default: `time from start of load`, `0s`, `10s`...); the
   * live dashboard counts back from now instead.
   */
  readonly xAxis?: { readonly label: string; tickLabel(ms: number): string };
}

const WIDTH = 920;
const HEIGHT = 280;
const PLOT = { left: 60, right: WIDTH - 16, top: 62, bottom: HEIGHT - 34 } as const;
const BAND = { top: 44, height: 13 } as const;
const WINDOW_COLORS: Readonly<Record<string, string>> = {
  warmup: '#e5e7eb',
  before: '#bfdbfe',
  during: '#fecaca',
  after: '#bbf7d0',
};

/** Renders one chart as an `<svg>` element (a string of markup, every text escaped). */
export function renderTimeSeriesChart(spec: ChartSpec): string {
  const endMs = Math.max(1000, Math.ceil(spec.endMs / 1000) * 1000);
  const x = (ms: number) => round(PLOT.left + (clamp(ms, 0, endMs) / endMs) * (PLOT.right - PLOT.left));
  const levels = spec.stacked ? stackLevels(spec.series) : spec.series.map((s) => s.points);
  const yTicks = niceTicks(maxValue(levels));
  const yMax = yTicks[yTicks.length - 1]!;
  const y = (value: number) => round(PLOT.bottom - (value / yMax) * (PLOT.bottom - PLOT.top));
  const hasData = levels.some((points) => points.some((p) => p.value !== null));
  const title = escapeXml(spec.title);
  return [
    `<svg class="chart" id="chart-${escapeXml(spec.id)}"`,
    ` viewBox="0 0 ${WIDTH} ${HEIGHT}" width="${WIDTH}" height="${HEIGHT}" role="img" aria-label="${title}"`,
    ` data-x-min-ms="0" data-x-max-ms="${endMs}">`,
    `<title>${title}</title>`,
    `<rect class="plot-area" x="${PLOT.left}" y="${PLOT.top}" width="${PLOT.right - PLOT.left}"`,
    ` height="${PLOT.bottom - PLOT.top}" fill="#ffffff" stroke="#d1d5db"`,
    ` data-x-min-ms="0" data-x-max-ms="${endMs}"/>`,
    renderFaultWindows(spec.marks.faultWindows, x),
    renderYAxis(yTicks, y, spec.unit),
    renderXAxis(endMs, x, spec.xAxis ?? REPORT_X_AXIS),
    hasData
      ? renderSeries(spec, levels, x, y)
      : `<text class="no-data" x="${(PLOT.left + PLOT.right) / 2}" y="${(PLOT.top + PLOT.bottom) / 2}" text-anchor="middle" fill="#6b7280">${escapeXml(spec.emptyText ?? 'no data')}</text>`,
    renderWindowBand(spec.marks.windows, x),
    renderSteps(spec.marks.steps, x),
    renderLegend(spec.series),
    '</svg>',
  ].join('');
}

/**
 * Round tick values from 0 to at least `max` (about five steps of 1, 2 or 5 times a power of ten);
 * `[0, 1]` when there is nothing above 0.
 */
export function niceTicks(max: number): number[] {
  if (!(max > 0) || !Number.isFinite(max)) return [0, 1];
  const rough = max / 5;
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = ([1, 2, 5, 10].find((m) => m * power >= rough) ?? 10) * power;
  const count = Math.ceil(max / step - 1e-9);
  return Array.from({ length: count + 1 }, (_, i) => Number((i * step).toPrecision(12)));
}

function renderFaultWindows(windows: ChartMarks['faultWindows'], x: (ms: number) => number): string {
  return windows
    .map((w) => {
      const left = x(w.fromMs);
      const width = Math.max(0, x(w.toMs) - left);
      return (
        `<rect class="fault-window" data-from-ms="${w.fromMs}" data-to-ms="${w.toMs}" x="${left}"` +
        ` y="${PLOT.top}" width="${width}" height="${PLOT.bottom - PLOT.top}" fill="#f59e0b" fill-opacity="0.14">` +
        `<title>fault: ${escapeXml(w.label)} (${formatDuration(w.fromMs)} to ${formatDuration(w.toMs)})</title></rect>`
      );
    })
    .join('');
}

function renderYAxis(ticks: readonly number[], y: (value: number) => number, unit: string): string {
  const lines = ticks.map(
    (tick) =>
      `<line x1="${PLOT.left}" x2="${PLOT.right}" y1="${y(tick)}" y2="${y(tick)}" stroke="#eef0f3"/>` +
      `<text x="${PLOT.left - 6}" y="${y(tick) + 4}" text-anchor="end">${formatTick(tick)}</text>`,
  );
  return `<g class="y-axis" font-size="11" fill="#374151">${lines.join('')}<text x="${PLOT.left - 6}" y="${PLOT.top - 6}" text-anchor="end" font-weight="600">${escapeXml(unit)}</text></g>`;
}

const REPORT_X_AXIS = {
  label: 'time from start of load',
  tickLabel: (ms: number) => (ms === 0 ? '0s' : formatDuration(ms)),
};

function renderXAxis(
  endMs: number,
  x: (ms: number) => number,
  axis: NonNullable<ChartSpec['xAxis']>,
): string {
  const stepS =
    [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 1800, 3600].find((s) => endMs / 1000 / s <= 12) ?? 3600;
  const ticks: string[] = [];
  for (let ms = 0; ms <= endMs; ms += stepS * 1000) {
    ticks.push(
      `<g class="x-tick" data-ms="${ms}"><line x1="${x(ms)}" x2="${x(ms)}" y1="${PLOT.bottom}" y2="${PLOT.bottom + 4}" stroke="#6b7280"/>` +
        `<text x="${x(ms)}" y="${PLOT.bottom + 16}" text-anchor="middle">${escapeXml(axis.tickLabel(ms))}</text></g>`,
    );
  }
  return `<g class="x-axis" font-size="11" fill="#374151">${ticks.join('')}<text x="${PLOT.right}" y="${HEIGHT - 4}" text-anchor="end">${escapeXml(axis.label)}</text></g>`;
}

function renderSeries(
  spec: ChartSpec,
  levels: readonly (readonly ChartPoint[])[],
  x: (ms: number) => number,
  y: (value: number) => number,
): string {
  const at = (p: ChartPoint) => `${x(p.atMs)},${y(p.value ?? 0)}`;
  const paths = spec.series.map((series, i) => {
    const color = escapeXml(series.color);
    const name = escapeXml(series.name);
    if (spec.stacked) {
      const upper = levels[i]!;
      const lower = i === 0 ? upper.map((p) => ({ atMs: p.atMs, value: 0 })) : levels[i - 1]!;
      if (upper.length === 0) return '';
      const d = `M${upper.map(at).join('L')}L${[...lower].reverse().map(at).join('L')}Z`;
      return `<path class="series series-${i}" data-series="${name}" d="${d}" fill="${color}" fill-opacity="0.75" stroke="${color}" stroke-width="1"/>`;
    }
    return `<path class="series series-${i}" data-series="${name}" d="${linePath(series.points, at)}" fill="none" stroke="${color}" stroke-width="1.8"${series.dashed === true ? ' stroke-dasharray="5 3"' : ''}/>`;
  });
  return `<g class="series-group">${paths.join('')}</g>`;
}

/** A null value breaks the line (nothing measured that second), it does not draw a drop to 0. */
function linePath(points: readonly ChartPoint[], at: (p: ChartPoint) => string): string {
  let d = '';
  let pen = false;
  for (const point of points) {
    if (point.value === null) {
      pen = false;
      continue;
    }
    d += `${pen ? 'L' : 'M'}${at(point)}`;
    pen = true;
  }
  return d;
}

function renderWindowBand(windows: ChartMarks['windows'], x: (ms: number) => number): string {
  const parts = windows.map((w) => {
    const left = x(w.fromMs);
    const width = Math.max(0, x(w.toMs) - left);
    const name = escapeXml(w.name);
    // A label only where it fits: a short warm-up must not print over the next window's name.
    const label =
      width > w.name.length * 6 + 6 ? `<text x="${left + 3}" y="${BAND.top + 10}">${name}</text>` : '';
    return (
      `<g class="probe-window" data-window="${name}" data-from-ms="${w.fromMs}" data-to-ms="${w.toMs}">` +
      `<rect x="${left}" y="${BAND.top}" width="${width}" height="${BAND.height}" fill="${WINDOW_COLORS[w.name] ?? '#e5e7eb'}"/>${label}` +
      `<title>window ${name}: ${formatDuration(w.fromMs)} to ${formatDuration(w.toMs)}</title></g>`
    );
  });
  return `<g class="window-band" font-size="10" fill="#1f2937">${parts.join('')}</g>`;
}

function renderSteps(steps: ChartMarks['steps'], x: (ms: number) => number): string {
  const marks = steps.map((step, i) => {
    const at = x(step.atMs);
    const text = truncate(`#${step.index + 1} ${step.label}`, 42);
    // Labels alternate in height so that close steps stay readable.
    const labelY = PLOT.top + 12 + (i % 3) * 12;
    return (
      `<g class="step-marker" data-step="${step.index}" data-at-ms="${step.atMs}">` +
      `<line x1="${at}" x2="${at}" y1="${PLOT.top}" y2="${PLOT.bottom}" stroke="#111827" stroke-width="1.2" stroke-dasharray="4 3"/>` +
      `<text x="${at + 4}" y="${labelY}" font-size="10" fill="#111827">${escapeXml(text)}</text>` +
      `<title>step #${step.index + 1} at ${formatDuration(step.atMs)}: ${escapeXml(step.label)}</title></g>`
    );
  });
  return `<g class="steps">${marks.join('')}</g>`;
}

function renderLegend(series: readonly ChartSeries[]): string {
  // Two rows fit above the window band; an item that would overflow the second row is left out.
  const rows = [14, 29];
  let row = 0;
  let left = PLOT.left;
  const items: string[] = [];
  for (const s of series) {
    const name = truncate(s.name, 28);
    const width = 28 + name.length * 6.5;
    if (left + width > WIDTH && row + 1 < rows.length) {
      row += 1;
      left = PLOT.left;
    }
    if (left + width > WIDTH) break;
    items.push(
      `<g class="legend-item"><rect x="${left}" y="${rows[row]}" width="11" height="11" fill="${escapeXml(s.color)}"/>` +
        `<text x="${left + 15}" y="${rows[row]! + 10}">${escapeXml(name)}</text></g>`,
    );
    left += width;
  }
  return `<g class="legend" font-size="11" fill="#1f2937">${items.join('')}</g>`;
}

/** Cumulative levels of stacked series: level i is the sum of series 0..i (a missing value counts 0). */
function stackLevels(series: readonly ChartSeries[]): ChartPoint[][] {
  const levels: ChartPoint[][] = [];
  for (const [i, s] of series.entries()) {
    levels.push(
      s.points.map((p, j) => ({ atMs: p.atMs, value: (p.value ?? 0) + (levels[i - 1]?.[j]?.value ?? 0) })),
    );
  }
  return levels;
}

function maxValue(levels: readonly (readonly ChartPoint[])[]): number {
  let max = 0;
  for (const points of levels) for (const p of points) if (p.value !== null && p.value > max) max = p.value;
  return max;
}

function formatTick(value: number): string {
  if (value >= 10_000) return `${Number((value / 1000).toPrecision(3))}k`;
  return `${Number(value.toPrecision(4))}`;
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
