import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { writeReport } from '../../tools/drill/report/write-report.js';
import type { DrillResult } from '../../tools/drill/types.js';
import { type OpenedReport, openReportInChromium } from '../support/drill/report-browser.js';
import { sampleDrillResult } from '../support/drill/sample-result.js';

/** A key the server could return: it must stay text, never become markup. */
const HOSTILE_KEY = '<script>alert(1)</script>';
/** A key with nowhere to break a line (S3 allows 1024 bytes): the page must still fit a printed page. */
const LONG_KEY = `k${'0'.repeat(400)}`;
/** A4 at 96 dpi. */
const PRINTED_PAGE = { width: 794, height: 1123 };

/** How far (px) a mark may sit from where its time maps: SVG coordinates are rounded to 0.01. */
const PIXEL_TOLERANCE = 1;

interface ChartGeometry {
  readonly id: string;
  readonly xMinMs: number;
  readonly xMaxMs: number;
  readonly plot: { left: number; width: number };
  readonly seriesBoxes: { name: string; width: number; height: number }[];
  readonly faultRects: { fromMs: number; toMs: number; left: number; right: number }[];
  readonly steps: { index: number; atMs: number; x: number }[];
  readonly ticks: { ms: number; x: number }[];
  readonly windows: string[];
}

// The report of a realistic drill, opened from disk in Debian's chromium with the network refused.
describe('report.html in a headless browser', () => {
  let dir: string;
  let result: DrillResult;
  let report: OpenedReport;
  let charts: ChartGeometry[];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mock-s3-report-'));
    const sample = sampleDrillResult();
    const [lost, ...others] = sample.integrity!.violations;
    result = sampleDrillResult({
      integrity: {
        ...sample.integrity!,
        violations: [{ ...lost!, key: HOSTILE_KEY }, ...others.map((v) => ({ ...v, key: LONG_KEY }))],
      },
    });
    const paths = await writeReport(dir, result, { metricsBefore: '', metricsAfter: '', events: [] });
    report = await openReportInChromium(paths.html);
    charts = await report.page.$$eval('svg.chart', (svgs) =>
      svgs.map((svg) => {
        const box = (element: typeof svg) => element.getBoundingClientRect();
        const number = (element: typeof svg, name: string) => Number(element.getAttribute(name));
        const plot = box(svg.querySelector('rect.plot-area')!);
        return {
          id: svg.id,
          xMinMs: number(svg, 'data-x-min-ms'),
          xMaxMs: number(svg, 'data-x-max-ms'),
          plot: { left: plot.left, width: plot.width },
          seriesBoxes: [...svg.querySelectorAll('path.series')].map((path) => ({
            name: path.getAttribute('data-series') ?? '',
            width: box(path).width,
            height: box(path).height,
          })),
          faultRects: [...svg.querySelectorAll('rect.fault-window')].map((rect) => ({
            fromMs: number(rect, 'data-from-ms'),
            toMs: number(rect, 'data-to-ms'),
            left: box(rect).left,
            right: box(rect).right,
          })),
          steps: [...svg.querySelectorAll('g.step-marker')].map((marker) => ({
            index: number(marker, 'data-step'),
            atMs: number(marker, 'data-at-ms'),
            x: box(marker.querySelector('line')!).left,
          })),
          ticks: [...svg.querySelectorAll('g.x-tick')].map((tick) => ({
            ms: number(tick, 'data-ms'),
            x: box(tick.querySelector('line')!).left,
          })),
          windows: [...svg.querySelectorAll('g.probe-window')].map(
            (w) => w.getAttribute('data-window') ?? '',
          ),
        };
      }),
    );
  });

  afterAll(async () => {
    await report?.close();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  /** Where `ms` falls, in pixels, on a chart's x axis (from its plot area and axis attributes). */
  const pixelOf = (chart: ChartGeometry, ms: number) =>
    chart.plot.left + ((ms - chart.xMinMs) / (chart.xMaxMs - chart.xMinMs)) * chart.plot.width;

  it('puts the verdict and its reason in the first line', async () => {
    // Act
    // biome-ignore lint/performance/useDomNodeTextContent: the first line as rendered is the point, not the DOM's text
    const text = await report.page.$eval('body', (body) => body.innerText);
    const verdictTop = await report.page.$eval(
      'header.verdict',
      (header) => header.getBoundingClientRect().top,
    );
    // Assess
    expect(text.trimStart().split('\n')[0]).toBe(`FAILED ${result.reason}`);
    expect(verdictTop).toBeLessThan(50);
  });

  it('renders the throughput, error-rate, latency and queue charts with drawn series', () => {
    // Assess
    expect(charts.map((chart) => chart.id)).toEqual([
      'chart-throughput',
      'chart-errors',
      'chart-latency',
      'chart-queue',
    ]);
    for (const chart of charts) {
      expect(chart.seriesBoxes.length).toBeGreaterThan(0);
      for (const series of chart.seriesBoxes) {
        expect({
          chart: chart.id,
          series: series.name,
          drawn: series.width > 100 && series.height > 0,
        }).toEqual({
          chart: chart.id,
          series: series.name,
          drawn: true,
        });
      }
    }
    expect(charts.find((chart) => chart.id === 'chart-errors')!.seriesBoxes.map((s) => s.name)).toEqual([
      'SlowDown',
      'InternalError',
      'ECONNRESET',
    ]);
  });

  it("shades each fault window where its times fall on the chart's x axis", () => {
    for (const chart of charts) {
      // Assess: the rects are the drill's fault windows...
      expect(chart.faultRects.map(({ fromMs, toMs }) => ({ fromMs, toMs }))).toEqual(
        result.faultWindows.map(({ fromMs, toMs }) => ({ fromMs, toMs })),
      );
      // ...and lie, in pixels, where those times map.
      for (const rect of chart.faultRects) {
        expect(Math.abs(rect.left - pixelOf(chart, rect.fromMs))).toBeLessThanOrEqual(PIXEL_TOLERANCE);
        expect(Math.abs(rect.right - pixelOf(chart, rect.toMs))).toBeLessThanOrEqual(PIXEL_TOLERANCE);
      }
      // The axis' own ticks agree with that mapping (a tick labelled 10s sits where 10 000 ms maps).
      expect(chart.ticks.length).toBeGreaterThan(3);
      for (const tick of chart.ticks) {
        expect(Math.abs(tick.x - pixelOf(chart, tick.ms))).toBeLessThanOrEqual(PIXEL_TOLERANCE);
      }
    }
  });

  it('marks every step at the time it was applied, and draws the probe windows', () => {
    for (const chart of charts) {
      // Assess
      expect(chart.steps.map(({ index, atMs }) => ({ index, atMs }))).toEqual(
        result.steps.map((step) => ({ index: step.index, atMs: step.appliedAtMs })),
      );
      for (const step of chart.steps) {
        expect(Math.abs(step.x - pixelOf(chart, step.atMs))).toBeLessThanOrEqual(PIXEL_TOLERANCE + 1);
      }
      expect(chart.windows).toEqual(['warmup', 'before', 'during', 'after']);
    }
  });

  it('shows a key that looks like markup as text, and runs no script', async () => {
    // Act
    const scripts = await report.page.$$eval('script', (elements) => elements.length);
    const cells = await report.page.$$eval('table.violations code', (codes) =>
      codes.map((code) => code.textContent),
    );
    // Assess
    expect(scripts).toBe(0);
    expect(report.dialogs).toEqual([]);
    expect(cells).toContain(HOSTILE_KEY);
  });

  it('fits the width of a printed page, charts and long keys included', async () => {
    // Act
    await report.page.setViewport(PRINTED_PAGE);
    await report.page.emulateMediaType('print');
    const widths = await report.page.$eval('html', (root) => ({
      page: root.scrollWidth,
      charts: [...root.querySelectorAll('svg.chart')].map((svg) => svg.getBoundingClientRect().right),
    }));
    // Assess
    expect(widths.page).toBeLessThanOrEqual(PRINTED_PAGE.width);
    for (const right of widths.charts) expect(right).toBeLessThanOrEqual(PRINTED_PAGE.width);
  });

  it('logs no console error or page error and asks for nothing over the network', () => {
    // Assess
    expect(report.consoleErrors).toEqual([]);
    expect(report.pageErrors).toEqual([]);
    expect(report.refusedRequests).toEqual([]);
  });
});
