import { describe, expect, it } from '@jest/globals';
import { renderReportHtml } from '../../../../../tools/drill/report/html.js';
import type { DrillResult } from '../../../../../tools/drill/types.js';
import { sampleDrillResult } from '../../../../support/drill/sample-result.js';

const SCRIPT = '<script>alert(1)</script>';
const IMAGE = '<img src=x onerror=alert(1)>';

/** The text of the page in document order, tags removed (enough for "what comes first"). */
const bodyText = (html: string) =>
  html
    .slice(Math.max(0, html.indexOf('<body')))
    .replace(/<[^>]*>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();

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
