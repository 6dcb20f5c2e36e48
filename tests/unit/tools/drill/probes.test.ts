import { describe, expect, it } from '@jest/globals';
import {
  firstViolationMs,
  type HttpSample,
  judgeProbes,
  type ProbeInputs,
  verdictReason,
} from '../../../../tools/drill/probes.js';
import type { IntegrityReport, ProbeSpec } from '../../../../tools/drill/types.js';
import type {
  LatencySummary,
  LoadRun,
  SecondSample,
  WindowName,
  WindowStats,
} from '../../../../tools/load/types.js';

// Prepare: a run of 40 s: warm-up 0-2 s, before 2-10 s, during 10-20 s, after 20-40 s.
const BOUNDS: LoadRun['windowBounds'] = [
  { name: 'warmup', fromMs: 0, toMs: 2000 },
  { name: 'before', fromMs: 2000, toMs: 10_000 },
  { name: 'during', fromMs: 10_000, toMs: 20_000 },
  { name: 'after', fromMs: 20_000, toMs: 40_000 },
];

const latency = (p99: number): LatencySummary => ({ p50: p99 / 4, p95: p99 / 2, p99, max: p99 * 2 });

function stats(ops: number, errors: number, durationMs: number, p99: number | null = 20): WindowStats {
  return {
    ops,
    errors,
    errorRate: ops === 0 ? 0 : errors / ops,
    throughput: ops / (durationMs / 1000),
    durationMs,
    latency: p99 === null ? null : latency(p99),
    errorsByCode: {},
    byOperation: {},
  };
}

function second(t: number, ops: number, errors: number, p99: number | null = 20): SecondSample {
  return {
    t,
    ops,
    errors,
    errorsByCode: {},
    latency: p99 === null ? null : latency(p99),
    retries: 0,
    inFlight: 0,
  };
}

function runWith(
  windows: Partial<Record<WindowName, WindowStats>>,
  seconds: readonly SecondSample[] = [],
  bounds: LoadRun['windowBounds'] = BOUNDS,
): LoadRun {
  const total = stats(0, 0, 40_000);
  return {
    spec: {} as LoadRun['spec'],
    startedAtEpochMs: 0,
    elapsedMs: 40_000,
    stopped: false,
    seconds,
    total,
    windows,
    windowBounds: bounds,
    touchedKeys: [],
  };
}

const healthy = {
  warmup: stats(100, 90, 2000, 5000),
  before: stats(800, 0, 8000),
  during: stats(1000, 0, 10_000),
  after: stats(2000, 0, 20_000),
};

const inputs = (run: LoadRun, extra: Partial<ProbeInputs> = {}): ProbeInputs => ({
  run,
  http: new Map(),
  queuePending: [],
  ...extra,
});

