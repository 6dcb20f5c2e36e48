/**
 * The run's windows (DRILLS.md "Windows and probes"), planned from the drill file and opened from
 * what actually happened:
 * - `warmup`: from the start of load to 5% of `load.duration` (never judged);
 * - `before`: from the end of warm-up until the first step begins;
 * - `during`: from when the first step begins (a request in flight while its rule lands meets the
 *   fault, so it must not count as `before`) until the last step has been applied;
 * - `after`: from the last step applied to the end of load (the `recovery` period and any load left).
 * With no steps there is only `warmup` and `before`. With one step, `during` is empty (not opened):
 * the step opens `after`. A step applied inside warm-up ends warm-up early and opens `during` (or
 * `after` if it is the last) at once, so `before` is never opened: the load before a fault is not
 * judged, rather than judging faulted load as `before`. A window never opened is not judged.
 * Windows use the times steps actually began and took effect (not their `at`), so a slow action
 * cannot leak its effects into `before`.
 */
import type { LoadRun, WindowName } from '../load/types.js';
import type { DrillFile, DrillResult } from './types.js';

/** Warm-up is this share of the load's duration. */
export const WARMUP_SHARE = 0.05;

/**
 * When warm-up ends and when load ends (ms from the start of load): load goes on for at least
 * `load.duration`, and for `recovery` after the last step's `at`.
 */
export function planTimeline(drill: DrillFile): { warmupEndMs: number; loadEndMs: number } {
  const lastStep = drill.method.at(-1);
  const loadEndMs = Math.max(
    drill.load.durationMs,
    lastStep === undefined ? 0 : lastStep.at + drill.recoveryMs,
  );
  return { warmupEndMs: Math.round(drill.load.durationMs * WARMUP_SHARE), loadEndMs };
}

/** Opens the windows of a run as the runner reports its events (the engine's `setWindow`). */
export interface WindowSwitch {
  /** Warm-up's planned end has come: opens `before` unless a step opened a later window already. */
  warmupEnded(): void;
  /**
   * Step `index` (in `method`): the first opens `during` (call it as that step begins), the last
   * opens `after` (call it once that step has been applied).
   */
  stepApplied(index: number): void;
  /** The window operations are counted in now. */
  current(): WindowName;
}

export function createWindowSwitch(stepCount: number, setWindow: (name: WindowName) => void): WindowSwitch {
  let current: WindowName = 'warmup';
  const open = (name: WindowName) => {
    if (name === current) return;
    current = name;
    setWindow(name);
  };
  return {
    warmupEnded() {
      if (current === 'warmup') open('before');
    },
    stepApplied(index) {
      if (index === stepCount - 1) open('after');
      else if (current === 'warmup' || current === 'before') open('during');
    },
    current: () => current,
  };
}

/** The windows of a finished run for the result, in time order, empty ones left out. */
export function windowsFor(bounds: LoadRun['windowBounds']): DrillResult['windows'] {
  return [...bounds]
    .filter((bound) => bound.toMs > bound.fromMs)
    .sort((a, b) => a.fromMs - b.fromMs)
    .map(({ name, fromMs, toMs }) => ({ name, fromMs, toMs }));
}
