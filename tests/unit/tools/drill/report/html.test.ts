import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { renderReportHtml } from '../../../../../tools/drill/report/html.js';
import type { DrillResult } from '../../../../../tools/drill/types.js';
import { sampleDrillResult } from '../../../../support/drill/sample-result.js';
import { KEY_PROPERTY_SEED, s3Key } from '../../../../support/s3-keys.js';

const SCRIPT = '<script>alert(1)</script>';
const IMAGE = '<img src=x onerror=alert(1)>';

/** The text of the page in document order, tags removed (enough for "what comes first"). */
const bodyText = (html: string) =>
  html
    .slice(Math.max(0, html.indexOf('<body')))
    .replace(/<[^>]*>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();

/** The tags of a page in order: what a text could add or break shows here. */
const tagsOf = (html: string) => html.match(/<\/?[a-zA-Z][a-zA-Z0-9-]*/g) ?? [];

/** The sample with every text a server or a drill file gives replaced. */
function withTexts(texts: { key: string; code: string; label: string; id: string }): DrillResult {
  const sample = sampleDrillResult();
  const [first, ...rest] = sample.series;
  return sampleDrillResult({
    name: texts.label,
    description: texts.label,
    reason: texts.label,
    target: texts.label,
    command: texts.label,
    series: [
      { ...first!, errors: 1, errorsByCode: { [texts.code]: 1 } },
      ...rest.map((s) => ({ ...s, errorsByCode: {} })),
    ],
    steps: sample.steps.map((step) => ({ ...step, label: texts.label, detail: texts.label })),
    faultWindows: sample.faultWindows.map((w) => ({ ...w, label: texts.label })),
    probes: sample.probes.map((probe) => ({
      ...probe,
      label: texts.label,
      windows: probe.windows.map((w) => ({ ...w, detail: texts.label })),
    })),
    integrity: {
      ...sample.integrity!,
      violations: sample.integrity!.violations.map((v) => ({
        ...v,
        key: texts.key,
        detail: texts.label,
        requestIds: [texts.id],
        rules: [texts.id],
      })),
      unverifiable: [texts.key],
    },
    firings: sample.firings.map((f) => ({ ...f, ruleId: texts.id, point: texts.label, type: texts.label })),
    rollback: [texts.label],
    drillFile: texts.label,
  });
}

/** A result whose server-given and file-given texts are markup. */
function hostileResult(): DrillResult {
  const sample = sampleDrillResult();
  const [first, ...rest] = sample.series;
  return sampleDrillResult({
    name: 'x',
    reason: `lost ${SCRIPT}`,
    series: [{ ...first!, errors: 1, errorsByCode: { [IMAGE]: 1 } }, ...rest],
    steps: sample.steps.map((step) => ({ ...step, label: `</text>${SCRIPT}`, detail: IMAGE })),
    faultWindows: [{ fromMs: 1000, toMs: 2000, label: `</title>${SCRIPT}` }],
    integrity: {
      ...sample.integrity!,
      violations: sample.integrity!.violations.map((v) => ({ ...v, key: SCRIPT, requestIds: [IMAGE] })),
    },
    firings: [{ ...sample.firings[0]!, ruleId: SCRIPT }],
    rollback: [SCRIPT],
    drillFile: `name: x\n# </pre>${SCRIPT}\n`,
  });
}

describe('renderReportHtml', () => {
  it('keeps keys, error codes, labels and the drill file as text, never markup', () => {
    // Act
    const html = renderReportHtml(hostileResult());
    // Assess
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/<img/i);
    expect(html).toContain('&lt;/text&gt;&lt;script&gt;');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
  });

  it('keeps the same markup whatever keys, error codes, ids and labels hold (property)', () => {
    const baseline = tagsOf(renderReportHtml(withTexts({ key: 'k', code: 'SlowDown', label: 'x', id: 'r' })));
    fc.assert(
      fc.property(s3Key, fc.string({ minLength: 1 }), fc.string(), fc.string(), (key, code, label, id) => {
        expect(tagsOf(renderReportHtml(withTexts({ key, code, label, id })))).toEqual(baseline);
      }),
      {
        seed: KEY_PROPERTY_SEED,
        numRuns: 100,
        examples: [[SCRIPT, IMAGE, '</pre><!--', ']]><svg onload=alert(1)>']],
      },
    );
  });

  it('asks for nothing outside the file: no src, href, url() or @import', () => {
    // Act
    const html = renderReportHtml(sampleDrillResult());
    // Assess
    expect(html).not.toMatch(/\s(src|href|xlink:href|srcset|action)\s*=/i);
    expect(html).not.toMatch(/url\s*\(|@import|<link|<script|<iframe/i);
  });

  it.each([
    ['passed', 'PASSED'],
    ['failed', 'FAILED'],
    ['aborted', 'ABORTED'],
    ['error', 'COULD NOT RUN'],
  ] as const)('starts the page with the verdict %s as %s and the reason', (verdict, word) => {
    // Act
    const html = renderReportHtml(sampleDrillResult({ verdict, reason: 'why it ended so' }));
    // Assess
    expect(bodyText(html).startsWith(`${word} why it ended so`)).toBe(true);
  });

  it('highlights a violated probe window with when it was first violated', () => {
    // Act
    const html = renderReportHtml(sampleDrillResult());
    // Assess
    const rows = html.match(/<tr class="violated">.*?<\/tr>/g) ?? [];
    const during = rows.find((row) => row.includes('<td>during</td>'));
    expect(during).toBeDefined();
    expect(bodyText(during!)).toBe(
      'during 33.89% 5% VIOLATED 10.41s 0.3389 &gt; 0.05 (2779 of 8200 operations)',
    );
  });

  it('renders a drill that could not run: no series, no step, no probe, no integrity', () => {
    // Act
    const html = renderReportHtml(
      sampleDrillResult({
        verdict: 'error',
        exitCode: 2,
        reason: 'method[1].node: node-9 is not a storage node of the target',
        load: { ...sampleDrillResult().load, elapsedMs: 0 },
        windows: [],
        steps: [],
        faultWindows: [],
        series: [],
        serverSeries: { queuePending: [] },
        operations: [],
        probes: [],
        integrity: undefined,
        firings: [],
        rollback: [],
      }),
    );
    // Assess
    expect(bodyText(html).startsWith('COULD NOT RUN method[1].node: node-9 is not a storage node')).toBe(
      true,
    );
    expect(html.match(/<svg class="chart"/g)).toHaveLength(3);
    expect(html).toContain('>no errors</text>');
    expect(html.match(/>no data<\/text>/g)).toHaveLength(2);
    expect(html).toContain('No probe (the drill had no steady-state hypothesis).');
    expect(html).toContain('Not checked (the drill had no <code>integrity</code> probe).');
  });

  it("names the bucket's origin among the facts, only when the drill gave it one", () => {
    // Prepare
    const sample = sampleDrillResult();
    const load = { ...sample.load, bucket: 'drill-x', origin: { bucket: 'drill-x-origin', keys: 2000 } };

    // Act
    const withOrigin = bodyText(renderReportHtml(sampleDrillResult({ load })));
    const without = bodyText(renderReportHtml(sample));

    // Assess
    expect(withOrigin).toContain(
      'origin drill-x reads through to drill-x-origin (2000 objects seeded there)',
    );
    expect(without).not.toContain('reads through to');
  });

  it('draws the queue chart only when the server was sampled', () => {
    // Act
    const sampled = renderReportHtml(sampleDrillResult());
    const unsampled = renderReportHtml(sampleDrillResult({ serverSeries: { queuePending: [] } }));
    // Assess
    expect(sampled).toContain('id="chart-queue"');
    expect(unsampled).not.toContain('id="chart-queue"');
    expect(unsampled).toContain('id="chart-latency"');
  });
});
