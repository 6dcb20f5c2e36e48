/**
 * report.html: one self-contained page rendered from a drill result (inline CSS, inline SVG, no
 * script, no external URL of any kind), opening from disk with no network and readable printed.
 * The verdict is the first line; then the run facts, the charts, the probes per window, the
 * per-operation table, integrity, firings, steps, rollback, the drill file and the versions.
 * Every text from the result is escaped: keys, error codes and details come from the server.
 */
import { escapeXml as text } from '../../../shared/s3/errors.js';
import type { DrillResult, ProbeResult } from '../types.js';
import { renderDrillCharts } from './drill-charts.js';
import {
  formatAt,
  formatBytes,
  formatLoop,
  formatNumber,
  formatProbeValue,
  formatSeconds,
  VERDICT_WORDS,
} from './format.js';

/** The whole report page. */
export function renderReportHtml(result: DrillResult): string {
  const verdict = VERDICT_WORDS[result.verdict];
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${text(`${verdict}: ${result.name}`)}</title>`,
    `<style>${STYLE}</style></head>`,
    `<body class="verdict-${text(result.verdict)}">`,
    `<header class="verdict"><h1><span class="verdict-word">${text(verdict)}</span>`,
    ` <span class="verdict-reason">${text(result.reason)}</span></h1>`,
    `<p class="drill-name">Drill <strong>${text(result.name)}</strong> — ${text(result.description)}</p></header>`,
    section('Run', renderFacts(result)),
    section('Charts', renderCharts(result)),
    section('Probes', renderProbes(result.probes)),
    section('Operations', renderOperations(result)),
    section('Integrity', renderIntegrity(result)),
    section('Fault firings per rule', renderFirings(result)),
    section('Steps', renderSteps(result)),
    section('Rollback', renderRollback(result)),
    section('Drill file as run', `<pre class="drill-file">${text(result.drillFile)}</pre>`),
    section('Versions', renderVersions(result)),
    '</body></html>',
    '',
  ].join('\n');
}

function section(title: string, body: string): string {
  const id = title.toLowerCase().replace(/[^a-z]+/g, '-');
  return `<section id="${id}"><h2>${text(title)}</h2>${body}</section>`;
}

function renderFacts(result: DrillResult): string {
  const load = result.load;
  const size =
    load.size.min === load.size.max
      ? formatBytes(load.size.min)
      : `${formatBytes(load.size.min)} .. ${formatBytes(load.size.max)}`;
  const mix = Object.entries(load.mix)
    .map(([operation, weight]) => `${operation}=${weight}`)
    .join(', ');
  const facts: [string, string][] = [
    ['target', result.target],
    ['control plane', result.admin ?? 'none'],
    ['mode', result.mode],
    [
      'client',
      `${result.client}${load.maxAttempts === undefined ? '' : ` (max attempts ${load.maxAttempts})`}`,
    ],
    ['loop', formatLoop(result.loop)],
    ['seed', String(result.seed)],
    ['duration', `${formatSeconds(load.durationMs)} planned, ${formatSeconds(load.elapsedMs)} run`],
    ['started / ended', `${result.startedAt} / ${result.endedAt}`],
    ['run id', result.runId],
    ['bucket / key prefix', `${load.bucket} / ${load.keyPrefix}`],
    ['keys, size, mix', `${load.keys} keys, ${size}, ${mix}`],
    ...(load.origin === undefined
      ? []
      : [
          [
            'origin',
            `${load.bucket} reads through to ${load.origin.bucket} (${load.origin.keys} objects seeded there)`,
          ] as [string, string],
        ]),
    ['exit code', String(result.exitCode)],
  ];
  // Two facts a row: the charts stay near the top of the page (and of the README's screenshot).
  const rows: string[] = [];
  for (let i = 0; i < facts.length; i += 2) {
    const cells = facts
      .slice(i, i + 2)
      .map(([name, value]) => `<th>${text(name)}</th><td>${text(value)}</td>`);
    rows.push(`<tr>${cells.join('')}</tr>`);
  }
  return (
    `<table class="facts">${rows.join('')}</table>` +
    `<p>Replay (same seed, file and target): <code class="command">${text(result.command)}</code></p>`
  );
}

function renderCharts(result: DrillResult): string {
  const charts = renderDrillCharts(result).map(
    (chart) =>
      `<figure class="chart-figure" data-chart="${text(chart.id)}"><figcaption>${text(chart.title)}</figcaption>${chart.svg}</figure>`,
  );
  const legend =
    '<p class="chart-note">Shaded: a fault of the drill was active. Dashed vertical lines: steps as applied. ' +
    'The band above each plot: the probe windows (warm-up, before, during, after). ' +
    'Each point is one second, at its middle.</p>';
  return legend + charts.join('');
}

function renderProbes(probes: readonly ProbeResult[]): string {
  if (probes.length === 0) return '<p>No probe (the drill had no steady-state hypothesis).</p>';
  const rows = probes.flatMap((probe) =>
    probe.windows.map(
      (w, i) =>
        `<tr class="${w.ok ? 'ok' : 'violated'}">` +
        (i === 0 ? `<th rowspan="${probe.windows.length}">${text(probe.label)}</th>` : '') +
        `<td>${text(w.window)}</td><td class="num">${text(formatProbeValue(probe.spec, w.value))}</td>` +
        `<td class="num">${text(formatProbeValue(probe.spec, w.threshold))}</td>` +
        `<td>${w.ok ? 'ok' : '<strong>VIOLATED</strong>'}</td><td>${text(formatAt(w.violatedAtMs))}</td>` +
        `<td>${text(w.detail)}</td></tr>`,
    ),
  );
  return (
    '<table class="probes"><thead><tr><th>probe</th><th>window</th><th>value</th><th>threshold</th>' +
    `<th>result</th><th>first violated at</th><th>detail</th></tr></thead><tbody>${rows.join('')}</tbody></table>`
  );
}

function renderOperations(result: DrillResult): string {
  if (result.operations.length === 0) return '<p>No operation ran.</p>';
  const ms = (value: number | undefined) => (value === undefined ? '–' : formatNumber(value));
  const rows = result.operations.map(
    (row) =>
      `<tr><th>${text(row.operation)}</th><td class="num">${row.ops}</td><td class="num">${row.errors}</td>` +
      `<td class="num">${formatNumber(row.errorRate * 100)}%</td><td class="num">${row.retries}</td>` +
      `<td class="num">${ms(row.latency?.p50)}</td><td class="num">${ms(row.latency?.p95)}</td>` +
      `<td class="num">${ms(row.latency?.p99)}</td><td class="num">${ms(row.latency?.max)}</td></tr>`,
  );
  return (
    '<table class="operations"><thead><tr><th>operation</th><th>ops</th><th>errors</th><th>error rate</th>' +
    '<th>retries</th><th>p50 ms</th><th>p95 ms</th><th>p99 ms</th><th>max ms</th></tr></thead>' +
    `<tbody>${rows.join('')}</tbody></table>`
  );
}

function renderIntegrity(result: DrillResult): string {
  const report = result.integrity;
  if (report === undefined) return '<p>Not checked (the drill had no <code>integrity</code> probe).</p>';
  const counts =
    `<p class="integrity-counts">${report.keysChecked} keys read back, ${report.acknowledgedWrites} acknowledged writes, ` +
    `${report.acknowledgedDeletes} acknowledged deletes, ${report.readsChecked} reads checked: ` +
    `<strong>${report.violations.length} violation${report.violations.length === 1 ? '' : 's'}</strong>.</p>`;
  const unverifiable =
    report.unverifiable.length === 0
      ? ''
      : `<p>Not judged (the final read itself failed): ${report.unverifiable.map((key) => `<code>${text(key)}</code>`).join(', ')}</p>`;
  if (report.violations.length === 0) return counts + unverifiable;
  const rows = report.violations.map(
    (v) =>
      `<tr class="violated"><td>${text(v.kind)}</td><td><code>${text(v.key)}</code></td><td>${text(formatAt(v.atMs))}</td>` +
      `<td>${text(v.detail)}</td><td>${text(v.requestIds.join(', ') || '–')}</td>` +
      `<td>${text(v.rules.join(', ') || 'none')}</td></tr>`,
  );
  return (
    counts +
    '<table class="violations"><thead><tr><th>kind</th><th>key</th><th>at</th><th>detail</th>' +
    `<th>request ids</th><th>rules that fired</th></tr></thead><tbody>${rows.join('')}</tbody></table>` +
    unverifiable
  );
}

function renderFirings(result: DrillResult): string {
  if (result.firings.length === 0) return '<p>No rule of this drill fired.</p>';
  const rows = result.firings.map(
    (f) =>
      `<tr><td><code>${text(f.ruleId)}</code></td><td>${text(f.point)}</td><td>${text(f.type)}</td>` +
      `<td class="num">${f.count}</td><td>${text(formatAt(f.firstAtMs))}</td><td>${text(formatAt(f.lastAtMs))}</td></tr>`,
  );
  return (
    '<table class="firings"><thead><tr><th>rule</th><th>point</th><th>fault</th><th>firings</th>' +
    `<th>first</th><th>last</th></tr></thead><tbody>${rows.join('')}</tbody></table>`
  );
}

function renderSteps(result: DrillResult): string {
  if (result.steps.length === 0) return '<p>No step was applied.</p>';
  const rows = result.steps.map(
    (s) =>
      `<tr class="${s.ok ? 'ok' : 'violated'}"><td class="num">${s.index + 1}</td><td>${text(s.label)}</td>` +
      `<td>${text(formatAt(s.atMs))}</td><td>${text(formatAt(s.appliedAtMs))}</td>` +
      `<td>${s.ok ? 'ok' : '<strong>failed</strong>'}</td><td>${text(s.detail)}</td></tr>`,
  );
  return (
    '<table class="steps"><thead><tr><th>#</th><th>step</th><th>planned at</th><th>applied at</th>' +
    `<th>result</th><th>detail</th></tr></thead><tbody>${rows.join('')}</tbody></table>`
  );
}

function renderRollback(result: DrillResult): string {
  if (result.rollback.length === 0) return '<p>Nothing to roll back.</p>';
  return `<ul class="rollback">${result.rollback.map((line) => `<li>${text(line)}</li>`).join('')}</ul>`;
}

function renderVersions(result: DrillResult): string {
  const v = result.versions;
  const parts = [
    `mock-s3 ${v.mockS3}`,
    `node ${v.node}`,
    ...(v.awsSdk === undefined ? [] : [`AWS SDK ${v.awsSdk}`]),
  ];
  return `<p class="versions">${text(parts.join(' · '))} · result schema ${text(result.schema)}</p>`;
}

const STYLE = `
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #111827; margin: 0 auto; padding: 16px 24px 48px; max-width: 1000px; }
header.verdict { padding: 12px 16px; border-radius: 6px; margin-bottom: 12px; border: 2px solid; }
header.verdict h1 { margin: 0; font-size: 26px; }
header.verdict .verdict-word { font-size: 32px; letter-spacing: 0.04em; }
header.verdict .verdict-reason { font-size: 16px; font-weight: 500; }
header.verdict .drill-name { margin: 6px 0 0; }
.verdict-passed header.verdict { background: #ecfdf5; border-color: #16a34a; }
.verdict-passed .verdict-word { color: #15803d; }
.verdict-failed header.verdict { background: #fef2f2; border-color: #dc2626; }
.verdict-failed .verdict-word { color: #b91c1c; }
.verdict-aborted header.verdict, .verdict-error header.verdict { background: #fffbeb; border-color: #d97706; }
.verdict-aborted .verdict-word, .verdict-error .verdict-word { color: #b45309; }
h2 { font-size: 18px; border-bottom: 1px solid #e5e7eb; padding-bottom: 4px; margin-top: 28px; }
table { border-collapse: collapse; width: 100%; margin: 8px 0; }
th, td { border: 1px solid #e5e7eb; padding: 4px 8px; text-align: left; vertical-align: top; overflow-wrap: anywhere; }
thead th { background: #f3f4f6; }
table.facts th { width: 130px; background: #f9fafb; white-space: nowrap; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.violated td { background: #fef2f2; }
tr.violated strong { color: #b91c1c; }
code, pre { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size: 12.5px; }
code.command { background: #f3f4f6; padding: 2px 6px; border-radius: 4px; word-break: break-all; }
pre.drill-file { background: #f9fafb; border: 1px solid #e5e7eb; padding: 10px; overflow-x: auto; white-space: pre-wrap; }
figure.chart-figure { margin: 16px 0; }
figure.chart-figure figcaption { font-weight: 600; margin-bottom: 2px; }
svg.chart { width: 100%; height: auto; max-width: 920px; display: block; font-family: inherit; }
.chart-note { color: #4b5563; font-size: 13px; }
.versions { color: #4b5563; }
@media print {
  body { max-width: none; padding: 0; font-size: 11px; }
  header.verdict, figure.chart-figure, tr { break-inside: avoid; }
  h2, figcaption { break-after: avoid; }
  header.verdict { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  svg.chart { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
`;