describe('judgeProbes', () => {
  it('judges before and after, during only when asked, and never warm-up', () => {
    // Prepare
    const specs: ProbeSpec[] = [
      { probe: 'error_rate', max: 0.01, during: false },
      { probe: 'error_rate', max: 0.01, during: true },
    ];

    // Act
    const [outside, inside] = judgeProbes(specs, inputs(runWith(healthy)));

    // Assess
    expect(outside!.windows.map((w) => w.window)).toEqual(['before', 'after']);
    expect(inside!.windows.map((w) => w.window)).toEqual(['before', 'during', 'after']);
    expect(outside!.ok && inside!.ok).toBe(true);
    expect(outside!.label).toBe('error_rate <= 0.01');
  });

  it('fails error_rate in the window where it is exceeded, saying by how much and when', () => {
    // Prepare
    const run = runWith({ ...healthy, during: stats(981, 412, 10_000) }, [
      second(9, 100, 0),
      second(10, 100, 0),
      second(11, 100, 1),
      second(12, 100, 60),
    ]);

    // Act
    const [probe] = judgeProbes([{ probe: 'error_rate', max: 0.01, during: true }], inputs(run));

    // Assess
    expect(probe!.ok).toBe(false);
    expect(probe!.windows[1]).toEqual({
      window: 'during',
      value: 412 / 981,
      threshold: 0.01,
      ok: false,
      detail: '0.42 > 0.01 (412 of 981 operations)',
      violatedAtMs: 12_000,
    });
    expect(probe!.windows[0]!.detail).toBe('0 <= 0.01 (0 of 800 operations)');
  });

  it('holds over an empty window, saying it had no operations', () => {
    // Prepare
    const run = runWith({ ...healthy, before: stats(0, 0, 8000) });

    // Act
    const [probe] = judgeProbes([{ probe: 'error_rate', max: 0.01, during: false }], inputs(run));

    // Assess
    expect(probe!.windows[0]).toEqual({
      window: 'before',
      value: null,
      threshold: 0.01,
      ok: true,
      detail: 'no operations',
    });
  });

  it('reads a window with bounds but no numbers as one without operations', () => {
    // Prepare
    const run = runWith({ warmup: healthy.warmup, before: healthy.before, after: healthy.after });

    // Act
    const [probe] = judgeProbes([{ probe: 'throughput_min', min: 1, during: true }], inputs(run));

    // Assess
    expect(probe!.windows[1]).toMatchObject({ window: 'during', value: 0, ok: false });
  });

  it('does not judge a window the run never opened', () => {
    // Prepare: no steps: warm-up and before only.
    const run = runWith({ warmup: healthy.warmup, before: healthy.before }, [], BOUNDS.slice(0, 2));

    // Act
    const [probe] = judgeProbes([{ probe: 'latency_p99', max: 250, during: true }], inputs(run));

    // Assess
    expect(probe!.windows.map((w) => w.window)).toEqual(['before']);
  });

  it('fails a latency percentile above its threshold, from the first second above it', () => {
    // Prepare
    const run = runWith({ ...healthy, after: stats(2000, 0, 20_000, 812) }, [
      second(19, 100, 0, 900),
      second(20, 100, 0, 30),
      second(21, 100, 0, 812),
    ]);

    // Act
    const [p99, p50] = judgeProbes(
      [
        { probe: 'latency_p99', max: 250, during: false },
        { probe: 'latency_p50', max: 250, during: false },
      ],
      inputs(run),
    );

    // Assess
    expect(p99!.label).toBe('latency_p99 <= 250ms');
    expect(p99!.windows[1]).toMatchObject({
      window: 'after',
      value: 812,
      threshold: 250,
      ok: false,
      detail: '812ms > 250ms (2000 successful operations)',
      violatedAtMs: 21_000,
    });
    // p50 of that window is 203 ms: under 250 ms.
    expect(p50!.ok).toBe(true);
  });

  it('holds a latency probe over a window where nothing succeeded (error_rate judges that)', () => {
    // Prepare
    const run = runWith({ ...healthy, before: stats(50, 50, 8000, null) });

    // Act
    const [probe] = judgeProbes([{ probe: 'latency_max', max: 100, during: false }], inputs(run));

    // Assess
    expect(probe!.windows[0]).toMatchObject({ value: null, ok: true, detail: 'no successful operations' });
  });

  it('counts only successful operations as throughput, and fails an empty window that should have had load', () => {
    // Prepare: before is fine, during is a storm of fast errors, after had no operations at all.
    const run = runWith({ ...healthy, during: stats(5000, 4900, 10_000), after: stats(0, 0, 20_000) }, [
      second(10, 500, 0),
      second(11, 500, 490),
      second(12, 500, 490),
    ]);

    // Act
    const [probe] = judgeProbes([{ probe: 'throughput_min', min: 50, during: true }], inputs(run));

    // Assess
    expect(probe!.label).toBe('throughput_min >= 50 ops/s');
    expect(probe!.windows.map(({ window, value, ok }) => ({ window, value, ok }))).toEqual([
      { window: 'before', value: 100, ok: true },
      { window: 'during', value: 10, ok: false },
      { window: 'after', value: 0, ok: false },
    ]);
    expect(probe!.windows[1]!.violatedAtMs).toBe(11_000);
    expect(probe!.windows[2]!.detail).toBe('0 ops/s < 50 ops/s (no operations in 20s)');
  });

  it('fails an http probe in the window of its first failing poll', () => {
    // Prepare
    const samples: HttpSample[] = [
      { t: 3000, status: 200, ok: true, detail: '200' },
      { t: 11_000, status: 200, ok: true, detail: '200' },
      { t: 14_200, status: 503, ok: false, detail: '503 (expected 200)' },
      { t: 15_000, ok: false, detail: 'no answer within 2000ms' },
      { t: 25_000, status: 200, ok: true, detail: '200' },
      // After load ended (the rollback): judges no window.
      { t: 40_500, status: 503, ok: false, detail: '503 (expected 200)' },
    ];
    const spec: ProbeSpec = {
      probe: 'http',
      url: 'http://127.0.0.1:3000/health',
      expect_status: 200,
      during: true,
    };

    // Act
    const [probe] = judgeProbes([spec], inputs(runWith(healthy), { http: new Map([[0, samples]]) }));

    // Assess
    expect(probe!.label).toBe('http http://127.0.0.1:3000/health status 200');
    expect(probe!.windows.map(({ window, ok }) => [window, ok])).toEqual([
      ['before', true],
      ['during', false],
      ['after', true],
    ]);
    expect(probe!.windows[1]).toMatchObject({
      value: 503,
      threshold: 200,
      detail: '2 of 3 polls failed (first at 14.2s: 503 (expected 200))',
      violatedAtMs: 14_200,
    });
  });

  it('judges queue_pending on every sample before and during, and on the last one after', () => {
    // Prepare: the backlog grows during the fault and drains by the end.
    const queuePending = [
      { t: 5000, value: 0 },
      { t: 12_000, value: 40 },
      { t: 15_000, value: 500 },
      { t: 22_000, value: 300 },
      { t: 39_000, value: 3 },
    ];
    const specs: ProbeSpec[] = [
      { probe: 'queue_pending', max: 10, during: false },
      { probe: 'queue_pending', max: 10, during: true },
    ];

    // Act
    const [drained, bounded] = judgeProbes(specs, inputs(runWith(healthy), { queuePending }));

    // Assess
    expect(drained!.ok).toBe(true);
    expect(drained!.windows[1]).toMatchObject({
      window: 'after',
      value: 3,
      detail: 'last 3 <= 10 (peak 300, 2 samples)',
    });
    expect(bounded!.ok).toBe(false);
    expect(bounded!.windows[1]).toMatchObject({
      window: 'during',
      value: 500,
      ok: false,
      violatedAtMs: 12_000,
    });
  });

  it('fails a queue that has not drained by the end', () => {
    // Prepare
    const queuePending = [
      { t: 22_000, value: 0 },
      { t: 39_000, value: 80 },
      // Drained during the final check, after load ended: too late.
      { t: 41_000, value: 0 },
    ];

    // Act
    const [probe] = judgeProbes(
      [{ probe: 'queue_pending', max: 10, during: false }],
      inputs(runWith(healthy), { queuePending }),
    );

    // Assess
    expect(probe!.windows[1]).toMatchObject({ window: 'after', value: 80, ok: false, violatedAtMs: 39_000 });
  });

  it('judges integrity once, after recovery: ok with no violations, counts by kind when there are', () => {
    // Prepare
    const clean: IntegrityReport = {
      keysChecked: 10,
      acknowledgedWrites: 20,
      acknowledgedDeletes: 2,
      readsChecked: 30,
      violations: [],
      unverifiable: [],
    };
    const lossy: IntegrityReport = {
      ...clean,
      violations: [
        { kind: 'lost', key: 'r/k1', detail: '', requestIds: [], rules: [], atMs: 12_000 },
        { kind: 'lost', key: 'r/k2', detail: '', requestIds: [], rules: [], atMs: 11_000 },
        { kind: 'resurrected', key: 'r/k3', detail: '', requestIds: [], rules: [] },
      ],
    };

    // Act
    const [held] = judgeProbes([{ probe: 'integrity' }], inputs(runWith(healthy), { integrity: clean }));
    const [broken] = judgeProbes([{ probe: 'integrity' }], inputs(runWith(healthy), { integrity: lossy }));
    const [unchecked] = judgeProbes([{ probe: 'integrity' }], inputs(runWith(healthy)));

    // Assess
    expect(held!.windows).toEqual([
      {
        window: 'after',
        value: 0,
        threshold: 0,
        ok: true,
        detail: 'no violations (10 keys, 20 acknowledged writes, 0 unverifiable)',
      },
    ]);
    expect(broken!.windows[0]).toMatchObject({
      value: 3,
      ok: false,
      detail: '3 violations (2 lost, 1 resurrected: r/k1, r/k2, r/k3)',
      violatedAtMs: 11_000,
    });
    expect(unchecked!.ok).toBe(false);
  });
});

