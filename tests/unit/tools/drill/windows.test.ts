import { describe, expect, it } from '@jest/globals';
import { parseDrillFile } from '../../../../tools/drill/drill-file.js';
import { createWindowSwitch, planTimeline, windowsFor } from '../../../../tools/drill/windows.js';
import type { WindowName } from '../../../../tools/load/types.js';

const drill = (method: string, recovery = '10s') =>
  parseDrillFile(`name: w\nload: { duration: 60s }\nrecovery: ${recovery}\n${method}`, '/tmp/w.yaml');

/** Opens windows as a runner would, recording every `setWindow` call. */
function switchFor(stepCount: number) {
  const opened: WindowName[] = [];
  const windows = createWindowSwitch(stepCount, (name) => opened.push(name));
  return { windows, opened };
}

describe('planTimeline', () => {
  it('ends warm-up at 5% of the load duration and load at its duration when recovery fits', () => {
    // Act
    const plan = planTimeline(drill('method: [{ at: 40s, action: clear }]'));

    // Assess
    expect(plan).toEqual({ warmupEndMs: 3000, loadEndMs: 60_000 });
  });

  it('runs load on for recovery after a late last step', () => {
    // Act
    const plan = planTimeline(
      drill('method: [{ at: 10s, action: wait }, { at: 55s, action: clear }]', '20s'),
    );

    // Assess
    expect(plan).toEqual({ warmupEndMs: 3000, loadEndMs: 75_000 });
  });

  it('uses the load duration alone when there are no steps', () => {
    // Act
    const plan = planTimeline(drill('', '30s'));

    // Assess
    expect(plan.loadEndMs).toBe(60_000);
  });
});

describe('createWindowSwitch', () => {
  it('opens before at warm-up end, during at the first step, after at the last', () => {
    // Prepare
    const { windows, opened } = switchFor(3);

    // Act
    windows.warmupEnded();
    windows.stepApplied(0);
    windows.stepApplied(1);
    windows.stepApplied(2);

    // Assess
    expect(opened).toEqual(['before', 'during', 'after']);
    expect(windows.current()).toBe('after');
  });

  it('opens only before when the drill has no steps', () => {
    // Prepare
    const { windows, opened } = switchFor(0);

    // Act
    windows.warmupEnded();

    // Assess
    expect(opened).toEqual(['before']);
  });

  it('goes from before straight to after with a single step (during would be empty)', () => {
    // Prepare
    const { windows, opened } = switchFor(1);

    // Act
    windows.warmupEnded();
    windows.stepApplied(0);

    // Assess
    expect(opened).toEqual(['before', 'after']);
  });

  it('opens during at a first step inside warm-up, and never opens before', () => {
    // Prepare
    const { windows, opened } = switchFor(2);

    // Act
    windows.stepApplied(0);
    windows.warmupEnded();
    windows.stepApplied(1);

    // Assess
    expect(opened).toEqual(['during', 'after']);
  });
});

describe('windowsFor', () => {
  it('keeps the windows in time order and leaves empty ones out', () => {
    // Act
    const windows = windowsFor([
      { name: 'warmup', fromMs: 0, toMs: 3000 },
      { name: 'after', fromMs: 20_000, toMs: 61_000 },
      { name: 'before', fromMs: 3000, toMs: 10_000 },
      { name: 'during', fromMs: 10_000, toMs: 10_000 },
    ]);

    // Assess
    expect(windows.map((window) => window.name)).toEqual(['warmup', 'before', 'after']);
  });
});
