// The recorder: operations count in the second and window in which they started; percentiles come
// from the HDR histogram.
import { describe, expect, it } from '@jest/globals';
import { LoadRecorder } from '../../../../tools/load/recorder.js';
import type { ClientAnswer } from '../../../../tools/load/types.js';

const OK: ClientAnswer = { ok: true, status: 200, requestIds: [], attempts: 1 };
const SLOW_DOWN: ClientAnswer = {
  ok: false,
  status: 503,
  errorCode: 'SlowDown',
  requestIds: [],
  attempts: 3,
};

describe('LoadRecorder', () => {
  it('counts an operation in the second it started, not the one it ended in', () => {
    // Prepare
    const recorder = new LoadRecorder();

    // Act: started at 0.9 s, ended at 1.6 s; another started at 1.2 s.
    recorder.end(recorder.begin(900), 'put', OK, 700);
    recorder.end(recorder.begin(1200), 'get', SLOW_DOWN, 30);
    const run = recorder.finish(2000, 2000);

    // Assess
    expect(run.seconds.map((second) => [second.t, second.ops, second.errors])).toEqual([
      [0, 1, 0],
      [1, 1, 1],
    ]);
    expect(run.seconds[0]!.latency!.max).toBeCloseTo(700, 0);
    expect(run.seconds[1]).toMatchObject({ errorsByCode: { SlowDown: 1 }, retries: 2, latency: null });
  });

  it('counts an operation in the window in which it started', () => {
    // Prepare
    const recorder = new LoadRecorder();
    const warmupOp = recorder.begin(400);

    // Act: the window switches while the warm-up operation is still in flight.
    recorder.setWindow('before', 500);
    recorder.end(recorder.begin(600), 'get', OK, 10);
    recorder.end(warmupOp, 'put', OK, 300);
    recorder.setWindow('during', 1000);
    recorder.end(recorder.begin(1500), 'put', SLOW_DOWN, 20);
    const run = recorder.finish(2000, 2100);

    // Assess
    expect(run.windowBounds).toEqual([
      { name: 'warmup', fromMs: 0, toMs: 500 },
      { name: 'before', fromMs: 500, toMs: 1000 },
      { name: 'during', fromMs: 1000, toMs: 2100 },
    ]);
    expect(run.windows.warmup).toMatchObject({ ops: 1, errors: 0, durationMs: 500, throughput: 2 });
    expect(run.windows.before).toMatchObject({ ops: 1, errors: 0, byOperation: { get: { ops: 1 } } });
    expect(run.windows.during).toMatchObject({
      ops: 1,
      errors: 1,
      errorRate: 1,
      durationMs: 1000,
      errorsByCode: { SlowDown: 1 },
      byOperation: { put: { ops: 1, errors: 1, retries: 2, errorsByCode: { SlowDown: 1 } } },
    });
    expect(run.total).toMatchObject({ ops: 3, errors: 1, durationMs: 2000 });
  });

  it('takes percentiles of successful operations from the histogram', () => {
    // Prepare
    const recorder = new LoadRecorder();

    // Act: 1..1000 ms, and failures that must not count in latency.
    for (let ms = 1; ms <= 1000; ms++) recorder.end(recorder.begin(0), 'get', OK, ms);
    for (let i = 0; i < 100; i++) recorder.end(recorder.begin(0), 'get', SLOW_DOWN, 60_000);
    const { latency } = recorder.finish(1000, 1000).total;

    // Assess: HDR keeps 3 significant digits.
    expect(latency!.p50).toBeCloseTo(500, -1);
    expect(latency!.p95).toBeCloseTo(950, -1);
    expect(latency!.p99).toBeCloseTo(990, -1);
    expect(latency!.max).toBeCloseTo(1000, -1);
  });

  it('counts a dropped arrival as an error with code Dropped', () => {
    // Prepare
    const recorder = new LoadRecorder();

    // Act
    recorder.dropped(1500, 'put');
    const run = recorder.finish(2000, 2000);

    // Assess
    expect(run.seconds[1]).toMatchObject({ ops: 1, errors: 1, errorsByCode: { Dropped: 1 } });
  });
});
