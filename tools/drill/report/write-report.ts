/**
 * Writes a drill's report folder (DRILLS.md "The report"): report.html, result.json, summary.md,
 * metrics-before.txt, metrics-after.txt and events.json (the raw hit-log events of the drill's rules).
 * Every file is rendered from the one DrillResult plus what the control plane said.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DrillResult, Firing } from '../types.js';
import { renderReportHtml } from './html.js';
import { renderSummary } from './summary.js';

export interface ReportExtras {
  /** The control plane's `/metrics` at the start and at the end (empty when there is none). */
  readonly metricsBefore: string;
  readonly metricsAfter: string;
  /** The hit log of the drill's rules. */
  readonly events: readonly Firing[];
}

/** The files of a report folder. */
export const REPORT_FILES = {
  html: 'report.html',
  json: 'result.json',
  summary: 'summary.md',
  metricsBefore: 'metrics-before.txt',
  metricsAfter: 'metrics-after.txt',
  events: 'events.json',
} as const;

/** Creates `dir` (and its parents) and writes every report file; resolves to the main files' paths. */
export async function writeReport(
  dir: string,
  result: DrillResult,
  extras: ReportExtras,
): Promise<{ html: string; json: string; summary: string }> {
  await mkdir(dir, { recursive: true });
  const path = (name: string) => join(dir, name);
  await Promise.all([
    writeFile(path(REPORT_FILES.html), renderReportHtml(result)),
    writeFile(path(REPORT_FILES.json), `${JSON.stringify(result, null, 2)}\n`),
    writeFile(path(REPORT_FILES.summary), renderSummary(result)),
    writeFile(path(REPORT_FILES.metricsBefore), extras.metricsBefore),
    writeFile(path(REPORT_FILES.metricsAfter), extras.metricsAfter),
    writeFile(
      path(REPORT_FILES.events),
      `${JSON.stringify(
        extras.events.map((event) => event.raw),
        null,
        2,
      )}\n`,
    ),
  ]);
  return {
    html: path(REPORT_FILES.html),
    json: path(REPORT_FILES.json),
    summary: path(REPORT_FILES.summary),
  };
}
