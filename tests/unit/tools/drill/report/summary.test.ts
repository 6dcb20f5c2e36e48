import { describe, expect, it } from '@jest/globals';
import { renderSummary } from '../../../../../tools/drill/report/summary.js';
import { sampleDrillResult } from '../../../../support/drill/sample-result.js';

describe('renderSummary', () => {
  it('gives the verdict, every probe window, the integrity counts and the replay command', () => {
    // Act
    const summary = renderSummary(sampleDrillResult());
    const lines = summary.split('\n');
    // Assess
    expect(lines).toContain(
      '**FAILED** — error_rate during: 0.3389 > 0.05 (2779 of 8200 operations), first at 10.41s; integrity: 2 violations (1 lost, 1 resurrected)',
    );
    expect(lines).toContain('| probe | window | value | threshold | ok |');
    expect(lines).toContain('| error_rate <= 0.05 | before | 0% | 5% | ok |');
    expect(lines).toContain('| error_rate <= 0.05 | during | 33.89% | 5% | **VIOLATED** at 10.41s |');
    expect(lines).toContain('| latency_p99 <= 250ms | after | 60 ms | 250 ms | ok |');
    expect(lines).toContain('| integrity | after | 2 violations | 0 violations | **VIOLATED** at 21.84s |');
    expect(
      lines.filter(
        (line) => line.startsWith('| ') && !line.startsWith('| probe') && !line.startsWith('| ---'),
      ),
    ).toHaveLength(8);
    expect(summary).toContain('Integrity: 2 violations (1 lost, 1 resurrected) over 1873 keys');
    expect(summary).toContain(`\`\`\`sh\n${sampleDrillResult().command}\n\`\`\``);
  });

  it('keeps a label with a pipe, a newline or a tag in its own table cell, as text', () => {
    // Act
    const summary = renderSummary(
      sampleDrillResult({
        probes: [
          {
            spec: { probe: 'http', url: 'http://127.0.0.1:1/a', expect_status: 200, during: false },
            label: 'http a|b\n<script>x</script>',
            ok: true,
            windows: [{ window: 'before', value: 200, threshold: 200, ok: true, detail: '' }],
          },
        ],
      }),
    );
    // Assess
    const row = summary.split('\n').find((line) => line.startsWith('| http'));
    expect(row).toBe('| http a\\|b \\<script>x\\</script> | before | HTTP 200 | HTTP 200 | ok |');
    expect(row!.split(/(?<!\\)\|/)).toHaveLength(7);
  });
});