describe('firstViolationMs', () => {
  it('finds the first second overlapping the window that violates, clipped to the window', () => {
    // Prepare
    const series = [second(4, 10, 9), second(5, 10, 9), second(6, 10, 0)];

    // Act + Assess
    expect(firstViolationMs(series, { fromMs: 5500, toMs: 7000 }, (s) => s.errors > 5)).toBe(5500);
    expect(firstViolationMs(series, { fromMs: 6000, toMs: 7000 }, (s) => s.errors > 5)).toBe(6000);
  });
});

describe('verdictReason', () => {
  it('names the first violated probe, its window and by how much', () => {
    // Prepare
    const run = runWith({ ...healthy, during: stats(981, 412, 10_000), after: stats(100, 0, 20_000, 900) });
    const probes = judgeProbes(
      [
        { probe: 'latency_p99', max: 250, during: false },
        { probe: 'error_rate', max: 0.01, during: true },
      ],
      inputs(run),
    );

    // Act + Assess
    expect(verdictReason(probes.slice(1))).toBe('error_rate 0.42 > 0.01 during (412 of 981 operations)');
    expect(verdictReason(probes)).toBe(
      'latency_p99 900ms > 250ms after (100 successful operations); 1 more probe violated',
    );
  });

  it('says every probe held, or that there was nothing to judge', () => {
    // Prepare
    const probes = judgeProbes([{ probe: 'error_rate', max: 0.01, during: true }], inputs(runWith(healthy)));

    // Act + Assess
    expect(verdictReason(probes)).toBe('every probe held (1 probe)');
    expect(verdictReason([])).toBe('no hypothesis: nothing was judged');
  });
});
