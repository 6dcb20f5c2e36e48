import { describe, expect, it } from '@jest/globals';
import type { QueueStats } from '../../../../shared/queue/ports.js';
import { createMetricSeries, quantileMs } from '../../../../shared/telemetry/metric-series.js';
import { createMetrics, type Metrics } from '../../../../shared/telemetry/metrics.js';

/** A clock the test moves by hand. */
function steppedClock(startMs: number) {
  let now = startMs;
  return { now: () => new Date(now), advance: (ms: number) => (now += ms) };
}

function answer(metrics: Metrics, operation: string, status: number, seconds: number, service = 's3-api') {
  const labels = { service, operation, method: 'GET', status: String(status) };
  metrics.httpRequests.inc(labels);
  metrics.httpRequestDuration.observe(labels, seconds);
}

describe('createMetricSeries', () => {
  it('keeps, per 2 s window, the requests, 4xx, 5xx and p99 of each S3 operation and of all together', async () => {
    // Prepare
    const metrics = createMetrics();
    const clock = steppedClock(1_000_000);
    const series = createMetricSeries({ registry: metrics.registry, clock });
    answer(metrics, 'GetObject', 200, 0.001);
    await series.sample();
    for (let i = 0; i < 198; i++) answer(metrics, 'GetObject', 200, 0.003);
    answer(metrics, 'GetObject', 503, 0.2);
    answer(metrics, 'PutObject', 404, 0.003);
    // Act
    clock.advance(2000);
    await series.sample();
    // Assess
    const [window] = series.windows();
    expect(window!.t).toBe(1_002_000);
    expect(window!.operations.GetObject).toEqual({
      requests: 199,
      serverErrors: 1,
      clientErrors: 0,
      // Rank 0.99 x 199 = 197.01 falls in the (2.5 ms, 5 ms] bucket of 198: 2.5 + 2.5 x 197.01/198.
      p99Ms: expect.closeTo(4.99, 2),
    });
    expect(window!.operations.PutObject).toMatchObject({ requests: 1, clientErrors: 1, serverErrors: 0 });
    expect(window!.operations['*']).toMatchObject({ requests: 200, serverErrors: 1, clientErrors: 1 });
  });

  it('leaves out the control plane (the dashboard polling itself) and counts only the window', async () => {
    // Prepare
    const metrics = createMetrics();
    const clock = steppedClock(0);
    const series = createMetricSeries({ registry: metrics.registry, clock });
    answer(metrics, 'GetObject', 200, 0.001);
    await series.sample();
    answer(metrics, 'Stats', 200, 0.001, 'admin');
    // Act
    clock.advance(2000);
    await series.sample();
    clock.advance(2000);
    answer(metrics, 'GetObject', 200, 0.001);
    await series.sample();
    // Assess
    expect(series.windows().map((w) => w.operations['*']?.requests ?? 0)).toEqual([0, 1]);
    expect(series.windows(2000).map((w) => w.t)).toEqual([4000]);
  });

  it('samples the queue and keeps only the newest windows', async () => {
    // Prepare
    const metrics = createMetrics();
    const clock = steppedClock(0);
    let pending = 0;
    const series = createMetricSeries({
      registry: metrics.registry,
      clock,
      capacity: 3,
      queueStats: async (): Promise<QueueStats> => ({ pending: pending++, lagMs: 5, deadLetters: 1 }),
    });
    // Act
    for (let i = 0; i < 6; i++) {
      await series.sample();
      clock.advance(2000);
    }
    // Assess
    expect(series.windows().map((w) => [w.t, w.queue?.pending])).toEqual([
      [6000, 3],
      [8000, 4],
      [10_000, 5],
    ]);
  });

  it('samples on a timer that start() arms and stop() disarms', async () => {
    // Prepare
    const metrics = createMetrics();
    const series = createMetricSeries({
      registry: metrics.registry,
      clock: { now: () => new Date() },
      intervalMs: 20,
    });
    // Act
    series.start();
    answer(metrics, 'GetObject', 200, 0.001);
    const deadline = Date.now() + 5000;
    while (series.windows().length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    series.stop();
    const kept = series.windows().length;
    await new Promise((r) => setTimeout(r, 60));
    // Assess
    expect(kept).toBeGreaterThanOrEqual(2);
    expect(series.running).toBe(false);
    expect(series.windows().length).toBe(kept);
  });
});

describe('quantileMs', () => {
  it('interpolates within the bucket the rank falls in, and stops at the largest finite bound', () => {
    expect(quantileMs([], 0.99)).toBeNull();
    expect(
      quantileMs(
        [
          [0.01, 0],
          [Number.POSITIVE_INFINITY, 0],
        ],
        0.99,
      ),
    ).toBeNull();
    expect(
      quantileMs(
        [
          [0.01, 50],
          [0.02, 100],
          [Number.POSITIVE_INFINITY, 100],
        ],
        0.5,
      ),
    ).toBeCloseTo(10);
    expect(
      quantileMs(
        [
          [0.01, 0],
          [0.02, 100],
          [Number.POSITIVE_INFINITY, 100],
        ],
        0.99,
      ),
    ).toBeCloseTo(19.9);
    expect(
      quantileMs(
        [
          [0.01, 1],
          [Number.POSITIVE_INFINITY, 100],
        ],
        0.99,
      ),
    ).toBe(10);
  });
});
