import { describe, expect, test } from '@jest/globals';
import {
  type AppliedStep,
  faultWindowsOf,
  replayCommand,
  summarizeFirings,
} from '../../../../tools/drill/result-parts.js';
import type { Firing } from '../../../../tools/drill/types.js';

function step(appliedAtMs: number, label: string, faultActive: boolean): AppliedStep {
  return {
    index: 0,
    atMs: appliedAtMs,
    appliedAtMs,
    action: 'rules',
    label,
    ok: true,
    detail: '',
    faultActive,
  };
}

describe('faultWindowsOf', () => {
  test('a window from the step that turns a fault on to the one that clears it', () => {
    expect(
      faultWindowsOf([step(2000, 'a', true), step(3000, 'b', true), step(5000, 'clear', false)], 8000),
    ).toEqual([{ fromMs: 2000, toMs: 5000, label: 'a + b' }]);
  });

  test('a fault never cleared is shaded to the end; two separate faults, two windows', () => {
    expect(
      faultWindowsOf([step(1000, 'a', true), step(2000, 'clear', false), step(4000, 'b', true)], 8000),
    ).toEqual([
      { fromMs: 1000, toMs: 2000, label: 'a' },
      { fromMs: 4000, toMs: 8000, label: 'b' },
    ]);
  });
});

describe('summarizeFirings', () => {
  test('counts per rule with first and last time, in order of first firing', () => {
    const firing = (ruleId: string, atMs: number): Firing => ({
      ruleId,
      point: 'http.server',
      type: 's3_error',
      atMs,
      raw: {},
    });

    expect(
      summarizeFirings([firing('r2', 300), firing('r1', 100), firing('r2', 900), firing('r1', 200)]),
    ).toEqual([
      { ruleId: 'r1', point: 'http.server', type: 's3_error', count: 2, firstAtMs: 100, lastAtMs: 200 },
      { ruleId: 'r2', point: 'http.server', type: 's3_error', count: 2, firstAtMs: 300, lastAtMs: 900 },
    ]);
  });
});

describe('replayCommand', () => {
  test('the same file, target and time scale; odd characters quoted for a shell', () => {
    expect(
      replayCommand({
        file: 'drills/a b.yaml',
        target: 'http://127.0.0.1:8080',
        admin: 'http://127.0.0.1:9000',
        timeScale: 0.2,
      }),
    ).toBe(
      "mock-s3 drill run 'drills/a b.yaml' --target http://127.0.0.1:8080 --admin http://127.0.0.1:9000 --time-scale 0.2",
    );
  });
});
