import { describe, expect, test } from '@jest/globals';
import { parseTimeScale, scaleDrill } from '../../../../tools/drill/time-scale.js';
import { type DrillFile, DrillFileError } from '../../../../tools/drill/types.js';

const drill: DrillFile = {
  name: 'd',
  description: '',
  seed: 1,
  load: {
    durationMs: 40_000,
    loop: { kind: 'closed', concurrency: 4 },
    keys: 10,
    size: { min: 1024, max: 1024 },
    mix: { put: 1 },
    client: 'raw',
    bucket: 'drill-{run}',
    keep: false,
  },
  steadyState: [],
  method: [
    { action: 'rules', rules: [{ fault: { type: 'latency', ms: 300 } }], at: 10_000, index: 0 },
    { action: 'clear', at: 25_000, index: 1 },
  ],
  recoveryMs: 15_000,
  rollback: 'always',
  mode: 'any',
  source: '',
  path: 'd.yaml',
};

describe('scaleDrill', () => {
  test('scales the load, every at and recovery, not the fault parameters', () => {
    const scaled = scaleDrill(drill, 0.2);

    expect(scaled.load.durationMs).toBe(8000);
    expect(scaled.method.map((step) => step.at)).toEqual([2000, 5000]);
    expect(scaled.recoveryMs).toBe(3000);
    expect(scaled.method[0]).toMatchObject({ rules: [{ fault: { type: 'latency', ms: 300 } }] });
  });

  test.each([0, -1, Number.NaN, 1000])('refuses %p, naming --time-scale', (factor) => {
    expect(() => scaleDrill(drill, factor)).toThrow(DrillFileError);
    expect(() => scaleDrill(drill, factor)).toThrow(/--time-scale/);
  });

  test('parses the flag; absent is 1', () => {
    expect(parseTimeScale(undefined)).toBe(1);
    expect(parseTimeScale('0.25')).toBe(0.25);
    expect(() => parseTimeScale('fast')).toThrow(/--time-scale/);
  });
});
