import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from '@jest/globals';
import { writeReport } from '../../../../../tools/drill/report/write-report.js';
import type { Firing } from '../../../../../tools/drill/types.js';
import { sampleDrillResult } from '../../../../support/drill/sample-result.js';

describe('writeReport', () => {
  let root: string | undefined;

  afterEach(async () => {
    if (root !== undefined) await rm(root, { recursive: true, force: true });
  });

  it('creates the folder and writes the six report files from the result and extras', async () => {
    // Prepare
    root = await mkdtemp(join(tmpdir(), 'mock-s3-write-report-'));
    const dir = join(root, 'reports', 'drill-20261207T000000Z');
    const result = sampleDrillResult();
    const raw = {
      rule_id: 'r-7f3a',
      point: 's3.request',
      request_id: 'req-00a1',
      at: '2026-12-07T00:00:10.019Z',
    };
    const events: Firing[] = [
      { ruleId: 'r-7f3a', point: 's3.request', type: 's3_error', requestId: 'req-00a1', atMs: 10_019, raw },
    ];
    // Act
    const paths = await writeReport(dir, result, {
      metricsBefore: 'mock_s3_requests_total 0\n',
      metricsAfter: 'mock_s3_requests_total 20340\n',
      events,
    });
    // Assess
    expect((await readdir(dir)).sort()).toEqual([
      'events.json',
      'metrics-after.txt',
      'metrics-before.txt',
      'report.html',
      'result.json',
      'summary.md',
    ]);
    expect(paths).toEqual({
      html: join(dir, 'report.html'),
      json: join(dir, 'result.json'),
      summary: join(dir, 'summary.md'),
    });
    expect(JSON.parse(await readFile(paths.json, 'utf8'))).toEqual(result);
    expect(JSON.parse(await readFile(join(dir, 'events.json'), 'utf8'))).toEqual([raw]);
    expect(await readFile(join(dir, 'metrics-before.txt'), 'utf8')).toBe('mock_s3_requests_total 0\n');
    expect(await readFile(join(dir, 'metrics-after.txt'), 'utf8')).toBe('mock_s3_requests_total 20340\n');
    expect(await readFile(paths.html, 'utf8')).toMatch(/^<!doctype html>/);
    expect(await readFile(paths.summary, 'utf8')).toMatch(/^## FAILED: slowdown-storm-node-loss/);
  });
});
