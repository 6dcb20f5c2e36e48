/**
 * The drill's timeline as it runs: each step applied at its time, the load's windows moved with
 * them, and the load's end — natural, or early on a failed step or Ctrl-C.
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { LoadHandle, LoadRun } from '../load/types.js';
import type { AppliedStep } from './result-parts.js';
import { stepLabel } from './step-label.js';
import type { Actuator, DrillFile, DrillStep } from './types.js';
import { createWindowSwitch } from './windows.js';

/**
 * Applies the steps at their times and moves the load's windows (windows.ts: `before` at warm-up's
 * end, `during` as the first step begins, `after` once the last has been applied). Resolves early, with the
 * reason, when a step fails (the run then ends with exit 2), or when `signal` aborts (Ctrl-C).
 */
export async function runTimeline(
  drill: DrillFile,
  timeline: { warmupEndMs: number },
  handle: LoadHandle,
  actuator: Actuator,
  applied: AppliedStep[],
  signal: AbortSignal | undefined,
  log: (line: string) => void,
): Promise<string | undefined> {
  const windows = createWindowSwitch(drill.method.length, (name) => handle.setWindow(name));
  const wait = async (atMs: number): Promise<boolean> => {
    const ms = atMs - handle.elapsedMs();
    if (ms > 0) await delay(ms, undefined, signal === undefined ? {} : { signal }).catch(() => undefined);
    return signal?.aborted !== true;
  };
  let warmupEnded = false;
  const endWarmupBy = async (atMs: number): Promise<boolean> => {
    if (warmupEnded || atMs < timeline.warmupEndMs) return true;
    if (!(await wait(timeline.warmupEndMs))) return false;
    warmupEnded = true;
    windows.warmupEnded();
    return true;
  };
  for (const step of drill.method) {
    if (!(await endWarmupBy(step.at)) || !(await wait(step.at))) return undefined;
    // `during` opens as the first step begins: a request in flight while the rule lands meets
    // the fault, and must not count as `before`. `after` opens once the last step has taken effect.
    const opensDuring = step.index === 0 && drill.method.length > 1;
    if (opensDuring) windows.stepApplied(step.index);
    const record = await applyStep(actuator, step, handle);
    applied.push(record);
    if (!opensDuring) windows.stepApplied(step.index);
    log(
      `${(record.appliedAtMs / 1000).toFixed(1)}s ${record.label}: ${record.ok ? 'applied' : 'FAILED'} (${record.detail})`,
    );
    if (!record.ok) return `method[${step.index}] (${record.label}) failed: ${record.detail}`;
  }
  await endWarmupBy(Number.POSITIVE_INFINITY);
  return undefined;
}

async function applyStep(actuator: Actuator, step: DrillStep, handle: LoadHandle): Promise<AppliedStep> {
  const base = { index: step.index, atMs: step.at, action: step.action, label: stepLabel(step) };
  try {
    const outcome = await actuator.apply(step);
    return {
      ...base,
      appliedAtMs: handle.elapsedMs(),
      ok: outcome.ok,
      detail: outcome.detail,
      faultActive: outcome.faultActive,
    };
  } catch (error) {
    return {
      ...base,
      appliedAtMs: handle.elapsedMs(),
      ok: false,
      detail: error instanceof Error ? error.message : String(error),
      faultActive: false,
    };
  }
}

/**
 * The end of the load: its natural end, or an early stop (a failed step, or `signal`: Ctrl-C),
 * whichever comes first.
 */
export function loadStopper(
  handle: LoadHandle,
  signal: AbortSignal | undefined,
  log: (line: string) => void,
): { stop(): Promise<LoadRun>; finished: Promise<LoadRun>; dispose(): void } {
  let stopping: Promise<LoadRun> | undefined;
  let onStop: (run: Promise<LoadRun>) => void = () => undefined;
  const stopped = new Promise<LoadRun>((resolve) => {
    onStop = resolve;
  });
  const stop = (): Promise<LoadRun> => {
    if (stopping === undefined) {
      stopping = handle.stop();
      onStop(stopping);
    }
    return stopping;
  };
  const onAbort = (): void => {
    log('interrupted: stopping the load, then rolling back');
    void stop();
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  if (signal?.aborted === true) onAbort();
  return {
    stop,
    finished: Promise.race([handle.done, stopped]),
    dispose: () => signal?.removeEventListener('abort', onAbort),
  };
}
